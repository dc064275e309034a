// sigv4_authorization against the worked examples of AWS's S3 documentation ("Signature Calculations for
// the Authorization Header: Transferring Payload in a Single Chunk"), which sign exactly host,
// x-amz-content-sha256 and x-amz-date.
#include "statestore/sigv4.h"

#include <gtest/gtest.h>

namespace pave::statestore {
namespace {

const SigV4Credentials kExample{.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                                .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", .region = "us-east-1"};
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4, GetBucketLifecycleAsAwsDocumentsIt) {
  EXPECT_EQ(sigv4_authorization({.method = "GET", .host = "examplebucket.s3.amazonaws.com", .path = "/", .query = "lifecycle",
                                 .payload_sha256 = kEmptySha256, .amz_date = "20130524T000000Z"}, kExample),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, ListObjectsAsAwsDocumentsItWithItsQuerySorted) {
  const SigV4Request list{.method = "GET", .host = "examplebucket.s3.amazonaws.com", .path = "/", .query = "max-keys=2&prefix=J",
                          .payload_sha256 = kEmptySha256, .amz_date = "20130524T000000Z"};
  const std::string expected = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                               "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                               "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7";
  EXPECT_EQ(sigv4_authorization(list, kExample), expected);
  SigV4Request unsorted = list;
  unsorted.query = "prefix=J&max-keys=2";
  EXPECT_EQ(sigv4_authorization(unsorted, kExample), expected);
}

}  // namespace
}  // namespace pave::statestore
