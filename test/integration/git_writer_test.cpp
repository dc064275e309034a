// GitWriter against a real Git server (git-http-backend behind nginx, basic auth): batched commits,
// directory replacement, a remote that rejects a push, files deleted on the remote, bad credentials and
// paths that try to leave the store.
#include "statestore/git_writer.h"

#include <git2.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <utility>
#include <fstream>
#include <sstream>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <ctime>

#include "base/subprocess.h"
#include "support/github_api.h"
#include "statestore/git_socket.h"
#include "statestore/layout.h"
#include "support/cluster.h"
#include "support/drift_seen.h"
#include "support/git_server.h"

namespace pave::statestore {
namespace {

using testing::GitServer;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class GitWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = GitServer::start("kratix", "s3cr3t");
    ASSERT_TRUE(server.has_value()) << server.error();
    server_.emplace(std::move(*server));
    url_ = server_->create_repo("state");
    cache_.emplace(base::TempDir::create("git-cache").value());
  }

  std::unique_ptr<GitWriter> open(GitConfig overrides = {}) {
    GitConfig c = overrides;
    c.url = url_;
    if (c.username.empty()) c.username = "kratix";
    if (c.password.empty()) c.password = "s3cr3t";
    auto w = GitWriter::open(c, cache_->path().string());
    EXPECT_TRUE(w.has_value()) << w.error().to_string();
    return w ? std::move(*w) : nullptr;
  }

  // The bare repository in the cache directory (beside it: its claim file, git_cache.h).
  std::string cache_repository() const {
    for (const auto& e : std::filesystem::directory_iterator(cache_->path())) {
      if (e.is_directory()) return e.path().string();
    }
    return "";
  }

  std::optional<GitServer> server_;
  std::string url_;
  std::optional<base::TempDir> cache_;
};

Change placement(const std::string& name, const std::string& dir, std::vector<File> files) {
  return {.placement = name, .replace_directories = {dir}, .files = std::move(files)};
}

TEST_F(GitWriterTest, AThousandPlacementsForTenDestinationsLandInFewCommits) {
  auto writer = open();
  ASSERT_TRUE(writer);
  std::vector<std::future<kube::Result<WriteResult>>> done;
  for (int i = 0; i < 1000; ++i) {
    const std::string dest = "worker-" + std::to_string(i % 10);
    const std::string dir = dest + "/resources/default/redis/r" + std::to_string(i) + "/configure/5058f";
    done.push_back(writer->submit(placement("redis-r" + std::to_string(i) + "." + dest + "-5058f", dir,
                                            {{dir + "/cm.yaml", "name: r" + std::to_string(i) + "\n"}})));
  }
  std::set<std::string> versions;
  for (auto& f : done) {
    auto r = f.get();
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_TRUE(r->changed);
    versions.insert(r->version);
  }
  EXPECT_LT(writer->commits(), 100) << "batched writes must make far fewer commits than WorkPlacements";
  EXPECT_EQ(static_cast<int>(versions.size()), writer->commits());

  const std::string clone = server_->clone("state");
  for (int i = 0; i < 1000; i += 37) {
    const std::string path = clone + "/worker-" + std::to_string(i % 10) + "/resources/default/redis/r" + std::to_string(i) +
                             "/configure/5058f/cm.yaml";
    EXPECT_EQ(read(path), "name: r" + std::to_string(i) + "\n") << path;
  }
  auto count = base::run({.argv = {"sh", "-c", "cd " + clone + " && find . -name cm.yaml | wc -l"}});
  EXPECT_EQ(std::stoi(count.out), 1000);
  auto log = server_->git(clone, {"log", "-1", "--format=%an <%ae>%n%s"});
  EXPECT_NE(log.out.find("kratix <kratix@kratix.io>\nUpdate from: "), std::string::npos) << log.out;
}

TEST_F(GitWriterTest, ADirectoryIsReplacedWholesaleAndAnUnchangedWriteMakesNoCommit) {
  auto writer = open({.path = "clusters"});
  ASSERT_TRUE(writer);
  auto first = writer->submit(placement("wp", "d/x", {{"d/x/a.yaml", "a"}, {"d/x/b.yaml", "b"}})).get();
  ASSERT_TRUE(first.has_value()) << first.error().to_string();
  auto second = writer->submit(placement("wp", "d/x", {{"d/x/a.yaml", "a2"}})).get();
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->version, first->version);
  auto same = writer->submit(placement("wp", "d/x", {{"d/x/a.yaml", "a2"}})).get();
  ASSERT_TRUE(same.has_value());
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, second->version);
  EXPECT_EQ(writer->commits(), 2);

  const std::string clone = server_->clone("state");
  EXPECT_EQ(read(clone + "/clusters/d/x/a.yaml"), "a2") << "files go under the store's path";
  EXPECT_FALSE(std::filesystem::exists(clone + "/clusters/d/x/b.yaml")) << "b was not rewritten, so it goes";
  EXPECT_EQ(writer->read_file("d/x/a.yaml").value(), "a2");
  EXPECT_EQ(writer->read_file("d/x/b.yaml").value(), std::nullopt);

  auto removed = writer->submit({.placement = "wp", .replace_directories = {"d/x"}}).get();
  ASSERT_TRUE(removed.has_value());
  EXPECT_FALSE(std::filesystem::exists(server_->clone("state") + "/clusters/d/x"));
  auto subject = server_->git(server_->clone("state"), {"log", "-1", "--format=%s"});
  EXPECT_EQ(subject.out, "Delete from: wp\n");
}

