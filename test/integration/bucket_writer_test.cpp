// BucketWriter against a real S3 server that verifies signatures (s3rver).
#include "statestore/bucket_writer.h"

#include <gtest/gtest.h>

#include <ctime>
#include <chrono>
#include <thread>
#include <future>
#include <iostream>
#include <memory>

#include "statestore/s3_client.h"
#include "support/s3_server.h"
#include "support/cluster.h"
#include "support/drift_seen.h"
#include "support/tcp_proxy.h"

namespace pave::statestore {
namespace {

using testing::S3Server;

class BucketWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = S3Server::start("kratix");
    ASSERT_TRUE(s.has_value()) << s.error();
    server_.emplace(std::move(*s));
  }
  BucketConfig config(const std::string& path = "") const {
    return {.endpoint = server_->endpoint(), .bucket = "kratix", .path = path, .insecure = true,
            .access_key_id = S3Server::kAccessKey, .secret_access_key = S3Server::kSecret};
  }
  // A proxy in front of the server, for faults, and config(path) through it.
  std::unique_ptr<testing::TcpProxy> make_proxy() const {
    const std::string endpoint = server_->endpoint();
    return std::make_unique<testing::TcpProxy>("127.0.0.1", std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  }
  static BucketConfig through(const testing::TcpProxy& proxy, BucketConfig c) {
    c.endpoint = "127.0.0.1:" + std::to_string(proxy.port());
    return c;
  }
  std::optional<S3Server> server_;
};

Change placement(const std::string& name, const std::string& dir, std::vector<File> files) {
  return {.placement = name, .replace_directories = {dir}, .files = std::move(files)};
}

TEST_F(BucketWriterTest, WritesReplacesAndSkipsUnchangedObjects) {
  auto w = BucketWriter::open(config("stores/one"));
  ASSERT_TRUE(w.has_value()) << w.error().to_string();
  auto& writer = **w;
  // Opening checked it may write (a multipart upload started and aborted) and wrote nothing.
  auto probe = writer.list("");
  ASSERT_TRUE(probe.has_value()) << probe.error().to_string();
  EXPECT_TRUE(probe->empty()) << probe->front().key;
  auto first = writer.submit(placement("wp", "dest/app", {{"dest/app/a.yaml", "a"}, {"dest/app/b.yaml", "b"}})).get();
  ASSERT_TRUE(first.has_value()) << first.error().to_string();
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(writer.puts(), 2);

  // Same content: no PUT at all (the ETags already match).
  auto same = writer.submit(placement("wp", "dest/app", {{"dest/app/a.yaml", "a"}, {"dest/app/b.yaml", "b"}})).get();
  ASSERT_TRUE(same.has_value());
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, first->version);
  EXPECT_EQ(writer.puts(), 2);

  // b is not rewritten: it is deleted; a changes: one PUT.
  auto second = writer.submit(placement("wp", "dest/app", {{"dest/app/a.yaml", "a2"}})).get();
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->changed);
  EXPECT_NE(second->version, first->version);
  EXPECT_EQ(writer.puts(), 3);
  auto listed = writer.list("dest/app/");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "stores/one/dest/app/a.yaml") << "keys carry the store's path";
  EXPECT_EQ(writer.read_file("dest/app/a.yaml").value(), "a2");
  EXPECT_EQ(writer.read_file("dest/app/b.yaml").value(), std::nullopt);

  auto gone = writer.submit({.placement = "wp", .replace_directories = {"dest/app"}}).get();
  ASSERT_TRUE(gone.has_value());
  EXPECT_TRUE(writer.list("dest/").value().empty());
}

