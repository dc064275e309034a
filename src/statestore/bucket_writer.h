// BucketWriter writes a bucket state store (S3 or compatible) through an S3Client.
//
// Each change lists the objects under its replaced directories once, deletes those not rewritten, and
// PUTs only files whose content differs from what the bucket holds (the ETag of a single-part upload is
// the MD5 of its content). The changes of a batch are written side by side (8 at a time, each over its own
// connection) unless two of them touch the same keys, when they go one by one in submission order; a
// batch's version is a SHA-256 chained over the ETags it wrote, so it changes exactly when the bucket's
// content does.
//
// Drift: the writer keeps the key and ETag of everything under the store's path, from a listing made when
// it opens and from its own writes. refresh() lists the store's path again (one request per 1,000 objects)
// and tells the drift listener of every key added, changed or removed by someone else since. The
// listing is of everything under the store's path, on the writer's thread: a store at a bucket's root
// also lists (and keeps the ETags of) whatever else the bucket holds, other stores' objects included.
#pragma once

#include <memory>

#include "statestore/batch_queue.h"
#include "statestore/s3_client.h"
#include "statestore/writer.h"

namespace pave::statestore {

class BucketWriter : public Writer {
 public:
  // Checks the bucket can be listed with the credentials and written (Kratix's multipart check), lists
  // what is under the store's path (drift is counted from there), then starts the writer thread.
  static kube::Result<std::unique_ptr<BucketWriter>> open(BucketConfig config);
  ~BucketWriter() override;

  using Writer::submit;
  void submit(Change change, OnWritten on_written) override;
  kube::Result<std::optional<std::string>> read_file(const std::string& path) override;
  void on_drift(OnDrift listener) override;
  void refresh() override;
  void close() override;

  // Objects under a prefix (relative to the store's path), every page.
  kube::Result<std::vector<ObjectInfo>> list(const std::string& prefix);
  // Requests sent so far, by method (for tests and benchmarks).
  int puts() const;

 private:
  struct Impl;
  explicit BucketWriter(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  BatchQueue queue_;  // declared last: its thread stops before impl_ goes
};

// Whether no two changes touch the same key, or a key under another's replaced directory: then they can
// be written in any order, or at once.
bool independent(const std::vector<const Change*>& changes);

}  // namespace pave::statestore
