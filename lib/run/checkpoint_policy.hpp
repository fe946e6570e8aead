// Where and when a learning run keeps checkpoints (docs/robustness.md): the schedule, the
// checkpoint directory of an output directory, the clean-up of what earlier or killed runs left,
// and the checks a checkpoint must pass before a run resumes from it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include "run/learning_config.hpp"

namespace dn {

//! When to write checkpoints, by a CheckpointPolicy.
class CheckpointSchedule {
public:
  explicit CheckpointSchedule(const CheckpointPolicy& policy);
  //! Whether a checkpoint is due after outer iteration `iteration`, with the layer expected to
  //! end in `secondsLeft`: the seconds rule leaves a checkpoint it would write less than Wait()
  //! before the end to the end-of-layer checkpoint, which would follow too soon after it.
  bool Due(std::size_t iteration, double secondsLeft) const;
  //! Restarts the clock after a checkpoint that took `seconds` to write.
  void Written(double seconds = 0.0);
  //! The wait after the last checkpoint before the seconds rule writes the next.
  double Wait() const;

private:
  CheckpointPolicy policy_;
  std::chrono::steady_clock::time_point last_;
  double lastCost_ = 0.0;
};

//! Where a run with output directory `out` keeps its checkpoints: <out>/checkpoints.
std::string CheckpointDirectory(const std::string& out);

//! The newest complete checkpoint of the run whose output directory is `out`, or "".
std::string NewestCheckpoint(const std::string& out);

//! Removes the staging directories (.dn-staging-*) that killed runs left in `out`; quietly, as
//! nothing depends on it.
void RemoveStaleStaging(const std::string& out);

//! Removes the checkpoints an earlier run left in `out` (std::runtime_error if that fails), so
//! that a resume after this run's start cannot continue the earlier run.
void RemoveOldCheckpoints(const std::string& out);

//! Refuses (std::runtime_error) to resume from a checkpoint whose info records another checksum
//! of the training data than `signalsChecksum`.
void CheckSameSignals(const std::map<std::string, std::string>& info,
                      const std::string& signalsChecksum);

//! Refuses (std::invalid_argument naming `option`, e.g. "--iterations") a run of `total`
//! iterations resumed from a checkpoint that has done `done` more than that.
void CheckIterationsLeft(std::size_t done, std::size_t total, std::size_t layer, std::size_t depth);

}  // namespace dn
