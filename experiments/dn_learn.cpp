// dn-learn: learns a convolutional dictionary, or a multi-layer deconvolutional network, from
// images (docs/executables/dn-learn.md, docs/network.md). The run itself is lib/run's
// LearningRun; this file maps the command line to its config and reports on the terminal.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/checkpointing.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/output_directory.hpp"
#include "cli/progress.hpp"
#include "core/memory.hpp"
#include "core/signals.hpp"
#include "core/threads.hpp"
#include "core/timer.hpp"
#include "io/image_set.hpp"
#include "parallel/communicator.hpp"
#ifdef DN_WITH_MPI
#include "parallel/mpi/mpi_communicator.hpp"
#endif
#include "run/held_out.hpp"
#include "run/learning_run.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

//! --filter-size's text: "S" for S x S, else "HxW".
std::string SizeText(const FilterSize& size) {
  return size.rows == size.cols ? std::to_string(size.rows) : size.ToString();
}

//! The layerN.* options, in kLayerKeys' order; SetLayerSetting reads them.
const std::vector<TableOption> kLayerOptions = {
    {"filters", TableOption::Type::Count, "K",
     "feature maps (default --filters; singles-and-doubles: C + C(C-1)/2)"},
    {"filter-size", TableOption::Type::Text, "S", "filter size (default --filter-size)"},
    {"lambda", TableOption::Type::Real, "L", "l1 weight (default --lambda)"},
    {"iterations", TableOption::Type::Count, "N", "outer iterations (default --iterations)"},
    {"connectivity", TableOption::Type::Text, "C",
     "full, singles-and-doubles or random-doubles (default full)"},
    {"pooling", TableOption::Type::Text, "P",
     "3-D max pooling of its maps before the next layer: none, P, PxQ or PxQxM (rows x columns x "
     "maps; default none)"},
    {"inference", TableOption::Type::Text, "M",
     "layer (reconstruct the layer below) or pixel (reconstruct the image through the layers "
     "below; default layer)"},
    {"stride", TableOption::Type::Count, "S", "stride (default --stride)"},
    {"padding", TableOption::Type::Text, "P", "padding: default, P or PxQ (default --padding)"}};

std::string LayerKey(std::size_t layer, const std::string& key) {
  return "layer" + std::to_string(layer) + "." + key;
}

void DeclareOptions(CommandLine& cli) {
  const LearningConfig d;
  const LearningOptions& defaults = d.learning;
  cli.Add()("out", po::value<std::string>()->value_name("DIR"),
            "output directory (required; created if missing; if it holds files, --force or "
            "--resume is needed)")(
      "filters",
      po::value<long long>()->default_value(static_cast<long long>(d.filters))->value_name("K"),
      "number of filters")(
      "filter-size",
      po::value<std::string>()->default_value(SizeText(d.filterSize))->value_name("S"),
      "filter size: S for S x S, or HxW (rows x columns) like 7x9")(
      "lambda",
      po::value<double>()
          ->default_value(defaults.lambda, NumberText(defaults.lambda))
          ->value_name("L"),
      "weight of the l1 penalty on the feature maps, >= 0");
  cli.AddIterations(defaults.iterations,
                    "outer iterations (one sparse coding step and one dictionary step each)");
  cli.Add()("coding-iterations",
            po::value<long long>()
                ->default_value(static_cast<long long>(defaults.codingIterations))
                ->value_name("N"),
            "solver iterations per outer iteration")(
      "dictionary-method",
      po::value<std::string>()->default_value(defaults.dictionary.method)->value_name("M"),
      "dictionary update: fista or pgd (projected gradient)")(
      "dictionary-iterations",
      po::value<long long>()
          ->default_value(static_cast<long long>(defaults.dictionary.iterations))
          ->value_name("N"),
      "dictionary update iterations per outer iteration")("zero-mean", OnOff(),
                                                          "constrain every filter to zero mean");
  for (const auto* table : {&kOnlineSettings, &kHeldOutSettings, &kStridedSettings, &kMaskSettings})
    for (const SettingHelp& o : *table) {
      auto* value = po::value<std::string>()->value_name(o.value);
      const std::string key = o.key;
      if (key != "test" && key != "mask") value->default_value(LearningSettingText(d, o.key));
      cli.Add()(o.key, value, o.help);  // --test, --mask: a path, absolute in run.ini, or none
    }
  cli.AddSolver();
  cli.AddBoundary();
  cli.AddPreprocess();
  cli.AddColour();
  cli.Add()("init", po::value<std::string>()->value_name("D.npy"),
            "start from this filter bank, (K, h, w) or (K, C, h, w), projected onto the "
            "constraints; its shape sets --filters and --filter-size unless they are given "
            "(default: random filters from --seed)")(
      "seed",
      po::value<long long>()->default_value(static_cast<long long>(d.seed))->value_name("N"),
      "seed of the random initial filters");
  cli.AddThreads();
  cli.AddPrecision();
  cli.AddPlanner();
  AddCheckpointOptions(cli);
  cli.AddInputs(
      "training images: image files, directories of images, or .npy arrays (H, W) or "
      "(N, H, W); with --colour also (C, H, W) or (N, C, H, W) (positional)",
      -1);
  cli.MarkPaths({"out", "init", "test", "mask"});
  cli.Add()("layers", po::value<long long>()->value_name("N"),
            "layers of a deconvolutional network, 1 to 4 (default: the highest layerN "
            "section given, else 1); layer N's settings are the layerN.* options, which default "
            "to the options above");
  for (std::size_t l = 1; l <= kMaxLayers; ++l)
    AddTable(cli, kLayerOptions, LayerKey(l, ""), "layer " + std::to_string(l) + ": ");
}

