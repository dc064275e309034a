// BatchQueue: folding a placement's changes, and what its thread does when a write or a callback throws.
#include <gtest/gtest.h>

#include <future>
#include <stdexcept>

#include "statestore/batch_queue.h"

namespace pave::statestore {
namespace {

using Result = kube::Result<WriteResult>;

// Submits a change and returns a future of its answer.
std::future<Result> submit(BatchQueue& queue, const std::string& placement) {
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  queue.submit({.placement = placement, .files = {{placement + "/f.yaml", "x"}}},
               [promise](Result r) { promise->set_value(std::move(r)); });
  return future;
}

TEST(BatchQueue, AWriteThatThrowsFailsItsBatchAndTheNextBatchIsWritten) {
  std::atomic<int> calls = 0;
  BatchQueue queue([&](const std::vector<const Change*>& changes) -> std::vector<Result> {
    if (calls++ == 0) throw std::runtime_error("libgit2 ran out of memory");
    return std::vector<Result>(changes.size(), WriteResult{.version = "v2", .changed = true});
  });
  auto first = submit(queue, "a").get();
  ASSERT_FALSE(first.has_value());
  EXPECT_NE(first.error().message.find("libgit2 ran out of memory"), std::string::npos) << first.error().message;
  auto second = submit(queue, "b").get();
  ASSERT_TRUE(second.has_value()) << "the writer thread did not survive the exception";
  EXPECT_EQ(second->version, "v2");
}

TEST(BatchQueue, AWriterAnsweringForTheWrongNumberOfChangesFailsTheBatch) {
  BatchQueue queue([](const std::vector<const Change*>&) { return std::vector<Result>{}; });
  auto answer = submit(queue, "a").get();
  ASSERT_FALSE(answer.has_value());
  EXPECT_NE(answer.error().message.find("wrong number"), std::string::npos);
}

TEST(BatchQueue, ACallbackThatThrowsDoesNotKeepOthersFromTheirAnswer) {
  std::promise<void> release;
  auto released = release.get_future().share();
  BatchQueue queue([released](const std::vector<const Change*>& changes) {
    released.wait();  // hold the first batch so both changes below land in one
    return std::vector<Result>(changes.size(), WriteResult{.version = "v1"});
  });
  auto held = submit(queue, "first");
  queue.submit({.placement = "thrower"}, [](Result) { throw std::runtime_error("caller bug"); });
  auto after = submit(queue, "after");
  release.set_value();
  EXPECT_TRUE(held.get().has_value());
  auto answer = after.get();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->version, "v1");
}

TEST(BatchQueue, ThePlacementsLastChangeIsWrittenAndEveryCallerTold) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> entered;  // the first batch is being written: what follows makes a second one
  std::vector<std::vector<std::string>> batches;
  BatchQueue queue([&, released](const std::vector<const Change*>& changes) {
    if (batches.empty()) entered.set_value();
    released.wait();
    std::vector<std::string> files;
    for (const Change* c : changes) files.push_back(c->placement + ":" + (c->files.empty() ? "" : c->files[0].content));
    batches.push_back(files);
    return std::vector<Result>(changes.size(), WriteResult{.version = "v"});
  });
  auto first = submit(queue, "p");  // its own batch, held
  entered.get_future().wait();
  std::vector<std::future<Result>> answers;
  for (const char* content : {"1", "2", "3"}) {
    auto promise = std::make_shared<std::promise<Result>>();
    answers.push_back(promise->get_future());
    queue.submit({.placement = "q", .files = {{"q/f.yaml", content}}}, [promise](Result r) { promise->set_value(r); });
  }
  release.set_value();
  first.get();
  for (auto& a : answers) EXPECT_TRUE(a.get().has_value());
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], (std::vector<std::string>{"q:3"}));
}

TEST(BatchQueue, ChangesOfOneNameButTwoKeysAreBothWritten) {
  // Every Destination's canary change is "kratix-canary" in commit messages; folding them by that name
  // would write one Destination's canary files and tell both they were written.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> entered;
  std::vector<std::vector<std::string>> batches;
  BatchQueue queue([&, released](const std::vector<const Change*>& changes) {
    if (batches.empty()) entered.set_value();
    released.wait();
    std::vector<std::string> files;
    for (const Change* c : changes) files.push_back(c->files.at(0).path);
    batches.push_back(files);
    return std::vector<Result>(changes.size(), WriteResult{.version = "v"});
  });
  auto first = submit(queue, "held");
  entered.get_future().wait();
  std::vector<std::future<Result>> answers;
  for (const char* dest : {"worker-1", "worker-2"}) {
    auto promise = std::make_shared<std::promise<Result>>();
    answers.push_back(promise->get_future());
    queue.submit({.placement = "kratix-canary", .key = std::string("kratix-canary/") + dest,
                  .files = {{std::string(dest) + "/dependencies/kratix-canary-namespace.yaml", "ns"}}},
                 [promise](Result r) { promise->set_value(r); });
  }
  release.set_value();
  first.get();
  for (auto& a : answers) EXPECT_TRUE(a.get().has_value());
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], (std::vector<std::string>{"worker-1/dependencies/kratix-canary-namespace.yaml",
                                                  "worker-2/dependencies/kratix-canary-namespace.yaml"}));
}

}  // namespace
}  // namespace pave::statestore