TEST_F(GitWriterTest, ARejectedPushFetchesAndReplaysOnTheNewTip) {
  auto writer = open({.minimum_fetch_interval = std::chrono::hours(1)});  // so its next write does not fetch first
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->submit(placement("mine", "a", {{"a/1.yaml", "one"}})).get().has_value());
  // Someone else pushes to the branch: the writer's next push is rejected as not a fast-forward.
  const std::string theirs = server_->clone("state");
  std::ofstream(theirs + "/theirs.yaml") << "theirs";
  ASSERT_TRUE(server_->git(theirs, {"add", "theirs.yaml"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"commit", "-qm", "someone else"}).ok());
  auto pushed = server_->git(theirs, {"push", "-q", "origin", "main"});
  ASSERT_TRUE(pushed.ok()) << pushed.err;

  auto mine = writer->submit(placement("mine-2", "b", {{"b/2.yaml", "two"}})).get();
  ASSERT_TRUE(mine.has_value()) << mine.error().to_string();
  const std::string after = server_->clone("state");
  EXPECT_EQ(read(after + "/theirs.yaml"), "theirs") << "their commit is kept";
  EXPECT_EQ(read(after + "/a/1.yaml"), "one");
  EXPECT_EQ(read(after + "/b/2.yaml"), "two");
  auto head = server_->git(after, {"rev-parse", "HEAD"});
  EXPECT_EQ(head.out, mine->version + "\n");
}

using testing::DriftSeen;

// Waits until everything queued before it (a refresh() too) has been through the writer's thread: an
// empty change is only a fetch.
void settle(Writer& w) { ASSERT_TRUE(w.submit(Change{.placement = "settle", .key = "settle"}).get().has_value()); }

TEST_F(GitWriterTest, AForcePushToUnrelatedHistoryIsDriftAndTheWriterBuildsOnTheNewHistory) {
  auto writer = open({.path = "/clusters/"});  // as a store's spec.path may be written
  ASSERT_TRUE(writer);
  DriftSeen drift;
  drift.listen(*writer);
  ASSERT_TRUE(writer->submit(placement("a", "a", {{"a/1.yaml", "one"}})).get().has_value());
  ASSERT_TRUE(writer->submit(placement("b", "b", {{"b/2.yaml", "two"}})).get().has_value());
  settle(*writer);
  EXPECT_TRUE(drift.take().empty()) << "the writer's own commits are not drift";

  // Someone replaces the branch with a history of their own: a/1.yaml changed, b/2.yaml gone, a file
  // outside the store's path added.
  const std::string theirs = server_->clone("state");
  ASSERT_TRUE(server_->git(theirs, {"checkout", "-q", "--orphan", "fresh"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"rm", "-rqf", "."}).ok());
  std::filesystem::create_directories(theirs + "/clusters/a");
  std::ofstream(theirs + "/clusters/a/1.yaml") << "theirs";
  std::ofstream(theirs + "/README") << "not Pave's";
  ASSERT_TRUE(server_->git(theirs, {"add", "."}).ok());
  ASSERT_TRUE(server_->git(theirs, {"commit", "-qm", "start again"}).ok());
  auto forced = server_->git(theirs, {"push", "-qf", "origin", "fresh:main"});
  ASSERT_TRUE(forced.ok()) << forced.err;

  writer->refresh();
  EXPECT_EQ(drift.wait(), (std::set<std::string>{"a/1.yaml", "b/2.yaml"})) << "paths under the store's path, relative to it";

  // Written again, the placements land on the new history (a fast-forward of it, never a force-push).
  ASSERT_TRUE(writer->submit(placement("a", "a", {{"a/1.yaml", "one"}})).get().has_value());
  auto b = writer->submit(placement("b", "b", {{"b/2.yaml", "two"}})).get();
  ASSERT_TRUE(b.has_value()) << b.error().to_string();
  const std::string after = server_->clone("state");
  EXPECT_EQ(read(after + "/clusters/a/1.yaml"), "one");
  EXPECT_EQ(read(after + "/clusters/b/2.yaml"), "two");
  EXPECT_EQ(read(after + "/README"), "not Pave's");
  EXPECT_NE(server_->git(after, {"log", "--format=%s"}).out.find("start again"), std::string::npos) << "their history is kept";
  settle(*writer);
  EXPECT_TRUE(drift.take().empty());
}