std::unique_ptr<CommandLine> MakeCommandLine() {
  auto cli = std::make_unique<CommandLine>(
      "dn-learn", "[options] --out DIR INPUT...  |  dn-learn --resume DIR [options]",
      "Learns a convolutional dictionary from images: alternates sparse coding of every image "
      "with a dictionary update under ||d_k|| <= 1. Writes dictionary.npy, model/, history.csv, "
      "filters.png and run.ini into --out, and checkpoints into --out/checkpoints as it goes; "
      "Ctrl-C (SIGINT) or SIGTERM stops after the current iteration with a checkpoint, and "
      "--resume continues a stopped or killed run.");
  DeclareOptions(*cli);
  return cli;
}

//! The run's config from the options (UsageError naming the option), before any file is read.
LearningConfig ReadConfig(const CommandLine& cli, CheckpointOptions& checkpoints) {
  LearningConfig c;
  c.filters = cli.Positive("filters");
  AsUsageError([&] { c.filterSize = FilterSize::Parse(cli.Get<std::string>("filter-size")); });
  LearningOptions& learning = c.learning;
  learning.lambda = cli.NonNegativeReal("lambda");
  learning.iterations = cli.Positive("iterations");
  learning.codingIterations = cli.Positive("coding-iterations");
  learning.solver = cli.Solver();
  learning.boundary = cli.BoundaryMode();
  learning.effort = cli.Planner();
  learning.dictionary.method = cli.Get<std::string>("dictionary-method");
  learning.dictionary.iterations = cli.Positive("dictionary-iterations");
  learning.dictionary.zeroMean = cli.Flag("zero-mean");
  for (const auto* table : {&kOnlineSettings, &kHeldOutSettings, &kStridedSettings, &kMaskSettings})
    for (const SettingHelp& o : *table)
      if (cli.Has(o.key))
        AsUsageError([&] { SetLearningSetting(c, o.key, cli.Get<std::string>(o.key)); });
  c.preprocess = cli.Preprocess();
  c.colour = cli.Flag("colour");
  c.seed = cli.Seed("seed");
  c.precision = cli.PrecisionOption();
  checkpoints = ReadCheckpointOptions(cli);
  c.checkpoints = checkpoints.policy;
  std::vector<LayerSettingsText> given;
  for (std::size_t l = 1; l <= kMaxLayers; ++l)
    given.push_back(TableValues(cli, kLayerOptions, LayerKey(l, "")));
  std::optional<long long> layers;
  if (cli.Has("layers")) layers = cli.Get<long long>("layers");
  AsUsageError([&] { SetLayers(c, given, layers); });
  AsUsageError([&] { c.Validate(); });
  return c;
}

