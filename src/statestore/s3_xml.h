// The XML of S3's answers, read with pugixml: object listings (ListObjectsV2), error bodies and the
// answer to starting a multipart upload. S3 servers differ in namespaces, declarations and whitespace;
// only element names are relied on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/error.h"

namespace pave::statestore {

// An ETag as S3 quotes it ("abc", in headers and listings alike) without its quotes.
std::string strip_etag_quotes(std::string etag);

// One object as a listing shows it.
struct ObjectInfo {
  std::string key;
  std::string etag;  // without quotes
};

// One page of a ListObjectsV2 answer.
struct ListPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};

// A page, or kDecode when the answer is not a ListBucketResult (or says it is truncated without saying
// where to go on: a listing that stopped there would silently lose the rest).
kube::Result<ListPage> parse_list_objects(std::string_view xml);

// An S3 error body's Code and Message; both empty when the body is not an S3 error (a proxy's page).
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string server_time;  // ServerTime (ISO 8601), which RequestTimeTooSkewed carries
};
S3ErrorBody parse_s3_error(std::string_view xml);

// The region a GetBucketLocation answer names: its LocationConstraint, where "" (the answer for
// us-east-1) is "us-east-1" and the legacy "EU" is "eu-west-1"; kDecode when it is no such answer.
kube::Result<std::string> parse_bucket_region(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult, or kDecode.
kube::Result<std::string> parse_upload_id(std::string_view xml);

}  // namespace pave::statestore