TEST_F(BucketWriterTest, KeysNeedingEscapesAndManyPagesOfObjects) {
  auto writer = std::move(*BucketWriter::open(config()));
  std::vector<File> files;
  for (int i = 0; i < 1100; ++i) files.push_back({"big/dir/file " + std::to_string(i) + "+x.yaml", std::to_string(i)});
  auto r = writer->submit(placement("big", "big/dir", files)).get();
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  auto listed = writer->list("big/dir/");
  ASSERT_TRUE(listed.has_value()) << listed.error().to_string();
  EXPECT_EQ(listed->size(), 1100u) << "listing pages past 1,000 keys";
  EXPECT_EQ(writer->read_file("big/dir/file 7+x.yaml").value(), "7");
  // Rewriting the same directory with one file deletes the other 1,099 listed across pages.
  auto shrunk = writer->submit(placement("big", "big/dir", {{"big/dir/only.yaml", "1"}})).get();
  ASSERT_TRUE(shrunk.has_value());
  EXPECT_EQ(writer->list("big/dir/").value().size(), 1u);
}

// Waits until everything queued before it (a refresh too, whose drift is reported on the writer's
// thread before the batch's results) has been through the writer's thread.
void settle(Writer& w) { ASSERT_TRUE(w.submit(Change{.placement = "settle", .key = "settle"}).get().has_value()); }

TEST_F(BucketWriterTest, ObjectsAddedChangedOrDeletedBySomeoneElseAreDriftFoundByRefresh) {
  S3Client someone(config());
  // What the bucket held before the writer opened is its starting point, not drift.
  ASSERT_TRUE(someone.put("stores/two/dest/before.yaml", "before").has_value());
  auto w = BucketWriter::open(config("stores/two"));
  ASSERT_TRUE(w.has_value()) << w.error().to_string();
  auto& writer = **w;
  testing::DriftSeen drift;
  drift.listen(writer);
  const Change app = placement("wp", "dest/app", {{"dest/app/a.yaml", "a"}, {"dest/app/b.yaml", "b"}});
  ASSERT_TRUE(writer.submit(app).get().has_value());
  writer.refresh();
  settle(writer);
  EXPECT_TRUE(drift.take().empty()) << "the writer's own objects, and those there before, are not drift";

  // Someone else: a.yaml changed, b.yaml deleted, a file of theirs added beside them, and one under a
  // key that only starts like the store's path.
  ASSERT_TRUE(someone.put("stores/two/dest/app/a.yaml", "theirs").has_value());
  ASSERT_TRUE(someone.remove("stores/two/dest/app/b.yaml").has_value());
  ASSERT_TRUE(someone.put("stores/two/dest/NOTES", "theirs").has_value());
  ASSERT_TRUE(someone.put("stores/twofold/x.yaml", "not this store's").has_value());
  writer.refresh();
  settle(writer);
  EXPECT_EQ(drift.take(), (std::set<std::string>{"dest/app/a.yaml", "dest/app/b.yaml", "dest/NOTES"}))
      << "keys under the store's path, relative to it";
  writer.refresh();
  settle(writer);
  EXPECT_TRUE(drift.take().empty()) << "drift is told once";

  // Written again, the placement's objects are back, theirs is kept, and the rewrite is not drift.
  ASSERT_TRUE(writer.submit(app).get().has_value());
  EXPECT_EQ(writer.read_file("dest/app/a.yaml").value(), "a");
  EXPECT_EQ(writer.read_file("dest/app/b.yaml").value(), "b");
  EXPECT_EQ(writer.read_file("dest/NOTES").value(), "theirs");
  writer.refresh();
  settle(writer);
  EXPECT_TRUE(drift.take().empty());
}

TEST_F(BucketWriterTest, WrongCredentialsAreRefusedBySignatureCheck) {
  BucketConfig bad = config();
  bad.secret_access_key = "not-the-secret";
  auto w = BucketWriter::open(bad);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().kind, kube::ErrorKind::kUnauthorized) << w.error().to_string();
  EXPECT_EQ(w.error().reason, "SignatureDoesNotMatch");
  EXPECT_EQ(w.error().message.find("not-the-secret"), std::string::npos);
}

