// Checkpoints and resuming, as dn-learn offers them (docs/robustness.md): the options, the
// refusal of an --out that is in use, the command line of a resumed run, and when to write.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_line.hpp"

namespace dn::cli {

struct CheckpointOptions {
  std::size_t every = 0;  //!< --checkpoint-every: iterations between checkpoints, 0 = never
  double seconds = 60;    //!< --checkpoint-seconds: at most this long between them, 0 = never
  std::string resume;      //!< --resume DIR, empty when not resuming
  bool force = false;      //!< --force: reuse an --out that holds files
};

//! Declares --checkpoint-every, --checkpoint-seconds, --resume and --force.
void AddCheckpointOptions(CommandLine& cli);
//! Their validated values (UsageError naming the option).
CheckpointOptions ReadCheckpointOptions(const CommandLine& cli);

//! Where a run keeps its checkpoints: <out>/checkpoints.
std::string CheckpointDirectory(const std::string& out);

//! Before a fresh run into `out`: an existing non-empty `out` is a UsageError unless `force`.
void RefuseUsedOutput(const std::string& out, bool force);

//! Removes the staging directories (.dn-staging-*, see output_directory.hpp) that killed runs
//! left in `out`; quietly, as nothing depends on it.
void RemoveStaleStaging(const std::string& out);

//! Removes the checkpoints an earlier run left in `out` (std::runtime_error if that fails), so
//! that a --resume after this run's start cannot continue the earlier run.
void RemoveOldCheckpoints(const std::string& out);

//! The run that --resume DIR continues.
struct ResumedRun {
  std::string checkpoint;            //!< its newest checkpoint directory
  std::unique_ptr<CommandLine> cli;  //!< its options
  std::vector<std::string> changed;  //!< changeable options now given another value
  int threads = 0;                   //!< the thread count the run used
};

//! For --resume DIR: finds DIR's newest checkpoint (std::runtime_error if there is none) and
//! parses the run's options from the run.ini kept in it into a command line made by `make`.
//! Options that may change on resuming -- --threads, --iterations and --layerN.iterations (to
//! extend a run), --checkpoint-every, --checkpoint-seconds, --verbose -- are taken from `given`, --out is DIR;
//! any other option in `given` whose value differs from the run's is a UsageError.
ResumedRun PrepareResume(const CommandLine& given,
                         const std::function<std::unique_ptr<CommandLine>()>& make);

//! When to write checkpoints: after every `every`-th iteration, and after an iteration that ends
//! `seconds` or more after the last checkpoint (0 disables either).
class CheckpointSchedule {
public:
  explicit CheckpointSchedule(const CheckpointOptions& options);
  bool Due(std::size_t iteration) const;
  //! Restarts the clock after a checkpoint.
  void Written();

private:
  std::size_t every_;
  double seconds_;
  std::chrono::steady_clock::time_point last_;
};

//! The shell command that resumes the run in `out`, e.g. "dn-learn --resume '/data/run 1'".
std::string ResumeCommand(const std::string& program, const std::string& out);

}  // namespace dn::cli
