// S3's XML answers as real servers word them (AWS with its namespace, s3rver without), and the listing
// loop of S3Client against a local HTTP server that answers with canned pages: the pages' logic is what
// is tested (a real S3 server never repeats a token), so no S3 server is needed here.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "statestore/s3_client.h"
#include "statestore/s3_xml.h"

namespace pave::statestore {
namespace {

TEST(ParseListObjects, ReadsKeysEtagsAndTheContinuationToken) {
  auto page = parse_list_objects(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>kratix</Name><IsTruncated>true</IsTruncated>
<Contents><Key>a&amp;b.yaml</Key><ETag>&quot;abc&quot;</ETag></Contents>
<Contents>
  <Key>c &lt;d&gt;</Key><ETag>"def"</ETag><Size>3</Size>
</Contents>
<NextContinuationToken>tok==</NextContinuationToken></ListBucketResult>)");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a&b.yaml");
  EXPECT_EQ(page->objects[0].etag, "abc");
  EXPECT_EQ(page->objects[1].key, "c <d>");
  EXPECT_EQ(page->objects[1].etag, "def");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok==");
}

TEST(ParseListObjects, AKeyThatLooksLikeMarkupIsStillAKey) {
  // Escaped markup in a key is the key's own text.
  auto page = parse_list_objects(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>&lt;Key&gt;x&lt;/Key&gt;</Key><ETag>\"1\"</ETag>"
      "</Contents></ListBucketResult>");
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "<Key>x</Key>");
  EXPECT_FALSE(page->truncated);
}

TEST(ParseListObjects, WhatIsNotAListingIsAnError) {
  EXPECT_FALSE(parse_list_objects("<html><body>502 Bad Gateway</body></html>").has_value());
  EXPECT_FALSE(parse_list_objects("not xml at all").has_value());
  auto truncated = parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
  ASSERT_FALSE(truncated.has_value()) << "a truncated listing with nowhere to go on would silently lose the rest";
  EXPECT_EQ(truncated.error().kind, kube::ErrorKind::kDecode);
}

TEST(ParseS3Error, CodeAndMessageOrNothing) {
  auto e = parse_s3_error(R"(<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code>
<Message>The request signature we calculated does not match</Message></Error>)");
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.message, "The request signature we calculated does not match");
  EXPECT_EQ(parse_s3_error("<html>gateway</html>").code, "");
  EXPECT_EQ(parse_s3_error("").code, "");
}

TEST(ParseUploadId, FromTheAnswerToStartingAnUpload) {
  auto id = parse_upload_id(R"(<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Bucket>kratix</Bucket><Key>.kratix-write-permission-check</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>)");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "VXBsb2FkIElE");
  EXPECT_FALSE(parse_upload_id("<InitiateMultipartUploadResult></InitiateMultipartUploadResult>").has_value());
}

TEST(ParseBucketRegion, TheLocationConstraintWithS3sSpecialCases) {
  EXPECT_EQ(parse_bucket_region(R"(<?xml version="1.0"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-2</LocationConstraint>)").value(),
            "eu-west-2");
  EXPECT_EQ(parse_bucket_region("<LocationConstraint/>").value(), "us-east-1");
  EXPECT_EQ(parse_bucket_region("<LocationConstraint>EU</LocationConstraint>").value(), "eu-west-1");
  EXPECT_FALSE(parse_bucket_region("<Error><Code>AccessDenied</Code></Error>").has_value());
}