TEST_F(BucketWriterTest, AMissingBucketAndPathsThatLeaveTheStoreAreRefused) {
  BucketConfig other = config();
  other.bucket = "no-such-bucket";
  auto missing = BucketWriter::open(other);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason, "NoSuchBucket") << missing.error().to_string();

  auto writer = std::move(*BucketWriter::open(config()));
  auto r = writer->submit(placement("wp", "ok", {{"../../etc/x", "x"}})).get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, kube::ErrorKind::kInvalid);
  EXPECT_EQ(writer->puts(), 0);
}

TEST(BucketWriterTls, HttpsIsVerifiedAgainstTheSystemOrTheStoresCa) {
  auto server = S3Server::start("kratix", /*tls=*/true);
  ASSERT_TRUE(server.has_value()) << server.error();
  BucketConfig c{.endpoint = server->endpoint(), .bucket = "kratix", .access_key_id = S3Server::kAccessKey,
                 .secret_access_key = S3Server::kSecret};
  // Verification is on: a certificate from a CA nobody named is refused.
  auto untrusted = BucketWriter::open(c);
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_EQ(untrusted.error().kind, kube::ErrorKind::kTls) << untrusted.error().to_string();

  c.ca_bundle = server->ca_pem();
  auto trusted = BucketWriter::open(c);
  ASSERT_TRUE(trusted.has_value()) << trusted.error().to_string();
  auto written = (*trusted)->submit(placement("wp", "tls", {{"tls/a.yaml", "over https"}})).get();
  ASSERT_TRUE(written.has_value()) << written.error().to_string();
  auto read = (*trusted)->read_file("tls/a.yaml");
  ASSERT_TRUE(read.has_value() && read->has_value());
  EXPECT_EQ(**read, "over https");
}

// S3 faults (issue 20), through a proxy in front of the real server: answers of 503 SlowDown and 500 are
// retried with backoff, up to S3Client::kAttempts; a server that is down fails the request as a connection
// failure after as many tries; either way the next request, once the server is back, goes through.
std::string s3_answer(int status, const std::string& reason, const std::string& code) {
  const std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + reason +
                           "</Message></Error>";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST_F(BucketWriterTest, SlowDownAndServerErrorsAreRetriedWithBackoffAndAnOutageFailsCleanly) {
  auto faulty = make_proxy();
  testing::TcpProxy& proxy = *faulty;
  const BucketConfig c = through(proxy, config("faults"));
  S3Client client(c);

  // Two SlowDowns, then the server: one put, which lands.
  proxy.answer_next(2, s3_answer(503, "Slow Down", "SlowDown"));
  auto put = client.put("faults/a.yaml", "a");
  ASSERT_TRUE(put.has_value()) << put.error().to_string();
  EXPECT_EQ(proxy.answered(), 2);
  EXPECT_EQ(client.retries(), 2);
  EXPECT_EQ(client.get("faults/a.yaml").value(), std::optional<std::string>("a"));

  // A server that keeps failing: kAttempts tries, then a transient error naming the server's code.
  proxy.answer_next(100, s3_answer(500, "Internal Server Error", "InternalError"));
  proxy.drop_all();  // the connection curl keeps alive would skip the faults, which come on new ones
  const auto started = std::chrono::steady_clock::now();
  auto failed = client.put("faults/b.yaml", "b");
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, kube::ErrorKind::kTransient) << failed.error().to_string();
  EXPECT_NE(failed.error().message.find("InternalError"), std::string::npos) << failed.error().message;
  EXPECT_EQ(client.retries(), 2 + S3Client::kAttempts - 1) << "every attempt but the first a retry";
  // One attempt may have met the dropped keep-alive connection instead of an answer.
  EXPECT_GE(proxy.answered(), 2 + S3Client::kAttempts - 1);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100 + 200 + 400)) << "backed off";

  // The server down (connections refused at once): a transport error after as many tries, then back.
  proxy.answer_next(0, "");
  proxy.set_blocked(true);
  proxy.drop_all();
  auto down = client.put("faults/c.yaml", "c");
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().kind, kube::ErrorKind::kTransport) << down.error().to_string();
  EXPECT_EQ(client.retries(), 2 + 2 * (S3Client::kAttempts - 1));
  proxy.set_blocked(false);
  ASSERT_TRUE(client.put("faults/c.yaml", "c").has_value());

  // Through the writer: a SlowDown in the middle of a batch costs a retry, not the write.
  auto w = BucketWriter::open(c);
  ASSERT_TRUE(w.has_value()) << w.error().to_string();
  proxy.answer_next(1, s3_answer(503, "Slow Down", "SlowDown"));
  proxy.drop_all();
  auto written = (*w)->submit(placement("wp", "dest/app", {{"dest/app/x.yaml", "x"}})).get();
  ASSERT_TRUE(written.has_value()) << written.error().to_string();
  EXPECT_EQ(client.get("faults/dest/app/x.yaml").value(), std::optional<std::string>("x"));
}

