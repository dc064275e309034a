// The pod runner's readiness and liveness probes: what a probe spec says, how results count, a probe run
// against a real listener on loopback, and what readiness does to the pod's status.
#include "prober.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "pod_lifecycle.h"

namespace pave::podrunner {
namespace {

using kube::Json;
using namespace std::chrono_literals;

const Json kContainer = Json::parse(R"({
  "name": "manager", "image": "img",
  "ports": [{"name": "health", "containerPort": 8081}],
  "readinessProbe": {"httpGet": {"path": "readyz", "port": "health"}, "periodSeconds": 2},
  "livenessProbe": {"tcpSocket": {"port": 9443}, "initialDelaySeconds": 5, "failureThreshold": 2},
  "startupProbe": {"exec": {"command": ["true"]}}
})");

TEST(Prober, ReadsProbesAsTheKubeletDoes) {
  auto readiness = parse_probe(kContainer, "readinessProbe");
  ASSERT_TRUE(readiness.has_value());
  EXPECT_EQ(readiness->kind, ProbeSpec::Kind::kHttpGet);
  EXPECT_EQ(readiness->port, 8081) << "named port resolved";
  EXPECT_EQ(readiness->path, "/readyz");
  EXPECT_EQ(readiness->period, 2s);
  EXPECT_EQ(readiness->timeout, 1s);
  EXPECT_EQ(readiness->success_threshold, 1);
  EXPECT_EQ(readiness->failure_threshold, 3);
  auto liveness = parse_probe(kContainer, "livenessProbe");
  ASSERT_TRUE(liveness.has_value());
  EXPECT_EQ(liveness->kind, ProbeSpec::Kind::kTcpSocket);
  EXPECT_EQ(liveness->initial_delay, 5s);
  EXPECT_EQ(liveness->period, 10s);
  EXPECT_EQ(parse_probe(kContainer, "startupProbe")->kind, ProbeSpec::Kind::kUnsupported);
  EXPECT_FALSE(parse_probe({{"name", "c"}}, "readinessProbe").has_value());
  Json unknown_port = kContainer;
  unknown_port["readinessProbe"]["httpGet"]["port"] = "nope";
  EXPECT_EQ(parse_probe(unknown_port, "readinessProbe")->kind, ProbeSpec::Kind::kUnsupported);
  Json https = kContainer;
  https["readinessProbe"]["httpGet"]["scheme"] = "HTTPS";
  EXPECT_EQ(parse_probe(https, "readinessProbe")->kind, ProbeSpec::Kind::kUnsupported)
      << "counted as failing, never as passing unchecked";
}

TEST(Prober, ThresholdsCountConsecutiveResults) {
  ProbeSpec spec{.success_threshold = 2, .failure_threshold = 3};
  ProbeState s;
  s = record(s, true, spec);
  EXPECT_FALSE(s.passing) << "one success of two";
  s = record(s, true, spec);
  EXPECT_TRUE(s.passing);
  s = record(record(s, false, spec), false, spec);
  EXPECT_TRUE(s.passing) << "two failures of three";
  s = record(s, true, spec);
  s = record(record(record(s, false, spec), false, spec), false, spec);
  EXPECT_FALSE(s.passing) << "a success in between started the count again, then three in a row";
}

// As the kubelet: a long body does not fail the probe (the first 10 KiB are read), and a proxy set in the
// runner's environment is not used (the pod's address is local to its Node).
TEST(Prober, AnHttpProbeReadsPastALongBodyAndUsesNoProxy) {
  httplib::Server server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& r) { r.set_content(std::string(1 << 20, 'x'), "text/plain"); });
  server.Get("/broken", [](const httplib::Request&, httplib::Response& r) {
    r.status = 500;
    r.set_content(std::string(1 << 20, 'x'), "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  // stop() before the loop has started would not stop it.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::setenv("http_proxy", "http://127.0.0.1:9", 1);  // discard port: nothing answers there
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  ProbeSpec spec{.kind = ProbeSpec::Kind::kHttpGet, .host = "127.0.0.1", .port = port, .path = "/healthz"};
  EXPECT_TRUE(run_probe(spec, "127.0.0.1"));
  spec.path = "/broken";
  EXPECT_FALSE(run_probe(spec, "127.0.0.1")) << "the status still counts";
  ::unsetenv("http_proxy");
  server.stop();
  serving.join();
}

TEST(Prober, ProbesARealListenerAndTheStatusFollows) {
  httplib::Server server;
  std::atomic<int> answer{503};
  server.Get("/readyz", [&](const httplib::Request&, httplib::Response& r) { r.status = answer.load(); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  // bind_to_any_port listens already: connections wait in the backlog until the loop accepts them.

  Json pod = {{"metadata", {{"name", "p"}, {"uid", "u1"}}}, {"spec", {{"containers", Json::array({kContainer})}}}};
  auto& c = pod["spec"]["containers"][0];
  c["readinessProbe"]["httpGet"]["port"] = port;
  c["livenessProbe"]["tcpSocket"]["port"] = port;
  c["livenessProbe"]["initialDelaySeconds"] = 0;
  const std::vector<ContainerRun> runs = {{.id = "c1", .container = "manager", .running = true,
                                           .started_at = "2026-11-25T10:00:00Z"}};
  const auto t0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 10h + 1s;
  Prober prober;

  auto first = prober.probe(pod, runs, "127.0.0.1", t0);
  EXPECT_FALSE(first.ready.at("manager")) << "503 is not ready";
  EXPECT_TRUE(first.unhealthy.empty()) << "the port answers: alive";
  const PodPlan plan{.phase = "Running"};
  Json status = pod_status(pod, runs, plan, "t", "127.0.0.1", {}, first.ready);
  EXPECT_EQ(status["containerStatuses"][0]["ready"], false);

  answer = 200;
  auto early = prober.probe(pod, runs, "127.0.0.1", t0 + 1s);
  EXPECT_FALSE(early.ready.at("manager")) << "the next probe is due after periodSeconds (2 s)";
  EXPECT_LE(early.next_due, 1s);
  auto due = prober.probe(pod, runs, "127.0.0.1", t0 + 2s);
  EXPECT_TRUE(due.ready.at("manager"));
  status = pod_status(pod, runs, plan, "t", "127.0.0.1", {}, due.ready);
  EXPECT_EQ(status["containerStatuses"][0]["ready"], true);

  server.stop();
  serving.join();
  // Nothing listens any more: two failed liveness probes (failureThreshold 2, every 10 s) and it is unhealthy.
  EXPECT_TRUE(prober.probe(pod, runs, "127.0.0.1", t0 + 10s).unhealthy.empty());
  auto dead = prober.probe(pod, runs, "127.0.0.1", t0 + 20s);
  EXPECT_EQ(dead.unhealthy, std::vector<std::string>{"c1"});

  // A new run of the container starts its probes afresh; a forgotten pod leaves nothing behind.
  prober.forget("u1");
  auto fresh = prober.probe(pod, runs, "127.0.0.1", t0 + 21s);
  EXPECT_TRUE(fresh.unhealthy.empty());
  EXPECT_FALSE(fresh.ready.at("manager"));
}

}  // namespace
}  // namespace pave::podrunner