// A local HTTP server answering a bucket's listings from canned pages, by continuation token.
class CannedListings {
 public:
  explicit CannedListings(std::map<std::string, std::string> pages) : pages_(std::move(pages)) {
    server_.Get("/bucket", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      const std::string token = req.has_param("continuation-token") ? req.get_param_value("continuation-token") : "";
      res.set_content(pages_.at(token), "application/xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CannedListings() {
    server_.stop();
    thread_.join();
  }
  BucketConfig config() const {
    return {.endpoint = "127.0.0.1:" + std::to_string(port_), .bucket = "bucket", .insecure = true,
            .access_key_id = "k", .secret_access_key = "s"};
  }
  std::atomic<int> requests = 0;

 private:
  std::map<std::string, std::string> pages_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string page(const std::string& key, const std::string& next) {
  return "<ListBucketResult><IsTruncated>" + std::string(next.empty() ? "false" : "true") + "</IsTruncated><Contents><Key>" + key +
         "</Key><ETag>\"e\"</ETag></Contents>" + (next.empty() ? "" : "<NextContinuationToken>" + next + "</NextContinuationToken>") +
         "</ListBucketResult>";
}

TEST(S3ClientList, FollowsContinuationTokensToTheLastPage) {
  CannedListings server({{"", page("a", "t1")}, {"t1", page("b", "t2")}, {"t2", page("c", "")}});
  S3Client client(server.config());
  auto all = client.list("");
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].key, "c");
  EXPECT_EQ(server.requests.load(), 3);
}

// An S3Client settling its region against a local server whose GetBucketLocation answers with status,
// body and (when not empty) an x-amz-bucket-region header, then listing: the region it settled on and the
// credential scope each request was signed with, in order.
struct RegionRun {
  std::string region;
  std::vector<std::string> scopes;
};
RegionRun settle_against(int location_status, const std::string& location_body, const std::string& region_header) {
  httplib::Server server;
  RegionRun run;
  std::mutex mu;
  server.Get("/bucket", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string auth = req.get_header_value("Authorization");
    const size_t at = auth.find("Credential=");
    {
      std::lock_guard lock(mu);
      run.scopes.push_back(auth.substr(at + 11, auth.find(',', at) - at - 11));
    }
    if (!req.has_param("location")) return res.set_content(page("a", ""), "application/xml");
    res.status = location_status;
    if (!region_header.empty()) res.set_header("x-amz-bucket-region", region_header);
    res.set_content(location_body, "application/xml");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    // Gone before the server stops, with its kept-alive connections.
    S3Client client({.endpoint = "127.0.0.1:" + std::to_string(port), .bucket = "bucket", .insecure = true,
                     .access_key_id = "AKID", .secret_access_key = "s"});
    EXPECT_TRUE(client.settle_region().has_value());
    EXPECT_TRUE(client.list("").has_value());
    run.region = client.config().region;
  }
  server.stop();
  listener.join();
  return run;
}

TEST(S3ClientRegion, RequestsAreSignedForTheRegionTheBucketNames) {
  const RegionRun run = settle_against(200, "<LocationConstraint>eu-west-2</LocationConstraint>", "");
  EXPECT_EQ(run.region, "eu-west-2");
  ASSERT_EQ(run.scopes.size(), 2u);
  EXPECT_NE(run.scopes[0].find("/us-east-1/s3/aws4_request"), std::string::npos) << run.scopes[0];
  EXPECT_NE(run.scopes[1].find("/eu-west-2/s3/aws4_request"), std::string::npos) << run.scopes[1];
}

TEST(S3ClientRegion, ARefusedLocationStillNamesTheRegionInAHeader) {
  // A least-privilege policy without s3:GetBucketLocation: AWS answers 403 and says the region anyway.
  const RegionRun run = settle_against(403, "<Error><Code>AccessDenied</Code></Error>", "ap-southeast-2");
  EXPECT_EQ(run.region, "ap-southeast-2");
  ASSERT_EQ(run.scopes.size(), 2u);
  EXPECT_NE(run.scopes[1].find("/ap-southeast-2/s3/aws4_request"), std::string::npos) << run.scopes[1];
  EXPECT_EQ(settle_against(501, "", "").region, "us-east-1") << "a server that knows nothing of regions";
}

TEST(S3ClientList, ATokenGivenTwiceEndsTheListingWithAnError) {
  CannedListings server({{"", page("a", "t1")}, {"t1", page("b", "t2")}, {"t2", page("c", "t1")}});
  S3Client client(server.config());
  auto all = client.list("");
  ASSERT_FALSE(all.has_value()) << "listed " << all->size() << " objects from a server going round in circles";
  EXPECT_NE(all.error().message.find("\"t1\" twice"), std::string::npos) << all.error().message;
  EXPECT_EQ(server.requests.load(), 3);
}

}  // namespace
}  // namespace pave::statestore
