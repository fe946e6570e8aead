// The executables' contact with the user: messages on stderr and the mapping of exceptions to
// exit codes.
#pragma once

#include <functional>
#include <string>

namespace dn::cli {

//! Exit codes of every executable.
constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;  //!< missing or corrupt files, bad data, out of memory, ...
constexpr int kExitUsage = 2;    //!< unknown option, invalid value, missing required option

//! Warnings (always) and information (with --verbose) on stderr, prefixed with the program name.
class Console {
public:
  explicit Console(std::string program, bool verbose = false)
      : program_(std::move(program)), verbose_(verbose) {}
  //! "<program>: warning: <message>"
  void Warning(const std::string& message) const;
  //! "<program>: <message>", only with --verbose.
  void Info(const std::string& message) const;

private:
  std::string program_;
  bool verbose_;
};

//! Runs `body` and returns its exit code. An exception becomes exactly one line on stderr,
//! "<program>: error: <message>", and exit code kExitUsage for UsageError and
//! boost::program_options errors (with the hint "(see --help)"), kExitFailure for anything else,
//! std::bad_alloc included. The line waits `reportDelay` seconds: the other ranks of a
//! data-parallel dn-learn wait, so that rank 0, which mostly meets the same error, reports it and
//! ends the job first.
int RunMain(const std::string& program, const std::function<int()>& body, double reportDelay = 0);

}  // namespace dn::cli
