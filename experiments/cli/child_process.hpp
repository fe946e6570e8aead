// Running a program as a child process and reading what it prints, e.g. to measure one case of
// a benchmark in a fresh process whose peak memory is its own.
#pragma once

#include <string>
#include <vector>

namespace dn::cli {

struct ChildResult {
  int status = 0;      //!< exit status (0 = success)
  std::string output;  //!< everything the child wrote to standard output
};

//! Runs `program` with `arguments` (argv[1] onwards; no shell), its standard error going to ours,
//! and waits for it. Throws std::runtime_error if it cannot be started or is killed by a signal.
ChildResult RunChild(const std::string& program, const std::vector<std::string>& arguments);

//! The path of the running executable (Linux: /proc/self/exe resolved).
std::string SelfExecutable();

}  // namespace dn::cli
