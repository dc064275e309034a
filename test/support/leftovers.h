// What a test run leaves behind: processes, temporary directories and pod runner containers, found by
// markers every test carries (test/CMakeLists.txt sets them on every test).
#pragma once

#include <string>
#include <vector>

namespace pave::testing {

// Processes (as "PID COMMAND LINE") whose command line or environment contains needle, other than this
// process and its ancestors.
std::vector<std::string> processes_mentioning(const std::string& needle);

}  // namespace pave::testing
