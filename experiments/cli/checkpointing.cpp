#include "cli/checkpointing.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "run/checkpoint_policy.hpp"
#include "serialize/checkpoint.hpp"

namespace dn::cli {
namespace {

//! True when option `key` now has another value than the run's.
bool Changed(const ResumedRun& resumed, const std::string& key) {
  return std::find(resumed.changed.begin(), resumed.changed.end(), key) != resumed.changed.end();
}

namespace fs = std::filesystem;

std::string Absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

//! A path quoted for a POSIX shell when it needs it.
std::string ShellQuoted(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789/._-+=:,@%") == std::string::npos)
    return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

void AddCheckpointOptions(CommandLine& cli) {
  const CheckpointPolicy d;
  cli.Add()("checkpoint-every",
            po::value<long long>()->default_value(static_cast<long long>(d.every))->value_name("N"),
            "write a checkpoint into OUT/checkpoints every N outer iterations (0: never); one is "
            "also written at the start and at the end")(
      "checkpoint-seconds",
      po::value<double>()->default_value(d.seconds, NumberText(d.seconds))->value_name("S"),
      "also write one when S seconds have passed since the last (0: never)")(
      "checkpoint-share",
      po::value<double>()->default_value(d.share, NumberText(d.share))->value_name("F"),
      "and only when the last one's cost is at most F of the time since (0: no bound), so that "
      "checkpoints of large runs take at most F of the run")(
      "resume", po::value<std::string>()->value_name("DIR"),
      "continue the interrupted run whose --out is DIR from its newest checkpoint, with its own "
      "options (only --threads, --iterations, --checkpoint-every, --checkpoint-seconds, "
      "--checkpoint-share and --verbose may change)")(
      "force", OnOff(),
      "reuse an --out that already holds files (replacing the run's "
      "outputs and removing its checkpoints)");
  cli.MarkPaths({"resume"});
}

CheckpointOptions ReadCheckpointOptions(const CommandLine& cli) {
  CheckpointOptions o;
  const long long every = cli.Get<long long>("checkpoint-every");
  if (every < 0) throw UsageError("--checkpoint-every must be >= 0 (0: never)");
  o.policy.every = static_cast<std::size_t>(every);
  o.policy.seconds = cli.NonNegativeReal("checkpoint-seconds");
  o.policy.share = cli.NonNegativeReal("checkpoint-share");
  AsUsageError([&] { o.policy.Validate(); });
  if (cli.Has("resume")) {
    o.resume = cli.Get<std::string>("resume");
    if (o.resume.empty()) throw UsageError("--resume needs a directory");
  }
  o.force = cli.Flag("force");
  return o;
}

void RefuseUsedOutput(const std::string& out, bool force) {
  std::error_code ec;
  if (force || !fs::is_directory(out, ec) || fs::is_empty(out, ec)) return;
  throw UsageError("--out " + out +
                   " already holds files; give --force to replace its outputs, or --resume " + out +
                   " to continue the run there");
}

ResumedRun PrepareResume(const CommandLine& given,
                         const std::function<std::unique_ptr<CommandLine>()>& make) {
  const std::string dir = given.Get<std::string>("resume");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("--resume " + dir + ": no such directory");
  ResumedRun run;
  run.checkpoint = NewestCheckpoint(dir);
  if (run.checkpoint.empty())
    throw std::runtime_error(
        "--resume " + dir + ": no checkpoint in " + CheckpointDirectory(dir) +
        " (the run stopped before its first one; start it again with --force)");
  if (given.Has("out") && Absolute(given.Get<std::string>("out")) != Absolute(dir))
    throw UsageError("--out " + given.Get<std::string>("out") + " differs from --resume " + dir +
                     "; a resumed run writes into the directory it resumes");
  // Checked against the manifest first: a damaged run.ini is reported, not parsed.
  (void)ReadCheckpointFile(run.checkpoint, "run.ini");
  const std::string runIni = (fs::path(run.checkpoint) / "files" / "run.ini").string();

  // The run's own options, then the same with the changeable ones given now.
  static const std::set<std::string> changeable = {
      "threads",          "iterations",        "checkpoint-every",  "checkpoint-seconds",
      "checkpoint-share", "layer1.iterations", "layer2.iterations", "layer3.iterations",
      "layer4.iterations"};
  const auto parse = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {given.Program(), "--config", runIni, "--out=" + Absolute(dir)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::unique_ptr<CommandLine> cli = make();
    try {
      cli->Parse(static_cast<int>(argv.size()), argv.data());
    } catch (const std::exception& e) {
      throw std::runtime_error(runIni + " (the run's options) is unusable: " + e.what());
    }
    return cli;
  };
  const std::unique_ptr<CommandLine> saved = parse({});
  std::vector<std::string> overrides;
  for (const std::string& key : given.GivenKeys()) {
    if (changeable.count(key) == 0) continue;
    overrides.push_back("--" + key + "=" + given.ValueOf(key));
    if (key != "threads" && given.ValueOf(key) != saved->ValueOf(key)) run.changed.push_back(key);
  }
  run.threads = saved->Get<int>("threads");
  if (given.Flag("verbose")) overrides.push_back("--verbose=true");
  run.cli = parse(overrides);

  for (const std::string& key : given.GivenKeys()) {
    if (changeable.count(key) || key == "out" || key == "resume" || key == "force") continue;
    const std::string mine = given.ValueOf(key), theirs = saved->ValueOf(key);
    if (key == "input" && mine != theirs)
      throw UsageError("the inputs given differ from the interrupted run's (see " + runIni +
                       "); --resume takes the run's own inputs");
    if (mine != theirs)
      throw UsageError("--" + key + " " + mine + " conflicts with the interrupted run's " +
                       (theirs.empty() ? "(unset)" : key + " = " + theirs) + " in " + runIni +
                       "; --resume continues the run with its own options");
  }
  return run;
}

std::string ResumeCommand(const std::string& program, const std::string& out) {
  return ShellQuoted(program) + " --resume " + ShellQuoted(Absolute(out));
}

void ReportResumedOptions(const ResumedRun& resumed, const CommandLine& cli, const Console& console,
                          int threads, std::size_t depth) {
  if (threads != resumed.threads)
    console.Warning("resuming with " + std::to_string(threads) + " threads instead of the run's " +
                    std::to_string(resumed.threads) +
                    ": the result will differ in the last bits from an uninterrupted run's");
  if (depth > 1 && Changed(resumed, "iterations"))
    throw UsageError(
        "--iterations does not change the layers of a network on resuming (their "
        "counts are the run's layerN.iterations); give --layerN.iterations");
  for (const std::string& key : resumed.changed)
    console.Info("--" + key + " " + cli.ValueOf(key) + " replaces the interrupted run's value");
}

void RefuseChangedTrainedLayers(const ResumedRun& resumed, std::size_t currentLayer) {
  for (std::size_t l = 1; l < currentLayer; ++l)
    if (Changed(resumed, "layer" + std::to_string(l) + ".iterations"))
      throw UsageError(LayerOptionName(l, "iterations") + " cannot change: layer " +
                       std::to_string(l) + " is trained already");
}

}  // namespace dn::cli