//! Reads --init, layer 1's initial filters: its shape must agree with layer 1's filter count
//! and size when they were given, and otherwise sets them (in `c` and run.ini).
InitialFilters ReadInit(CommandLine& cli, LearningConfig& c, std::size_t channels) {
  const std::string path = cli.Get<std::string>("init");
  InitialFilters init{ReadFilterBank("--init", path), "--init " + path};
  AsUsageError([&] {
    FitToInitialFilters(c, init, channels, cli.Given("filters"), cli.Given("filter-size"));
  });
  cli.Resolve("filters", std::to_string(c.filters));
  return init;
}

int Learn(int argc, const char* const argv[]) {
  const std::unique_ptr<CommandLine> given = MakeCommandLine();
  if (!given->Parse(argc, argv)) return kExitSuccess;
  const bool resuming = given->Has("resume");
  ResumedRun resumed;
  if (resuming) resumed = PrepareResume(*given, MakeCommandLine);
  CommandLine& cli = resuming ? *resumed.cli : *given;
  // Data-parallel (mpirun): every rank learns from its shard; rank 0 alone prints and writes.
  const bool root = WorldCommunicator().Root();
  const Console console(cli.Program(), cli.Flag("verbose") && root);
  cli.Require("out");
  const std::string out = cli.Get<std::string>("out");
  const std::vector<std::string> inputs = cli.Inputs();
  CheckpointOptions checkpoints;
  LearningConfig config = ReadConfig(cli, checkpoints);
  const std::size_t depth = config.Depth();
  if (!resuming && root) RefuseUsedOutput(out, checkpoints.force);  // rank 0 makes it next
  const int threads = ConfigureThreads(cli.Threads());
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);
  cli.Resolve("threads", std::to_string(threads));  // replays use the same count
  if (resuming) ReportResumedOptions(resumed, cli, console, threads, depth);

  // Online: images read one at a time, each at its own size; batch: refused before reading when
  // it would not fit in memory.
  TrainingInputs training;
  AsUsageError([&] { training = OpenTrainingInputs(config, inputs, AvailableMemoryBytes()); });
  if (training.cropped && root)
    console.Warning("the training images differ in size; all were centre-cropped to " +
                    std::to_string(training.shape.rows) + "x" +
                    std::to_string(training.shape.cols));
  const ImageShape first = training.shape;
  const std::size_t channels = first.channels;
  // A resumed run takes its filters from the checkpoint (and its shape from run.ini).
  std::optional<InitialFilters> init;
  if (cli.Has("init") && !resuming) init = ReadInit(cli, config, channels);
  cli.Resolve("filter-size", config.filterSize.ToString());
  std::vector<ResolvedLayer> layers;
  AsUsageError([&] { layers = ResolveLayers(config, channels, first.rows, first.cols); });
  if (WorldCommunicator().Size() > 1)
    AsUsageError([&] {
      CheckDataParallel(config, layers, training.Count(), WorldCommunicator().Size());
    });
  if (!config.test.path.empty())  // checked before anything is written
    AsUsageError([&] { OpenTestSet(config, channels, layers.front().size); });
  if (!config.layers.empty()) {  // run.ini records every layer's values
    cli.Resolve("layers", std::to_string(depth));
    for (std::size_t l = 1; l <= depth; ++l)
      for (const std::string& key : kLayerKeys)
        cli.Resolve(LayerKey(l, key), *LayerSettingText(layers[l - 1].Settings(), key));
  }
  console.Info(training.Describe() + ", " + DescribeLayers(layers) + ", " +
               ToString(config.precision) + " precision, " + std::to_string(threads) +
               " threads, seed " + std::to_string(config.seed));

  std::optional<OutputDirectory> directory;
  if (root) {
    RemoveStaleStaging(out);  // left by killed runs (this one's is made next)
    directory.emplace(out, LearningRun::OutputNames(depth));
  }
  console.Info("planning FFTs");
  const InitialFilters* initial = init ? &*init : nullptr;
  std::unique_ptr<LearningRun> learning =
      training.source
          ? std::make_unique<LearningRun>(config, training.source, initial, out)
          : std::make_unique<LearningRun>(config, training.images, initial, out, training.masks,
                                          training.first, training.total);
  LearningRun& run = *learning;
  training.images.clear();
  run.KeepInCheckpoints("run.ini", cli.ResolvedConfig());
  if (resuming) {
    AsUsageError([&] { run.Resume(resumed.checkpoint); });
    RefuseChangedTrainedLayers(resumed, run.CurrentLayer());
  }
  InstallStopHandlers();
  LearningProgress progress(cli.Program(), console, depth);
  Communicator& world = WorldCommunicator();
  const Timer clock;
  const double communicating = world.Seconds(), waiting = world.WaitSeconds();
  if (world.Size() > 1) progress.MeasureCommunication(world);
  const bool finished = run.Run(root ? &progress : nullptr);
  const double seconds = clock.Seconds(), communication = world.Seconds() - communicating;
  const double waits = world.WaitSeconds() - waiting;
  if (!root) return finished ? kExitSuccess : 128 + StopSignal();
  if (finished)
    run.WriteOutputs(std::filesystem::path(directory->File("history.csv")).parent_path());
  if (!wisdom.empty()) SaveWisdom(wisdom);
  if (const int signal = StopSignal(); signal != 0) {
    std::cerr << cli.Program() << ": stopped by " << SignalName(signal) << " after "
              << run.Position() << "; checkpoint " << run.LastCheckpoint()
              << "; resume with: " << ResumeCommand(argv[0], out) << std::endl;
    return 128 + signal;
  }
  cli.WriteResolvedConfig(directory->File("run.ini"));
  directory->Commit();

  std::string written;
  for (const std::string& name : LearningRun::OutputNames(depth))
    written += (written.empty() ? "" : ", ") + name;
  std::printf("wrote %s to %s\n", written.c_str(), out.c_str());
  for (std::size_t l = 1; depth > 1 && l <= depth; ++l) {
    const auto span = run.History().Span(l);
    std::printf("layer %zu objective %.10g -> %.10g\n", l, span.first.objective,
                span.second.objective);
  }
  std::printf("objective %.10g\n", run.LastRecord().objective);
  if (world.Size() > 1) {  // rank 0's time in MPI calls: exchanging, and waiting for the others
    const auto percent = [seconds](double part) { return seconds > 0 ? 100.0 * part / seconds : 0.0; };
    std::printf(
        "%d ranks: %.3f s learning, %.3f s of it communicating (%.2f%%): exchanging %.2f%%, "
        "waiting for other ranks %.2f%%; per iteration (median) exchanging %.2f%%, waiting "
        "%.2f%%; %.2f%% at most in all\n",
        world.Size(), seconds, communication, percent(communication), percent(communication - waits),
        percent(waits), 100.0 * progress.MedianExchangeShare(), 100.0 * progress.MedianWaitShare(),
        100.0 * progress.LargestCommunicationShare());
  }
  return kExitSuccess;
}

}  // namespace

//! Seconds a rank other than 0 waits before reporting its error (RunMain).
constexpr double kReportDelay = 10.0;

int main(int argc, char* argv[]) {
#ifdef DN_WITH_MPI
  if (LaunchedByMpi()) {  // mpirun -np R dn-learn: data-parallel learning (docs/scaling.md)
    const int code = RunMain("dn-learn", [&] {
      SetWorldCommunicator(std::make_unique<MpiCommunicator>(&argc, &argv));
      return kExitSuccess;
    });
    if (code != kExitSuccess) return code;
  }
#endif
  // Rank 0 speaks for the job; another rank reports only failures of its own (rank 0 ends the
  // job within the delay when it fails too).
  Communicator& world = WorldCommunicator();
  const std::string program =
      world.Root() ? "dn-learn" : "dn-learn (rank " + std::to_string(world.Rank()) + ")";
  const int code =
      RunMain(program, [&] { return Learn(argc, argv); }, world.Root() ? 0.0 : kReportDelay);
  // A rank that failed alone would leave the others waiting for it: end the whole job.
  if (code != kExitSuccess && code < 128 && world.Size() > 1) world.Abort(code);
  SetWorldCommunicator(std::make_unique<SerialCommunicator>());  // finalises MPI
  return code;
}
