// DriftSeen collects what a state-store writer reports as changed behind its back (Writer::on_drift).
//
//   testing::DriftSeen drift;
//   drift.listen(writer);
//   writer.refresh();
//   EXPECT_EQ(drift.wait(), (std::set<std::string>{"dest/app/deploy.yaml"}));
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "statestore/writer.h"
#include "support/cluster.h"

namespace pave::testing {

struct DriftSeen {
  std::mutex mu;
  std::set<std::string> paths;

  void listen(statestore::Writer& w) {
    w.on_drift([this](const std::vector<std::string>& p) {
      std::lock_guard lock(mu);
      paths.insert(p.begin(), p.end());
    });
  }
  // What was reported so far, and forgets it.
  std::set<std::string> take() {
    std::lock_guard lock(mu);
    return std::exchange(paths, {});
  }
  // What the writer reports within 10 s (it reports from its own thread after a refresh()).
  std::set<std::string> wait() {
    eventually([&] {
      std::lock_guard lock(mu);
      return !paths.empty();
    }, std::chrono::seconds(10), std::chrono::milliseconds(20));
    return take();
  }
};

}  // namespace pave::testing