TEST_F(GitWriterTest, AFileChangedOnTheRemoteIsDriftFoundByRefresh) {
  auto writer = open();
  ASSERT_TRUE(writer);
  DriftSeen drift;
  drift.listen(*writer);
  ASSERT_TRUE(writer->submit(placement("wp", "dest/app", {{"dest/app/deploy.yaml", "kind: Deployment\n"}})).get().has_value());
  const std::string theirs = server_->clone("state");
  std::ofstream(theirs + "/dest/app/deploy.yaml") << "kind: Changed\n";
  ASSERT_TRUE(server_->git(theirs, {"commit", "-qam", "edit by hand"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"push", "-q", "origin", "main"}).ok());
  writer->refresh();
  EXPECT_EQ(drift.wait(), (std::set<std::string>{"dest/app/deploy.yaml"}));
}

TEST_F(GitWriterTest, TheMinimumFetchIntervalSaysWhenAWriteFetchesFirst) {
  // 0: every write fetches first, and so builds on what someone else pushed without being refused.
  auto eager = open({.minimum_fetch_interval = std::chrono::milliseconds(0)});
  ASSERT_TRUE(eager);
  EXPECT_EQ(eager->fetches(), 1) << "opening fetches";
  ASSERT_TRUE(eager->submit(placement("a", "a", {{"a/1.yaml", "one"}})).get().has_value());
  EXPECT_EQ(eager->fetches(), 2);
  const std::string theirs = server_->clone("state");
  std::ofstream(theirs + "/theirs.yaml") << "theirs";
  ASSERT_TRUE(server_->git(theirs, {"add", "theirs.yaml"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"commit", "-qm", "someone else"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"push", "-q", "origin", "main"}).ok());
  ASSERT_TRUE(eager->submit(placement("b", "b", {{"b/2.yaml", "two"}})).get().has_value());
  EXPECT_EQ(eager->fetches(), 3) << "one fetch before the write, none after a refusal: there was none";
  EXPECT_EQ(read(server_->clone("state") + "/theirs.yaml"), "theirs");

  // An hour: writes go out on the tip already known (the cache is one writer's at a time).
  eager.reset();
  auto lazy = open({.minimum_fetch_interval = std::chrono::hours(1)});
  ASSERT_TRUE(lazy);
  ASSERT_TRUE(lazy->submit(placement("c", "c", {{"c/3.yaml", "three"}})).get().has_value());
  ASSERT_TRUE(lazy->submit(placement("d", "d", {{"d/4.yaml", "four"}})).get().has_value());
  EXPECT_EQ(lazy->fetches(), 1);
}

TEST_F(GitWriterTest, AColdCacheGetsItsHistoryFromTheGitCommandAndWritesOnIt) {
  // An empty repository: nothing to bring; libgit2 sees that and the git command is not run.
  auto empty = open();
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->first_fetch_by_git_command());
  ASSERT_TRUE(empty->submit(placement("a", "a", {{"a/1.yaml", "one"}})).get().has_value());
  empty.reset();

  // A repository with history, a cold cache: the history comes through git in a child process.
  auto other_cache = base::TempDir::create("git-cache-cold").value();
  for (const std::string& url : {url_, server_->https_url("state")}) {
    auto w = GitWriter::open({.url = url, .username = "kratix", .password = "s3cr3t", .ca_bundle = server_->ca_pem()},
                             (other_cache.path() / std::to_string(url.size())).string());
    ASSERT_TRUE(w.has_value()) << w.error().to_string();
    EXPECT_TRUE((*w)->first_fetch_by_git_command()) << url;
    for (const auto& e : std::filesystem::directory_iterator(other_cache.path() / std::to_string(url.size()))) {
      EXPECT_FALSE(e.path().string().ends_with(".fetch")) << "the git command's scratch directory is gone: " << e.path();
    }
    EXPECT_EQ((*w)->read_file("a/1.yaml").value(), std::optional<std::string>("one")) << url;
    ASSERT_TRUE((*w)->submit(placement("b" + std::to_string(url.size()), "b", {{"b/2.yaml", url}})).get().has_value());
    EXPECT_EQ(read(server_->clone("state") + "/b/2.yaml"), url);
  }
  // Wrong credentials: git is refused, and so is libgit2, which says why.
  auto refused = GitWriter::open({.url = url_, .username = "kratix", .password = "wrong"},
                                 (other_cache.path() / "refused").string());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, kube::ErrorKind::kUnauthorized) << refused.error().to_string();
}