TEST_F(BucketWriterTest, AServerThatStopsAnsweringFailsABatchInOneRoundOfTimeouts) {
  auto silent = make_proxy();
  testing::TcpProxy& proxy = *silent;
  BucketConfig c = through(proxy, config("silent"));
  c.request_timeout = std::chrono::seconds(1);
  auto w = BucketWriter::open(c);
  ASSERT_TRUE(w.has_value()) << w.error().to_string();
  auto& writer = **w;
  constexpr int kChanges = 40;
  auto submit_all = [&] {
    std::vector<std::future<kube::Result<WriteResult>>> done;
    for (int i = 0; i < kChanges; ++i) {
      const std::string dir = "dest/app-" + std::to_string(i);
      done.push_back(writer.submit(placement("wp-" + std::to_string(i), dir, {{dir + "/cm.yaml", "cm"}})));
    }
    return done;
  };

  // Connections accepted and never answered: each change's first request would wait out the timeout.
  proxy.set_paused(true);
  proxy.drop_all();
  const int accepted_before = proxy.connections_accepted();
  auto failed = submit_all();
  for (auto& f : failed) {
    auto r = f.get();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, kube::ErrorKind::kTimeout) << r.error().to_string();
  }
  // At most two batches (the writer may take the first change alone), each at most 8 changes begun
  // side by side and one quick listing that finds the server silent: the rest fail without a request.
  const int tried = proxy.connections_accepted() - accepted_before;
  EXPECT_LE(tried, 2 * (8 + 1)) << "one request per change would be " << kChanges;
  std::cout << "silent server: " << kChanges << " changes failed after " << tried << " requests\n";

  proxy.set_paused(false);
  proxy.drop_all();
  for (auto& f : submit_all()) {
    auto r = f.get();
    EXPECT_TRUE(r.has_value()) << r.error().to_string();
  }
  EXPECT_EQ(writer.list("dest/").value().size(), static_cast<size_t>(kChanges));
}

TEST_F(BucketWriterTest, ARequestTimingOutOnAServerStillAnsweringFailsOnlyItsOwnChange) {
  auto slow = make_proxy();
  testing::TcpProxy& proxy = *slow;
  BucketConfig c = through(proxy, config("slow"));
  c.request_timeout = std::chrono::seconds(2);
  auto w = BucketWriter::open(c);
  ASSERT_TRUE(w.has_value()) << w.error().to_string();
  // Every 4 KiB waits 100 ms each way: a small request takes a few hundred ms, a 400 KB file far longer
  // than the timeout.
  proxy.set_delay(std::chrono::milliseconds(100));
  proxy.drop_all();
  // The second change writes under the first's directory, so they go one after the other.
  auto big = (*w)->submit(placement("big", "dest/app", {{"dest/app/big.yaml", std::string(400 * 1024, 'x')}}));
  auto small = (*w)->submit({.placement = "small", .files = {{"dest/app/small.yaml", "small"}}});
  auto big_result = big.get();
  ASSERT_FALSE(big_result.has_value());
  EXPECT_EQ(big_result.error().kind, kube::ErrorKind::kTimeout) << big_result.error().to_string();
  auto small_result = small.get();
  EXPECT_TRUE(small_result.has_value()) << "the server answers, so the next change is sent: " << small_result.error().to_string();
  proxy.set_delay(std::chrono::milliseconds(0));
  EXPECT_EQ((*w)->read_file("dest/app/small.yaml").value(), std::optional<std::string>("small"));
}

