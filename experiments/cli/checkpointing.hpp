// Checkpoints and resuming on dn-learn's command line (docs/robustness.md): the options, the
// refusal of an --out that is in use, and the command line of a resumed run. Where and when
// checkpoints are written is lib/run's (run/checkpoint_policy.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "run/learning_config.hpp"

namespace dn::cli {

struct CheckpointOptions {
  CheckpointPolicy policy;  //!< --checkpoint-every, --checkpoint-seconds, --checkpoint-share
  std::string resume;       //!< --resume DIR, empty when not resuming
  bool force = false;       //!< --force: reuse an --out that holds files
};

//! Declares --checkpoint-every, --checkpoint-seconds, --checkpoint-share, --resume and --force.
void AddCheckpointOptions(CommandLine& cli);
//! Their validated values (UsageError naming the option).
CheckpointOptions ReadCheckpointOptions(const CommandLine& cli);

//! Before a fresh run into `out`: an existing non-empty `out` is a UsageError unless `force`.
void RefuseUsedOutput(const std::string& out, bool force);

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
//! extend a run), --checkpoint-every, --checkpoint-seconds, --verbose -- are taken from `given`,
//! --out is DIR; any other option in `given` whose value differs from the run's is a UsageError.
ResumedRun PrepareResume(const CommandLine& given,
                         const std::function<std::unique_ptr<CommandLine>()>& make);

//! On resuming a run of `depth` layers with `threads` threads: warns of a thread count other
//! than the run's and notes every changed option; --iterations of a network is a UsageError.
void ReportResumedOptions(const ResumedRun& resumed, const CommandLine& cli, const Console& console,
                          int threads, std::size_t depth);
//! UsageError when --layerN.iterations changed for a layer below `currentLayer` (trained).
void RefuseChangedTrainedLayers(const ResumedRun& resumed, std::size_t currentLayer);

//! The shell command that resumes the run in `out`, e.g. "dn-learn --resume '/data/run 1'".
std::string ResumeCommand(const std::string& program, const std::string& out);

}  // namespace dn::cli