// What a SIGKILL between pushes and packing their objects leaves (found by chaos_test): refs on disk that
// name commits which were only in memory. Another writer moves the remote meanwhile, so the next fetch
// must negotiate from those refs. The next writer of this cache fetches, reads and writes on.
TEST_F(GitWriterTest, ACacheACrashLeftWithRefsToLostCommitsStillWorks) {
  auto first = open();
  ASSERT_TRUE(first);
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    ASSERT_TRUE(first->submit(placement("p" + n, "d" + n, {{"d" + n + "/f.yaml", n}})).get().has_value());
  }
  first.reset();
  const std::string repo = cache_repository();
  ASSERT_FALSE(repo.empty());
  // The local branch ref is written before each push: a crash leaves it naming a commit never packed.
  std::ofstream(repo + "/refs/heads/main") << "aeba189182864f91119147c952f430d82fb7fa18\n";
  std::filesystem::remove(repo + "/packed-refs");

  auto other_cache = base::TempDir::create("git-cache-other").value();
  auto other = GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t"}, other_cache.path().string());
  ASSERT_TRUE(other.has_value()) << other.error().to_string();
  ASSERT_TRUE((*other)->submit(placement("p9", "d9", {{"d9/f.yaml", "9"}})).get().has_value());
  other->reset();

  // A kill during the git command's first fetch leaves its scratch directory, with the key in it.
  std::filesystem::create_directories(repo + ".fetch");
  std::ofstream(repo + ".fetch/key") << "a private key";

  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->first_fetch_by_git_command()) << "the cache was kept, not cloned again";
  EXPECT_FALSE(std::filesystem::exists(repo + ".fetch")) << "the scratch directory goes when a writer opens";
  EXPECT_EQ(again->read_file("d9/f.yaml").value(), std::optional<std::string>("9"));
  ASSERT_TRUE(again->submit(placement("p3", "d3", {{"d3/f.yaml", "3"}})).get().has_value());
  const std::string clone = server_->clone("state");
  for (int i : {0, 1, 2, 3, 9}) EXPECT_EQ(read(clone + "/d" + std::to_string(i) + "/f.yaml"), std::to_string(i));
  again.reset();

  // Anything else in the cache naming what is not there fails the fetch locally: the cache is cloned
  // again (the remote is the truth), and the writer works.
  std::filesystem::create_directories(repo + "/refs/tags");
  std::ofstream(repo + "/refs/tags/stale") << "aeba189182864f91119147c952f430d82fb7fa18\n";
  ASSERT_TRUE((*GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t"}, other_cache.path().string()))
                  ->submit(placement("p8", "d8", {{"d8/f.yaml", "8"}})).get().has_value());
  auto fresh = open();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->read_file("d8/f.yaml").value(), std::optional<std::string>("8"));
  EXPECT_FALSE(std::filesystem::exists(repo + "/refs/tags/stale")) << "a fresh clone";
}

// A SIGKILL while libgit2 updates a ref leaves "<ref>.lock" beside it, and libgit2 then refuses every
// update of that ref. The next writer of the cache (the killed process restarted) removes the locks, keeps
// the cache, and fetches and pushes as before, also after the remote moved.
TEST_F(GitWriterTest, LocksAKilledWriterLeftInTheCacheDoNotStopTheNextOne) {
  auto first = open();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->submit(placement("p0", "d0", {{"d0/f.yaml", "0"}})).get().has_value());
  first.reset();
  const std::string repo = cache_repository();
  ASSERT_FALSE(repo.empty());
  const std::vector<std::string> locks{"/refs/remotes/origin/main.lock", "/refs/heads/main.lock", "/FETCH_HEAD.lock",
                                       "/packed-refs.lock", "/config.lock"};
  for (const auto& lock : locks) std::ofstream(repo + lock) << "half-written\n";

  auto other_cache = base::TempDir::create("git-cache-other").value();
  auto other = GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t"}, other_cache.path().string());
  ASSERT_TRUE(other.has_value()) << other.error().to_string();
  ASSERT_TRUE((*other)->submit(placement("p9", "d9", {{"d9/f.yaml", "9"}})).get().has_value());
  other->reset();

  auto again = open();
  ASSERT_TRUE(again);
  for (const auto& lock : locks) EXPECT_FALSE(std::filesystem::exists(repo + lock)) << lock;
  EXPECT_FALSE(again->first_fetch_by_git_command()) << "the cache was kept, not cloned again";
  EXPECT_EQ(again->read_file("d9/f.yaml").value(), std::optional<std::string>("9"));
  ASSERT_TRUE(again->submit(placement("p1", "d1", {{"d1/f.yaml", "1"}})).get().has_value());
  ASSERT_TRUE(again->check_permissions().has_value());
  const std::string clone = server_->clone("state");
  for (int i : {0, 1, 9}) EXPECT_EQ(read(clone + "/d" + std::to_string(i) + "/f.yaml"), std::to_string(i));
}

