// What a fuzz target asserts: a property that must hold for every input. A broken one aborts with the
// reason, so libFuzzer keeps the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace pave::fuzz {

inline void check(bool holds, const std::string& what) {
  if (holds) return;
  std::fprintf(stderr, "property broken: %s\n", what.c_str());
  std::abort();
}

}  // namespace pave::fuzz
