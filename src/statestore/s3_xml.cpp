#include "statestore/s3_xml.h"

#include <pugixml.hpp>

namespace pave::statestore {
namespace {

using kube::ErrorKind;

// Parses xml; the document's root element, or an empty node when it is not XML.
pugi::xml_node root_of(pugi::xml_document& doc, std::string_view xml) {
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) return {};
  return doc.document_element();
}

kube::Error decode_error(const std::string& what) { return kube::make_error(ErrorKind::kDecode, what); }

}  // namespace

std::string strip_etag_quotes(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

kube::Result<ListPage> parse_list_objects(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = root_of(doc, xml);
  if (std::string_view(root.name()) != "ListBucketResult") {
    return std::unexpected(decode_error("the bucket listing is not a ListBucketResult"));
  }
  ListPage page;
  for (pugi::xml_node contents : root.children("Contents")) {
    page.objects.push_back({contents.child_value("Key"), strip_etag_quotes(contents.child_value("ETag"))});
  }
  page.truncated = std::string_view(root.child_value("IsTruncated")) == "true";
  if (page.truncated) {
    page.next_token = root.child_value("NextContinuationToken");
    if (page.next_token.empty()) {
      return std::unexpected(decode_error("the bucket listing is truncated and names no continuation token"));
    }
  }
  return page;
}

S3ErrorBody parse_s3_error(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = root_of(doc, xml);
  if (std::string_view(root.name()) != "Error") return {};
  return {root.child_value("Code"), root.child_value("Message"), root.child_value("ServerTime")};
}

kube::Result<std::string> parse_bucket_region(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = root_of(doc, xml);
  if (std::string_view(root.name()) != "LocationConstraint") {
    return std::unexpected(decode_error("the bucket's location answer is not a LocationConstraint"));
  }
  const std::string region = root.text().get();
  if (region.empty()) return std::string("us-east-1");
  if (region == "EU") return std::string("eu-west-1");
  return region;
}

kube::Result<std::string> parse_upload_id(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = root_of(doc, xml);
  std::string id = root.child_value("UploadId");
  if (std::string_view(root.name()) != "InitiateMultipartUploadResult" || id.empty()) {
    return std::unexpected(decode_error("the answer to starting a multipart upload names no UploadId"));
  }
  return id;
}

}  // namespace pave::statestore