// One writer uses a cache directory at a time. A second (another Pave given the same cache directory) is
// refused, saying why, and leaves alone the ref locks the first may be writing through; once the first
// has let go, the next writer opens the cache and clears what a killed writer would have left.
TEST_F(GitWriterTest, ACacheInUseIsRefusedAndItsLocksAreLeftAlone) {
  auto first = open();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->submit(placement("p0", "d0", {{"d0/f.yaml", "0"}})).get().has_value());
  const std::string lock = cache_repository() + "/refs/heads/elsewhere.lock";
  std::ofstream(lock) << "being written\n";

  auto second = GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t"}, cache_->path().string());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, kube::ErrorKind::kConflict);
  EXPECT_NE(second.error().message.find("is in use"), std::string::npos) << second.error().message;
  EXPECT_TRUE(std::filesystem::exists(lock));
  ASSERT_TRUE(first->submit(placement("p1", "d1", {{"d1/f.yaml", "1"}})).get().has_value()) << "the first writes on";

  first.reset();
  auto next = open();
  ASSERT_TRUE(next);
  EXPECT_FALSE(std::filesystem::exists(lock));
  ASSERT_TRUE(next->submit(placement("p2", "d2", {{"d2/f.yaml", "2"}})).get().has_value());
  const std::string clone = server_->clone("state");
  for (int i : {0, 1, 2}) EXPECT_EQ(read(clone + "/d" + std::to_string(i) + "/f.yaml"), std::to_string(i));
}

// The git command of a cold cache's first fetch holds the writer's claim on the cache too, so a fetch
// that outlives a killed Pave keeps the next writer out until it ends. A git wrapper first in PATH
// records which files the command was started holding.
TEST_F(GitWriterTest, TheGitCommandOfAColdFetchHoldsTheCacheClaim) {
  auto seed = open();
  ASSERT_TRUE(seed && seed->submit(placement("a", "a", {{"a/1.yaml", "one"}})).get().has_value());
  seed.reset();

  auto bin = base::TempDir::create("git-wrapper").value();
  const std::string record = (bin.path() / "fds").string();
  const std::string wrapper = (bin.path() / "git").string();
  std::ofstream(wrapper) << "#!/bin/sh\nfor fd in /proc/$$/fd/*; do readlink \"$fd\"; done >'" << record
                         << "'\nexec /usr/bin/git \"$@\"\n";
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", (bin.path().string() + ":" + path).c_str(), 1);
  auto cold_cache = base::TempDir::create("git-cache-cold").value();
  auto w = GitWriter::open({.url = url_, .username = "kratix", .password = "s3cr3t"}, cold_cache.path().string());
  ::setenv("PATH", path.c_str(), 1);
  ASSERT_TRUE(w.has_value()) << w.error().to_string();
  EXPECT_TRUE((*w)->first_fetch_by_git_command());
  const std::string fds = read(record);
  EXPECT_NE(fds.find(".owner\n"), std::string::npos) << "files the git command held:\n" << fds;
}

// A url.<base>.insteadOf rule in the user's Git config does not redirect a store: its files go to the URL
// it names (the git command of a cold fetch reads no user config either).
TEST_F(GitWriterTest, UrlRewritesInTheUsersGitConfigAreNotApplied) {
  auto home = base::TempDir::create("git-home").value();
  const std::string prefix = url_.substr(0, url_.find("/git/") + 1);
  std::ofstream(home.path() / ".gitconfig") << "[url \"http://127.0.0.1:9/\"]\n\tinsteadOf = " << prefix << "\n";
  git_libgit2_init();
  ASSERT_EQ(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, home.path().c_str()), 0);
  auto w = open({.first_fetch_by_git_command = false});
  const bool written = w && w->submit(placement("p", "d", {{"d/f.yaml", "x"}})).get().has_value();
  w.reset();
  git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, nullptr);  // back to the default
  git_libgit2_shutdown();
  EXPECT_TRUE(written);
  EXPECT_EQ(read(server_->clone("state") + "/d/f.yaml"), "x");
}

