// Timeouts for libgit2's connections. libgit2 1.5 has none: a Git server that accepts a connection and
// then sends nothing would hold a store's writer, and every WorkPlacement behind it, forever. Pave gives
// libgit2 its own TCP stream (for http, and under TLS for https), which fails a connect or a read after
// the timeout (under TLS the error reaches the caller in mbedTLS's words). ssh connections are made by the
// same stream but read by libssh2 itself, which would wait without a limit: a watchdog shuts down any
// connection that has neither sent nor received for twice the timeout during an operation, which fails it.
#pragma once

#include <chrono>

namespace pave::statestore {

// Installs the stream; once is enough, more calls do nothing. Call after git_libgit2_init().
void install_git_socket_timeouts();

// How long a connect, or a read or write on a connection, may wait: 60 s unless set. Applies to
// connections opened from now on.
void set_git_network_timeout(std::chrono::milliseconds timeout);
std::chrono::milliseconds git_network_timeout();

// How many idle connections the watchdog has shut down in this process (for tests).
int git_idle_connections_shut_down();

// While one lives, the calling thread is in a network operation (a fetch, a push, a look at the remote's
// refs): only then are the connections that thread opened watched for idleness, so a connection libgit2
// keeps alive between operations is never cut while it waits for the next.
class GitNetworkOperation {
 public:
  GitNetworkOperation();
  ~GitNetworkOperation();
  GitNetworkOperation(const GitNetworkOperation&) = delete;
  GitNetworkOperation& operator=(const GitNetworkOperation&) = delete;
};

}  // namespace pave::statestore
