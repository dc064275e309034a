// Whom a Git writer trusts: an https server's certificate checked against a store's own CA bundle, and
// an ssh server's host key looked up in the store's knownHosts. Pure functions over bytes, so the rules
// are tested without a server.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pave::statestore {

// Whether the DER certificate chains to a CA in the PEM bundle ca_pem and was issued for host.
bool trusted_by_ca(const std::string& ca_pem, const unsigned char* der, size_t len, const char* host);

// Whether known_hosts (OpenSSH's format) lists raw_key (the key blob, as in the line's base64 field) for
// host at port, as ssh would decide it:
// - a host on port 22 is named "host", on any other port "[host]:port"; the key of one port is not
//   trusted on another;
// - names may be hashed ("|1|salt|hash", as ssh-keyscan -H writes them), may use the * and ? wildcards,
//   and a "!pattern" that matches excludes the line;
// - a key listed under @revoked for the host is refused whatever else lists it; @cert-authority lines
//   are not host keys and are skipped.
bool known_host(std::string_view known_hosts, std::string_view host, int port, std::string_view raw_key);

// Whether a Git URL is reached over ssh: ssh://[user@]host[:port]/path, or scp's user@host:path.
bool is_ssh_url(std::string_view url);

// The port an ssh Git URL connects to: ssh://[user@]host[:port]/path, or 22 (also for user@host:path).
int ssh_port(std::string_view url);

}  // namespace pave::statestore