TEST_F(GitWriterTest, TwoDestinationsCanariesWaitingInOneBatchAreBothWritten) {
  // Every Destination's canary change is "kratix-canary" in commit messages; queued together behind a
  // push in flight they must not fold into one (the other Destination would say Ready without its files).
  auto writer = open();
  ASSERT_TRUE(writer);
  server_->pause(true);
  auto busy = writer->submit(placement("busy", "busy", {{"busy/f.yaml", "x"}}));  // its push hangs
  // Time for the writer to take that batch and hang in its push, so both canaries wait in the next one.
  // Nothing outside the writer marks that moment; a wait too short would let the test pass without
  // folding anything, never fail it wrongly.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto a = writer->submit(canary_change({.name = "worker-a", .path = "a"}, true).value());
  auto b = writer->submit(canary_change({.name = "worker-b", .path = "b"}, true).value());
  server_->pause(false);
  ASSERT_TRUE(busy.get().has_value());
  ASSERT_TRUE(a.get().has_value());
  ASSERT_TRUE(b.get().has_value());
  const std::string clone = server_->clone("state");
  EXPECT_EQ(read(clone + "/a/dependencies/kratix-canary-namespace.yaml").empty(), false) << "a was told written";
  EXPECT_EQ(read(clone + "/b/dependencies/kratix-canary-namespace.yaml").empty(), false);
  EXPECT_EQ(server_->git(clone, {"log", "-1", "--format=%s"}).out, "Update from: kratix-canary and 1 more\n");
}

TEST_F(GitWriterTest, AFileDeletedOnTheRemoteIsRestoredOnTheNextWrite) {
  auto writer = open();
  ASSERT_TRUE(writer);
  const Change c = placement("wp", "dest/app", {{"dest/app/deploy.yaml", "kind: Deployment\n"}});
  ASSERT_TRUE(writer->submit(c).get().has_value());
  const std::string theirs = server_->clone("state");
  ASSERT_TRUE(server_->git(theirs, {"rm", "-q", "dest/app/deploy.yaml"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"commit", "-qm", "oops"}).ok());
  ASSERT_TRUE(server_->git(theirs, {"push", "-q", "origin", "main"}).ok());

  auto again = writer->submit(c).get();
  ASSERT_TRUE(again.has_value()) << again.error().to_string();
  EXPECT_TRUE(again->changed);
  EXPECT_EQ(read(server_->clone("state") + "/dest/app/deploy.yaml"), "kind: Deployment\n");
}

TEST_F(GitWriterTest, WrongCredentialsAreRefusedWithAClearError) {
  auto w = GitWriter::open({.url = url_, .username = "kratix", .password = "wrong"}, cache_->path().string() + "/bad");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().kind, kube::ErrorKind::kUnauthorized) << w.error().to_string();
  EXPECT_NE(w.error().message.find(url_), std::string::npos);
  EXPECT_EQ(w.error().message.find("wrong"), std::string::npos) << "the password must not appear in errors";
}

TEST_F(GitWriterTest, CredentialsInTheUrlNeverReachErrors) {
  // A URL carrying its own (wrong) credentials: the error names the store without them.
  std::string url = url_;
  url.insert(url.find("://") + 3, "kratix:leaked-token@");
  auto w = GitWriter::open({.url = url, .username = "kratix", .password = "wrong"}, cache_->path().string() + "/bad-url");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().message.find("leaked-token"), std::string::npos) << w.error().message;
  EXPECT_NE(w.error().message.find("redacted@"), std::string::npos) << w.error().message;
}

TEST_F(GitWriterTest, PathsThatLeaveTheStoreAreRefused) {
  auto writer = open();
  ASSERT_TRUE(writer);
  for (const std::string bad : {"../escape.yaml", "/etc/passwd", "a/../../b.yaml"}) {
    auto r = writer->submit(placement("wp", "ok", {{bad, "x"}})).get();
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().kind, kube::ErrorKind::kInvalid);
  }
  auto bad_dir = writer->submit({.placement = "wp", .replace_directories = {"../.."}}).get();
  ASSERT_FALSE(bad_dir.has_value());
  EXPECT_EQ(writer->commits(), 0);
}

TEST_F(GitWriterTest, HttpsIsVerifiedAgainstTheGivenCaAndNeverSkippedByDefault) {
  const std::string https = server_->https_url("state");
  // The system CA bundle does not trust the test CA: refused, with a TLS error.
  auto untrusted = GitWriter::open({.url = https, .username = "kratix", .password = "s3cr3t"},
                                   cache_->path().string() + "/untrusted");
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_EQ(untrusted.error().kind, kube::ErrorKind::kTls) << untrusted.error().to_string();

  auto trusted = GitWriter::open({.url = https, .username = "kratix", .password = "s3cr3t", .ca_bundle = server_->ca_pem()},
                                 cache_->path().string() + "/trusted");
  ASSERT_TRUE(trusted.has_value()) << trusted.error().to_string();
  auto written = (*trusted)->submit(placement("wp", "tls", {{"tls/f.yaml", "over https"}})).get();
  ASSERT_TRUE(written.has_value()) << written.error().to_string();
  EXPECT_EQ(read(server_->clone("state") + "/tls/f.yaml"), "over https");

  // Trust is per store: a store without the CA is still refused after one with it was opened.
  auto still_untrusted = GitWriter::open({.url = https, .username = "kratix", .password = "s3cr3t"},
                                         cache_->path().string() + "/untrusted-again");
  ASSERT_FALSE(still_untrusted.has_value());
  EXPECT_EQ(still_untrusted.error().kind, kube::ErrorKind::kTls);
}

