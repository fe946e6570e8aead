#include "run/checkpoint_policy.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "serialize/checkpoint.hpp"

namespace dn {

namespace fs = std::filesystem;

CheckpointSchedule::CheckpointSchedule(const CheckpointPolicy& policy)
    : policy_(policy), last_(std::chrono::steady_clock::now()) {}

bool CheckpointSchedule::Due(std::size_t iteration, double secondsLeft) const {
  if (policy_.every > 0 && iteration % policy_.every == 0) return true;
  if (policy_.seconds <= 0) return false;
  const double since =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count();
  const double wait = Wait();
  return since >= wait && secondsLeft >= wait;
}

double CheckpointSchedule::Wait() const {
  if (policy_.share <= 0) return policy_.seconds;
  return std::max(policy_.seconds, lastCost_ * (1 - policy_.share) / policy_.share);
}

void CheckpointSchedule::Written(double seconds) {
  last_ = std::chrono::steady_clock::now();
  lastCost_ = seconds;
}

std::string CheckpointDirectory(const std::string& out) {
  return (fs::path(out) / "checkpoints").string();
}

std::string NewestCheckpoint(const std::string& out) {
  return FindLatestCheckpoint(CheckpointDirectory(out));
}

void RemoveStaleStaging(const std::string& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out, ec))
    if (entry.path().filename().string().rfind(".dn-staging-", 0) == 0) {
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
}

void RemoveOldCheckpoints(const std::string& out) {
  std::error_code ec;
  fs::remove_all(CheckpointDirectory(out), ec);
  if (ec)
    throw std::runtime_error("cannot remove the old checkpoints in " + CheckpointDirectory(out) +
                             ": " + ec.message());
}

void CheckSameSignals(const std::map<std::string, std::string>& info,
                      const std::string& signalsChecksum) {
  const auto saved = info.find("signals");
  const std::string savedChecksum = saved == info.end() ? "" : saved->second;
  if (savedChecksum != signalsChecksum)
    throw std::runtime_error(
        "the training images differ from those of the interrupted run "
        "(their checksum is " +
        signalsChecksum + ", the checkpoint's " + savedChecksum +
        "); --resume needs the same inputs");
}

void CheckIterationsLeft(std::size_t done, std::size_t total, std::size_t layer,
                         std::size_t depth) {
  if (done <= total) return;
  if (depth == 1)
    throw std::invalid_argument("--iterations " + std::to_string(total) + " is fewer than the " +
                                std::to_string(done) + " the run has done");
  throw std::invalid_argument(LayerOptionName(layer, "iterations") + " " + std::to_string(total) +
                              " is fewer than the " + std::to_string(done) + " layer " +
                              std::to_string(layer) + " has done");
}

}  // namespace dn
