// `pave test PROMISE_DIR_OR_FILE [--request EXAMPLE.yaml] [--destinations FILE | --kubeconfig K] [--watch]`:
// a Promise's configure pipelines run on this machine, no cluster, and what they would lead to printed
// (localtest/): the output tree, the Works and their groups, the Destinations each group would land on,
// the files each state store would get, and the status the request would end with.
//
// A directory is read as `pave build promise` reads it (promise.yaml, or the split files); its
// example-resource.yaml is the request unless --request names another. Exit code: 0 when every workflow
// completed, 1 when a pipeline failed or held the workflow, 2 when the input cannot be run.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pave::cli {

struct TestFlags {
  std::string promise;        // a file, or a promise directory
  std::string name;           // the Promise's name for a split directory (default: the directory's name)
  std::string request;        // a request file; default <dir>/example-resource.yaml when it exists
  bool no_request = false;    // run the promise workflows only
  std::string destinations;   // a file of Destination (and GitStateStore/BucketStateStore) objects
  std::string kubeconfig;     // ... or read them from a platform cluster
  std::string output = "text";  // text | json | yaml
  bool watch = false;
  int timeout_seconds = 600;  // per container
};

// Adds `test` to app.
CLI::App* add_test_command(CLI::App& app, TestFlags& flags);

int run_test(const TestFlags& flags);

}  // namespace pave::cli