TEST_F(GitWriterTest, PermissionsAreCheckedWithANoOpPush) {
  auto writer = open();
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->submit(placement("wp", "a", {{"a/f", "1"}})).get().has_value());
  EXPECT_TRUE(writer->check_permissions().has_value());
}

}  // namespace
}  // namespace pave::statestore

namespace pave::statestore {
namespace {

TEST_F(GitWriterTest, SshWithEd25519OrEcdsaKeysAndTheStoresKnownHosts) {
  const std::string known = server_->known_hosts();
  ASSERT_NE(known.find("ssh-ed25519"), std::string::npos) << known;
  for (const std::string kind : {"ed25519", "ecdsa"}) {
    auto w = GitWriter::open({.url = server_->ssh_url("state"), .ssh_private_key = server_->client_key(kind),
                              .known_hosts = known},
                             cache_->path().string() + "/ssh-" + kind);
    ASSERT_TRUE(w.has_value()) << kind << ": " << w.error().to_string();
    EXPECT_EQ((*w)->first_fetch_by_git_command(), kind == "ecdsa") << "over ssh too, once the branch exists";
    auto written = (*w)->submit(placement("ssh-" + kind, "ssh/" + kind, {{"ssh/" + kind + "/f.yaml", kind}})).get();
    ASSERT_TRUE(written.has_value()) << written.error().to_string();
  }
  const std::string clone = server_->clone("state");
  EXPECT_EQ(read(clone + "/ssh/ed25519/f.yaml"), "ed25519");
  EXPECT_EQ(read(clone + "/ssh/ecdsa/f.yaml"), "ecdsa");

  // knownHosts as `ssh-keyscan -H` writes it: the names hashed.
  const std::string hashed = base::run({.argv = {"ssh-keyscan", "-H", "-p", std::to_string(server_->ssh_port()), "-t", "ed25519",
                                                 "127.0.0.1"}}).out;
  ASSERT_EQ(hashed.find("127.0.0.1"), std::string::npos) << hashed;
  auto w = GitWriter::open({.url = server_->ssh_url("state"), .ssh_private_key = server_->client_key("ed25519"),
                            .known_hosts = hashed},
                           cache_->path().string() + "/ssh-hashed");
  ASSERT_TRUE(w.has_value()) << w.error().to_string();

  // The server's own key, listed for another port: not trusted on this one.
  std::string other_port = known;
  const std::string port = "]:" + std::to_string(server_->ssh_port()) + " ";
  ASSERT_NE(other_port.find(port), std::string::npos) << other_port;
  other_port.replace(other_port.find(port), port.size(), "]:1 ");
  auto wrong_port = GitWriter::open({.url = server_->ssh_url("state"), .ssh_private_key = server_->client_key("ed25519"),
                                     .known_hosts = other_port},
                                    cache_->path().string() + "/ssh-other-port");
  ASSERT_FALSE(wrong_port.has_value());
  EXPECT_EQ(wrong_port.error().kind, kube::ErrorKind::kTls) << wrong_port.error().to_string();

  // A server whose key is not in knownHosts is refused, even with good credentials.
  auto unknown = GitWriter::open({.url = server_->ssh_url("state"), .ssh_private_key = server_->client_key("ed25519"),
                                  .known_hosts = "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"},
                                 cache_->path().string() + "/ssh-unknown");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().kind, kube::ErrorKind::kTls) << unknown.error().to_string();
}

TEST(GitWriterGitHubApp, AnInstallationTokenIsThePasswordAndIsRenewedBeforeItExpires) {
  const auto [key, public_key] = testing::GitHubApi::app_key_pair();
  ASSERT_NE(public_key.find("PUBLIC KEY"), std::string::npos);
  // The Git server accepts GitHub's user for installation tokens with the token the API hands out.
  auto server = GitServer::start("x-access-token", "ghs_installation");
  ASSERT_TRUE(server.has_value()) << server.error();
  const std::string url = server->create_repo("state");
  auto cache = base::TempDir::create("git-cache").value();

  // Tokens that expire in two minutes: within the five-minute margin, so every use asks for a new one.
  testing::GitHubApi api(public_key, "ghs_installation", std::chrono::minutes(2));
  auto app = std::make_shared<GitHubAppTokens>(
      GitHubAppConfig{.app_id = "1234", .installation_id = "42", .private_key = key, .api_url = api.url(), .ca_bundle = api.ca_pem()});
  auto writer = GitWriter::open({.url = url, .github_app = app}, (cache.path() / "app").string());
  ASSERT_TRUE(writer.has_value()) << writer.error().to_string();
  ASSERT_TRUE((*writer)->submit(placement("wp", "a", {{"a/f.yaml", "via app"}})).get().has_value());
  EXPECT_EQ(read(server->clone("state") + "/a/f.yaml"), "via app");
  EXPECT_GE(app->fetched(), 2) << "a token about to expire is not used again";

  // An hour's token is fetched once and kept.
  testing::GitHubApi lasting(public_key, "ghs_installation", std::chrono::hours(1));
  auto kept = std::make_shared<GitHubAppTokens>(
      GitHubAppConfig{.app_id = "1234", .installation_id = "42", .private_key = key, .api_url = lasting.url(), .ca_bundle = lasting.ca_pem()});
  auto second = GitWriter::open({.url = url, .github_app = kept}, (cache.path() / "kept").string());
  ASSERT_TRUE(second.has_value()) << second.error().to_string();
  ASSERT_TRUE((*second)->submit(placement("wp2", "b", {{"b/f.yaml", "again"}})).get().has_value());
  EXPECT_EQ(kept->fetched(), 1);

  // An installation the App does not have: GitHub's answer, on the writer's error.
  auto wrong = std::make_shared<GitHubAppTokens>(
      GitHubAppConfig{.app_id = "1234", .installation_id = "7", .private_key = key, .api_url = lasting.url(), .ca_bundle = lasting.ca_pem()});
  auto refused = GitWriter::open({.url = url, .github_app = wrong}, (cache.path() / "wrong").string());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, kube::ErrorKind::kForbidden) << refused.error().to_string();
  EXPECT_NE(refused.error().message.find("404 Not Found"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().message.find(key.substr(40, 20)), std::string::npos);
}

TEST_F(GitWriterTest, AServerThatAnswersNothingTimesOutInsteadOfHoldingTheWriter) {
  // Listening, never accepting: connections complete, and then nothing ever comes back.
  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(silent, 16), 0);
  socklen_t size = sizeof address;
  getsockname(silent, reinterpret_cast<sockaddr*>(&address), &size);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/git/state.git";

