// S3's XML answers (statestore/s3_xml.h) from a server that may send anything: never a crash, and a
// truncated listing always says where to go on.
#include <string_view>

#include "fuzz_check.h"
#include "statestore/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  if (auto page = pave::statestore::parse_list_objects(xml)) {
    pave::fuzz::check(!page->truncated || !page->next_token.empty(), "a truncated page without a token");
  }
  (void)pave::statestore::parse_s3_error(xml);
  (void)pave::statestore::parse_bucket_region(xml);
  (void)pave::statestore::parse_upload_id(xml);
  (void)pave::statestore::strip_etag_quotes(std::string(xml));
  return 0;
}