// S3 refuses a request dated more than 15 minutes from its clock with RequestTimeTooSkewed, naming its
// ServerTime. (s3rver has the check but never meets it for SigV4: it compares its clock with an
// x-amz-date it cannot parse, so here the refusal comes from the proxy, and s3rver checks the signature
// of the request made again.) A server two hours ahead, then one two hours behind: the client takes each
// one's time from the first refusal and signs in it from then on.
TEST_F(BucketWriterTest, ARequestTimeTooSkewedIsSignedAgainInTheServersTime) {
  auto faulty = make_proxy();
  testing::TcpProxy& proxy = *faulty;
  const BucketConfig c = through(proxy, config("skewed"));
  S3Client client(c);
  ASSERT_TRUE(client.put("skewed/first.yaml", "1").has_value());  // a kept-alive connection, dropped below
  // S3's answer to a request dated too far from the server's clock, which runs offset from ours.
  auto too_skewed = [](std::chrono::hours offset) {
    const std::time_t server_time = std::time(nullptr) + std::chrono::duration_cast<std::chrono::seconds>(offset).count();
    std::tm tm{};
    gmtime_r(&server_time, &tm);
    char iso[32];
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>RequestTimeTooSkewed</Code><Message>The "
                             "difference between the request time and the current time is too large.</Message><ServerTime>" +
                             std::string(iso) + "</ServerTime></Error>";
    return "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  };
  for (const auto offset : {std::chrono::hours(2), -std::chrono::hours(2)}) {
    proxy.answer_next(1, too_skewed(offset));
    proxy.drop_all();
    auto put = client.put("skewed/a.yaml", "a");
    ASSERT_TRUE(put.has_value()) << put.error().to_string();
    EXPECT_EQ(proxy.answered(), offset.count() > 0 ? 1 : 2);
    const auto off_by = client.clock_skew() - std::chrono::duration_cast<std::chrono::seconds>(offset);
    EXPECT_LE(std::abs(off_by.count()), 2) << client.clock_skew().count() << " s learnt";
    EXPECT_EQ(client.retries(), 0) << "a correction is not a retry";
    // Every request after it is signed in the server's time, and s3rver checks each signature.
    EXPECT_EQ(client.get("skewed/a.yaml").value(), std::optional<std::string>("a"));
    auto listed = client.list("skewed/");
    ASSERT_TRUE(listed.has_value()) << listed.error().to_string();
    EXPECT_EQ(listed->size(), 2u);
  }
  // A request is signed again once: a server that refuses that too (its clock jumping) is believed.
  proxy.answer_next(2, too_skewed(std::chrono::hours(5)));
  proxy.drop_all();
  const int answered_before = proxy.answered();
  auto refused = client.put("skewed/b.yaml", "b");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "RequestTimeTooSkewed") << refused.error().to_string();
  // The proxy counts an answer once it has sent it, which the client may read first.
  testing::eventually([&] { return proxy.answered() - answered_before >= 2; }, std::chrono::seconds(2), std::chrono::milliseconds(10));
  EXPECT_EQ(proxy.answered() - answered_before, 2) << "signed again once, not more";
}

}  // namespace
}  // namespace pave::statestore
