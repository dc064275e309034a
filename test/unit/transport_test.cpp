// The transport's retry policy against a local HTTP server that answers as an overloaded API server
// would (429 and 503 with Retry-After). The server is a few lines of cpp-httplib; what is tested is the
// client's logic, so no real API server is needed here.
#include "kube/transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace pave::kube {
namespace {

using namespace std::chrono_literals;

class LocalServer {
 public:
  LocalServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::shared_ptr<Transport> transport_for(const std::string& url, int max_retries = 5) {
  Config c{.server = url};
  c.max_retries = max_retries;
  c.qps = 0;
  return Transport::create(c).value();
}

TEST(Transport, RetriesTooManyRequestsAfterTheServersRetryAfter) {
  LocalServer s;
  std::atomic<int> calls{0};
  s.server().Get("/api", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"kind":"Status","reason":"TooManyRequests"})", "application/json");
      return;
    }
    res.set_content(R"({"ok":true})", "application/json");
  });
  auto t = transport_for(s.url());
  std::vector<RequestRecord> records;
  t->set_observer([&](const RequestRecord& r) { records.push_back(r); });
  auto start = std::chrono::steady_clock::now();
  auto r = t->send({.path = "/api"});
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1s) << "Retry-After: 1 was not honoured";
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].status, 429);
  EXPECT_EQ(records[1].attempt, 2);
}

TEST(Transport, GivesUpAfterMaxRetriesAndReturnsTheLastAnswer) {
  LocalServer s;
  std::atomic<int> calls{0};
  s.server().Get("/busy", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 503;
    res.set_header("Retry-After", "0");
  });
  auto r = transport_for(s.url(), 3)->send({.path = "/busy"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(calls.load(), 4) << "one try and three retries";
}

TEST(Transport, DoesNotRetryClientErrors) {
  LocalServer s;
  std::atomic<int> calls{0};
  s.server().Post("/conflict", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 409;
  });
  auto r = transport_for(s.url())->send({.method = "POST", .path = "/conflict", .body = "{}"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(calls.load(), 1);
}

TEST(Transport, ARefusedConnectionIsATransportErrorAfterRetries) {
  int port;
  {
    LocalServer s;  // take a port, then free it
    port = std::stoi(s.url().substr(s.url().rfind(':') + 1));
  }
  auto r = transport_for("http://127.0.0.1:" + std::to_string(port), 1)->send({.path = "/"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_TRUE(r.error().retriable());
}

TEST(Transport, ARequestTimesOut) {
  LocalServer s;
  s.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(1500ms);
    res.set_content("late", "text/plain");
  });
  auto r = transport_for(s.url(), 0)->send({.path = "/slow", .timeout = 200ms});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
}

TEST(Transport, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("7"), std::chrono::seconds(7));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(url_escape("a b/c=d"), "a%20b%2Fc%3Dd");
}

}  // namespace
}  // namespace pave::kube