  ASSERT_NE(open(), nullptr);  // libgit2 set up, the timeout stream installed
  set_git_network_timeout(std::chrono::seconds(1));
  const auto start = std::chrono::steady_clock::now();
  auto w = GitWriter::open({.url = url, .username = "kratix", .password = "s3cr3t"}, cache_->path().string() + "/silent");
  const auto took = std::chrono::steady_clock::now() - start;
  // The same under TLS: the handshake waits for a server hello that never comes.
  const std::string https = "https" + url.substr(4);
  auto tls = GitWriter::open({.url = https, .username = "kratix", .password = "s3cr3t"}, cache_->path().string() + "/silent-tls");
  const auto took_tls = std::chrono::steady_clock::now() - start - took;
  // And over ssh, where libssh2 reads the connection itself: it waits for the server's banner, which never
  // comes. Should the watchdog not end that, closing the listener below does (and the test fails).
  const int shut_before = git_idle_connections_shut_down();
  const auto ssh_start = std::chrono::steady_clock::now();
  auto ssh = std::async(std::launch::async, [&] {
    return GitWriter::open({.url = "ssh://git@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/state.git",
                            .ssh_private_key = server_->client_key("ed25519"), .known_hosts = server_->known_hosts()},
                           cache_->path().string() + "/silent-ssh");
  });
  const bool ssh_gave_up = ssh.wait_for(std::chrono::seconds(15)) == std::future_status::ready;
  const auto took_ssh = std::chrono::steady_clock::now() - ssh_start;
  set_git_network_timeout(std::chrono::seconds(60));
  close(silent);
  ASSERT_TRUE(ssh_gave_up) << "an ssh server that never answers held the writer";
  auto ssh_result = ssh.get();
  ASSERT_FALSE(ssh_result.has_value());
  EXPECT_LT(took_ssh, std::chrono::seconds(10));
  EXPECT_GT(git_idle_connections_shut_down(), shut_before) << ssh_result.error().to_string();
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message.find("timed out"), std::string::npos) << w.error().to_string();
  EXPECT_LT(took, std::chrono::seconds(10));
  ASSERT_FALSE(tls.has_value()) << "fails rather than waiting for ever";
  EXPECT_LT(took_tls, std::chrono::seconds(10)) << tls.error().to_string();  // the TLS layer words the error itself
}

}  // namespace
}  // namespace pave::statestore
