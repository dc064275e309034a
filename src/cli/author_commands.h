// The promise author's verbs, as Kratix's CLI names them (kratix-spec.md 6.5; scaffold/):
//
//   pave init promise NAME --group G --kind K [--version V] [--plural P] [--split] [--dir D]
//   pave add container LIFECYCLE/ACTION/PIPELINE --image IMG [--name N] [--language bash|go|python] [--dir D]
//   pave update api --property NAME:TYPE | PATH.TO.NAME:TYPE | NAME- ... [--group --kind --version --plural] [--dir D]
//   pave update dependencies PATH [--image IMG] [--dir D]
//   pave update destination-selector KEY=VALUE | KEY- [--dir D]
//   pave build promise NAME [--dir D] [--output FILE]
//   pave build container [LIFECYCLE/ACTION/PIPELINE] [--name N] [--all] [--engine podman|docker] [--buildx]
//                        [--build-args "..."] [--push] [--dir D]
//
// Errors are printed as "Error: <why>" with exit code 1, as Kratix's CLI prints them.
#pragma once

#include <CLI/CLI.hpp>

namespace pave::cli {

class AuthorCommands {
 public:
  // Adds init, add, update and build to app.
  explicit AuthorCommands(CLI::App& app);

  // Whether one of them was given on the command line.
  bool chosen() const;
  int run() const;

 private:
  int run_chosen() const;

  struct Flags;
  std::shared_ptr<Flags> flags_;
  CLI::App* init_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* update_ = nullptr;
  CLI::App* build_ = nullptr;
};

}  // namespace pave::cli
