// The transport's retry policy against a local HTTP server that answers as an overloaded API server
// would (429 and 503 with Retry-After). The server is a few lines of cpp-httplib; what is tested is the
// client's logic, so no real API server is needed here.
#include "kube/transport.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

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

// A stopping process winds its transport down: nothing is retried, and nothing outlasts the grace.
// /busy answers 503 with Retry-After: retry_after, counting calls.
void serve_busy(LocalServer& s, std::atomic<int>& calls, const std::string& retry_after) {
  s.server().Get("/busy", [&calls, retry_after](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 503;
    res.set_header("Retry-After", retry_after);
  });
}

TEST(TransportWindDown, NothingIsRetriedAfterwards) {
  LocalServer s;
  std::atomic<int> calls{0};
  serve_busy(s, calls, "0");
  auto t = transport_for(s.url(), 5);
  t->wind_down(10s);
  EXPECT_TRUE(t->winding_down());
  auto r = t->send({.path = "/busy"});
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(calls.load(), 1);
}

TEST(TransportWindDown, ARetryWaitEndsAtOnce) {
  LocalServer s;
  std::atomic<int> calls{0};
  serve_busy(s, calls, "20");
  auto t = transport_for(s.url(), 5);
  std::atomic<int> answered{0};
  t->set_observer([&](const RequestRecord&) { ++answered; });
  auto answer = std::async(std::launch::async, [&] { return t->send({.path = "/busy"}); });
  while (answered.load() == 0) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(100ms);  // the 503 is in: the transport waits its 20 s to retry
  t->wind_down(10s);
  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready) << "the 20 s retry wait went on";
  auto r = answer.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(calls.load(), 1);
}

// A server that takes the connection and never answers: without a wind-down the request would wait for
// its 60 s timeout, and then be retried.
TEST(TransportWindDown, ATransferStillRunningAfterTheGraceIsAbandoned) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}, .sin_zero = {}};
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 8), 0);  // the kernel completes connections; nobody reads them
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  Config c{.server = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))};
  c.qps = 0;
  c.timeout = 60s;
  auto t = Transport::create(c).value();
  auto answer = std::async(std::launch::async, [&] { return t->send({.path = "/never"}); });
  EXPECT_EQ(answer.wait_for(500ms), std::future_status::timeout) << "the server answered nothing";
  t->wind_down(200ms);
  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
  auto r = answer.get();
  ::close(listener);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_NE(r.error().message.find("abandoned: the process is stopping"), std::string::npos) << r.error().message;
}

TEST(TransportWindDown, ARequestAfterTheGraceIsNotSent) {
  LocalServer s;
  std::atomic<int> calls{0};
  s.server().Get("/api", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.set_content("{}", "application/json");
  });
  auto t = transport_for(s.url());
  ASSERT_TRUE(t->send({.path = "/api"}).has_value());
  t->wind_down(0ms);
  auto r = t->send({.path = "/api"});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("abandoned"), std::string::npos);
  EXPECT_EQ(calls.load(), 1);
  t->wind_down(1h);
  EXPECT_FALSE(t->send({.path = "/api"}).has_value()) << "a later, longer grace does not reopen it";
  // What a stopping process does last (its Lease given back) is still sent.
  ASSERT_TRUE(t->send({.path = "/api", .after_wind_down = true}).has_value());
  EXPECT_EQ(calls.load(), 2);
}

TEST(Transport, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("7"), std::chrono::seconds(7));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(url_escape("a b/c=d"), "a%20b%2Fc%3Dd");
}

TEST(RateLimit, WhatWasAskedElseNoneAgainstAServerThatProtectsItselfElse200) {
  auto limit = choose_rate_limit(std::nullopt, std::nullopt, /*server_has_apf=*/true);
  EXPECT_EQ(limit.qps, 0) << "no client-side limit against an APF server";
  limit = choose_rate_limit(std::nullopt, std::nullopt, false);
  EXPECT_EQ(limit.qps, 200);
  EXPECT_EQ(limit.burst, 400);
  limit = choose_rate_limit(50.0, std::nullopt, true);
  EXPECT_EQ(limit.qps, 50) << "an explicit --qps is kept whatever the server runs";
  EXPECT_EQ(limit.burst, 100);
  limit = choose_rate_limit(50.0, 70, true);
  EXPECT_EQ(limit.burst, 70);
  EXPECT_EQ(choose_rate_limit(0.0, std::nullopt, false).qps, 0) << "--qps 0 is unlimited";
}

TEST(RateLimit, PriorityAndFairnessIsToldByTheFlowSchemaHeader) {
  LocalServer with, without;
  with.server().Get("/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Kubernetes-PF-FlowSchema-UID", "7f3b-exempt");
    res.set_header("X-Kubernetes-PF-PriorityLevel-UID", "1c2d-exempt");
    res.set_content(R"({"major":"1"})", "application/json");
  });
  without.server().Get("/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"major":"1"})", "application/json");
  });
  auto yes = has_priority_and_fairness(*transport_for(with.url()));
  ASSERT_TRUE(yes.has_value());
  EXPECT_TRUE(*yes);
  auto no = has_priority_and_fairness(*transport_for(without.url()));
  ASSERT_TRUE(no.has_value());
  EXPECT_FALSE(*no);
}

}  // namespace
}  // namespace pave::kube
