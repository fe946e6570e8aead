// dn-learn: learns a convolutional dictionary, or a multi-layer deconvolutional network, from
// images (docs/executables/dn-learn.md, docs/network.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/checkpointing.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "io/image_set.hpp"
#include "run/layer_outputs.hpp"
#include "cli/output_directory.hpp"
#include "core/precision.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "core/checksum.hpp"
#include "core/signals.hpp"
#include "core/threads.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"
#include "network/training.hpp"
#include "preprocess/preprocess.hpp"
#include "serialize/checkpoint.hpp"
#include "serialize/model.hpp"
#include "viz/montage.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

//! Inference defaults written into the model for dn-reconstruct and dn-inspect: FISTA reaches a
//! relative change of 1e-4 within 200 iterations on natural images with the default lambda.
constexpr std::size_t kInferenceIterations = 200;
constexpr double kInferenceTolerance = 1e-4;

struct FilterSize {
  std::size_t rows = 0, cols = 0;
};

std::string ToString(const FilterSize& size) {
  return std::to_string(size.rows) + "x" + std::to_string(size.cols);
}

//! "S" (S x S) or "HxW".
FilterSize ParseFilterSize(const std::string& text) {
  const auto bad = [&text]() {
    return UsageError(
        "--filter-size must be S or HxW with positive integers, like 8 or 7x9, not '" + text + "'");
  };
  const auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      throw bad();
    return static_cast<std::size_t>(std::stoul(part));
  };
  const std::size_t x = text.find_first_of("xX");
  FilterSize size;
  size.rows = number(text.substr(0, x));
  size.cols = x == std::string::npos ? size.rows : number(text.substr(x + 1));
  if (size.rows == 0 || size.cols == 0) throw UsageError("--filter-size must be positive");
  return size;
}

void DeclareOptions(CommandLine& cli) {
  const LearningOptions defaults;
  cli.Add()("out", po::value<std::string>()->value_name("DIR"),
            "output directory (required; created if missing; if it holds files, --force or "
            "--resume is needed)")(
      "filters", po::value<long long>()->default_value(64)->value_name("K"), "number of filters")(
      "filter-size", po::value<std::string>()->default_value("8")->value_name("S"),
      "filter size: S for S x S, or HxW (rows x columns) like 7x9")(
      "lambda", po::value<double>()->default_value(0.1, "0.1")->value_name("L"),
      "weight of the l1 penalty on the feature maps, >= 0");
  cli.AddIterations(200, "outer iterations (one sparse coding step and one dictionary step each)");
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
  cli.AddSolver();
  cli.AddBoundary();
  cli.AddPreprocess();
  cli.AddColour();
  cli.Add()("init", po::value<std::string>()->value_name("D.npy"),
            "start from this filter bank, (K, h, w) or (K, C, h, w), projected onto the "
            "constraints; its shape sets --filters and --filter-size unless they are given "
            "(default: random filters from --seed)")(
      "seed", po::value<long long>()->default_value(1)->value_name("N"),
      "seed of the random initial filters");
  cli.AddThreads();
  cli.AddPrecision();
  cli.AddPlanner();
  AddCheckpointOptions(cli);
  cli.AddInputs(
      "training images: image files, directories of images, or .npy arrays (H, W) or "
      "(N, H, W); with --colour also (C, H, W) or (N, C, H, W) (positional)",
      -1);
  cli.MarkPaths({"out", "init"});
  cli.Add()("layers", po::value<long long>()->value_name("N"),
            "layers of a deconvolutional network, 1 to 4 (default: the highest layerN "
            "section given, else 1); layer N's settings are the layerN.* options, which default "
            "to the options above");
  for (std::size_t l = 1; l <= kMaxLayers; ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    const std::string n = "layer " + std::to_string(l) + ": ";
    cli.Add()((p + "filters").c_str(), po::value<long long>()->value_name("K"),
              (n + "feature maps (default --filters; singles-and-doubles: C + C(C-1)/2)").c_str())(
        (p + "filter-size").c_str(), po::value<std::string>()->value_name("S"),
        (n + "filter size (default --filter-size)").c_str())(
        (p + "lambda").c_str(), po::value<double>()->value_name("L"),
        (n + "l1 weight (default --lambda)").c_str())(
        (p + "iterations").c_str(), po::value<long long>()->value_name("N"),
        (n + "outer iterations (default --iterations)").c_str())(
        (p + "connectivity").c_str(), po::value<std::string>()->value_name("C"),
        (n + "full, singles-and-doubles or random-doubles (default full)").c_str())(
        (p + "pooling").c_str(), po::value<std::string>()->value_name("P"),
        (n + "3-D max pooling of its maps before the next layer: none, P, PxQ or PxQxM "
             "(rows x columns x maps; default none)")
            .c_str())(
        (p + "inference").c_str(), po::value<std::string>()->value_name("M"),
        (n + "layer (reconstruct the layer below) or pixel (reconstruct the image through "
             "the layers below; default layer)")
            .c_str());
  }
}

const char* const kLayerKeys[] = {"filters",      "filter-size", "lambda",   "iterations",
                                  "connectivity", "pooling",     "inference"};

//! "--layerN.key"
std::string LayerOption(std::size_t layer, const std::string& key) {
  return "--layer" + std::to_string(layer) + "." + key;
}
std::string LayerKey(std::size_t layer, const std::string& key) {
  return "layer" + std::to_string(layer) + "." + key;
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

constexpr const char* kHistoryHeader =
    "layer,iteration,seconds,objective,fidelity,l1,density,rejected_steps\n";

//! Records every outer iteration of every layer, drives the progress report, writes checkpoints
//! when they are due and stops after a SIGINT or SIGTERM.
class History : public Observer {
public:
  //! `checkpoint` writes a checkpoint of the current iteration (none when empty).
  History(const CheckpointOptions& options, std::function<void()> checkpoint)
      : schedule_(options), checkpoint_(std::move(checkpoint)) {}
  void Report(ProgressReporter* progress) { progress_ = progress; }
  //! Rows of a resumed run's earlier iterations, from its checkpoint's history.csv.
  void SetEarlierRows(const std::string& csv) {
    earlier_ = csv.rfind(kHistoryHeader, 0) == 0 ? csv.substr(std::string(kHistoryHeader).size())
                                                 : std::string();
    earlierRecords_.clear();
    std::size_t begin = 0;
    while (begin < earlier_.size()) {
      std::size_t end = earlier_.find('\n', begin);
      if (end == std::string::npos) end = earlier_.size();
      const std::string row = earlier_.substr(begin, end - begin);
      begin = end + 1;
      std::size_t layer = 0;
      IterationRecord r;
      if (std::sscanf(row.c_str(), "%zu,%zu,%lf,%lf,%lf,%lf,%lf,%zu", &layer, &r.iteration,
                      &r.seconds, &r.objective, &r.fidelity, &r.l1, &r.density,
                      &r.rejectedSteps) == 8)
        earlierRecords_.push_back({layer, r});
    }
  }
  bool Observe(const IterationRecord& r) override {
    records_.push_back({r.layer == 0 ? 1 : r.layer, r});
    if (progress_) progress_->Update(r.iteration, r.seconds, r.objective, r.density);
    const bool stop = StopSignal() != 0;
    if (stop || schedule_.Due(r.iteration)) Checkpoint();
    return stop;
  }
  void Checkpoint() {
    if (!checkpoint_) return;
    checkpoint_();
    schedule_.Written();
  }
  //! No record, neither of this process nor of the earlier rows.
  bool Empty() const { return records_.empty() && earlierRecords_.empty(); }
  const IterationRecord& Last() const {
    return records_.empty() ? earlierRecords_.back().second : records_.back().second;
  }
  //! history.csv: one row per outer iteration of each layer; seconds count that layer's
  //! learning only.
  std::string Csv() const {
    std::string text = kHistoryHeader + earlier_;
    for (const auto& [layer, r] : records_) {
      char row[256];
      std::snprintf(row, sizeof row, "%zu,%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%zu\n", layer,
                    r.iteration, r.seconds, r.objective, r.fidelity, r.l1, r.density,
                    r.rejectedSteps);
      text += row;
    }
    return text;
  }
  //! The first and last record of a layer.
  std::pair<IterationRecord, IterationRecord> Span(std::size_t layer) const {
    std::pair<IterationRecord, IterationRecord> span;
    bool first = true;
    for (const auto* list : {&earlierRecords_, &records_})
      for (const auto& [l, r] : *list)
        if (l == layer) {
          if (first) span.first = r;
          span.second = r;
          first = false;
        }
    return span;
  }

private:
  ProgressReporter* progress_ = nullptr;
  CheckpointSchedule schedule_;
  std::function<void()> checkpoint_;
  std::string earlier_;  //!< rows of a resumed run's earlier iterations, as they were written
  std::vector<std::pair<std::size_t, IterationRecord>> earlierRecords_, records_;
};

//! The validated options of a run.
struct Settings {
  std::string out;
  std::vector<std::string> inputs;
  std::size_t filters = 0;
  FilterSize size;
  LearningOptions learning;
  PreprocessOptions preprocess;
  bool colour = false;
  std::uint64_t seed = 0;
  Precision precision = Precision::Single;
  std::size_t depth = 1;  //!< layers; 1 is the single-layer model
  CheckpointOptions checkpoints;
};

//! One layer's settings from its layerN.* options, the plain options as defaults. Its input
//! channels (and a singles-and-doubles map count) are set by ResolveLayers.
struct LayerSettings {
  LayerSpec spec;
  FilterSize size;
  std::size_t iterations = 0;
  bool filtersGiven = false;
};

//! Checks every option (UsageError naming the option) before any file is read.
Settings ReadSettings(const CommandLine& cli) {
  Settings s;
  cli.Require("out");
  s.out = cli.Get<std::string>("out");
  s.inputs = cli.Inputs();
  s.filters = cli.Positive("filters");
  s.size = ParseFilterSize(cli.Get<std::string>("filter-size"));
  s.learning.lambda = cli.NonNegativeReal("lambda");
  s.learning.iterations = cli.Positive("iterations");
  s.learning.codingIterations = cli.Positive("coding-iterations");
  s.learning.solver = cli.Solver();
  s.learning.boundary = cli.BoundaryMode();
  s.learning.effort = cli.Planner();
  s.learning.dictionary.method = cli.Get<std::string>("dictionary-method");
  if (s.learning.dictionary.method != "fista" && s.learning.dictionary.method != "pgd")
    throw UsageError("--dictionary-method must be fista or pgd, not '" +
                     s.learning.dictionary.method + "'");
  s.learning.dictionary.iterations = cli.Positive("dictionary-iterations");
  s.learning.dictionary.zeroMean = cli.Flag("zero-mean");
  if (s.learning.dictionary.zeroMean && s.size.rows * s.size.cols == 1 && !cli.Has("init"))
    throw UsageError("--zero-mean needs filters larger than 1x1 (--filter-size is 1x1)");
  AsUsageError([&] { s.learning.Validate(); });
  s.preprocess = cli.Preprocess();
  s.colour = cli.Flag("colour");
  s.seed = cli.Seed("seed");
  s.precision = cli.PrecisionOption();
  s.checkpoints = ReadCheckpointOptions(cli);
  std::size_t highest = 0;
  for (std::size_t l = 1; l <= kMaxLayers; ++l)
    for (const char* key : kLayerKeys)
      if (cli.Has(LayerKey(l, key))) highest = l;
  if (cli.Has("layers")) {
    const long long layers = cli.Get<long long>("layers");
    if (layers < 1 || layers > static_cast<long long>(kMaxLayers))
      throw UsageError("--layers must be 1 to " + std::to_string(kMaxLayers));
    s.depth = static_cast<std::size_t>(layers);
    if (highest > s.depth)
      for (const char* key : kLayerKeys)
        if (cli.Has(LayerKey(highest, key)))
          throw UsageError(LayerOption(highest, key) + " is given but --layers is " +
                           std::to_string(s.depth));
  } else {
    s.depth = std::max<std::size_t>(1, highest);
  }
  return s;
}

//! The settings of every layer with what can be checked before the images are read.
std::vector<LayerSettings> ReadLayers(const CommandLine& cli, const Settings& s) {
  std::vector<LayerSettings> layers(s.depth);
  for (std::size_t l = 1; l <= s.depth; ++l) {
    LayerSettings& layer = layers[l - 1];
    LayerSpec& spec = layer.spec;
    const auto has = [&](const char* key) { return cli.Has(LayerKey(l, key)); };
    const auto option = [&](const char* key) { return LayerOption(l, key); };
    layer.filtersGiven = has("filters");
    spec.filters = s.filters;
    if (layer.filtersGiven) {
      const long long value = cli.Get<long long>(LayerKey(l, "filters"));
      if (value <= 0) throw UsageError(option("filters") + " must be positive");
      spec.filters = static_cast<std::size_t>(value);
    }
    layer.size = s.size;
    if (has("filter-size")) {
      try {
        layer.size = ParseFilterSize(cli.Get<std::string>(LayerKey(l, "filter-size")));
      } catch (const UsageError& e) {
        const std::string what = e.what();
        throw UsageError(option("filter-size") + what.substr(what.find(' ')));
      }
    }
    spec.filterRows = layer.size.rows;
    spec.filterCols = layer.size.cols;
    spec.lambda = s.learning.lambda;
    if (has("lambda")) {
      spec.lambda = cli.Get<double>(LayerKey(l, "lambda"));
      if (!std::isfinite(spec.lambda) || spec.lambda < 0)
        throw UsageError(option("lambda") + " must be finite and >= 0");
    }
    layer.iterations = s.learning.iterations;
    if (has("iterations")) {
      const long long value = cli.Get<long long>(LayerKey(l, "iterations"));
      if (value <= 0) throw UsageError(option("iterations") + " must be positive");
      layer.iterations = static_cast<std::size_t>(value);
    }
    if (has("connectivity")) {
      const std::string name = cli.Get<std::string>(LayerKey(l, "connectivity"));
      AsUsageError([&] { spec.connectivity = ParseConnectivity(name); });
    }
    if (has("pooling")) {
      const std::string text = cli.Get<std::string>(LayerKey(l, "pooling"));
      try {
        spec.pooling = ParsePooling(text);
      } catch (const std::invalid_argument& e) {
        throw UsageError(option("pooling") + ": " + e.what());
      }
    }
    if (has("inference")) {
      const std::string name = cli.Get<std::string>(LayerKey(l, "inference"));
      AsUsageError([&] { spec.inference = ParseInferenceMode(name); });
    }
    spec.connectivitySeed = s.seed + (l - 1);
    if (l == s.depth && spec.pooling.Active())
      throw UsageError(option("pooling") + ": layer " + std::to_string(l) +
                       " is the top layer and its pooling would feed nothing");
    if (s.learning.dictionary.zeroMean && spec.filterRows * spec.filterCols == 1 && l > 1)
      throw UsageError("--zero-mean needs filters larger than 1x1 (" + option("filter-size") +
                       " is 1x1)");
  }
  return layers;
}

//! Sets every layer's input channels (layer 1: the images'), derives the map counts that
//! singles-and-doubles imposes, checks the architecture against the image size (UsageError
//! naming the option), and records every layer's values for run.ini.
void ResolveLayers(CommandLine& cli, std::vector<LayerSettings>& layers, std::size_t channels,
                   arma::uword rows, arma::uword cols, Boundary boundary, bool record) {
  for (std::size_t l = 1; l <= layers.size(); ++l) {
    LayerSpec& spec = layers[l - 1].spec;
    spec.channels = l == 1 ? channels
                           : PoolingShape::Pooled(layers[l - 2].spec.filters,
                                                  layers[l - 2].spec.pooling.maps);
    const std::size_t required = RequiredMapCount(spec.connectivity, spec.channels);
    if (required > 0 && spec.filters != required) {
      if (layers[l - 1].filtersGiven)
        throw UsageError(LayerOption(l, "filters") + " must be " + std::to_string(required) +
                         " for singles-and-doubles connectivity over " +
                         std::to_string(spec.channels) + " input maps (" +
                         std::to_string(spec.channels) + " + " +
                         std::to_string(required - spec.channels) + "), not " +
                         std::to_string(spec.filters) + "; or leave it out");
      spec.filters = required;
    }
    if (spec.connectivity == ConnectivityType::RandomDoubles && spec.channels < 2)
      throw UsageError(LayerOption(l, "connectivity") + " random-doubles needs at least 2 input "
                       "maps; layer " + std::to_string(l) + " has " + std::to_string(spec.channels));
  }
  std::vector<LayerSpec> specs;
  for (const LayerSettings& layer : layers) specs.push_back(layer.spec);
  AsUsageError([&] { ValidateArchitecture(specs); });
  try {
    LayerShapes(specs, rows, cols, boundary);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(e.what()) + "; choose smaller filters or less pooling");
  }
  if (!record) return;
  cli.Resolve("layers", std::to_string(layers.size()));
  for (std::size_t l = 1; l <= layers.size(); ++l) {
    const LayerSettings& layer = layers[l - 1];
    cli.Resolve(LayerKey(l, "filters"), std::to_string(layer.spec.filters));
    cli.Resolve(LayerKey(l, "filter-size"), ToString(layer.size));
    cli.Resolve(LayerKey(l, "lambda"), FullNumber(layer.spec.lambda));
    cli.Resolve(LayerKey(l, "iterations"), std::to_string(layer.iterations));
    cli.Resolve(LayerKey(l, "connectivity"), ToString(layer.spec.connectivity));
    cli.Resolve(LayerKey(l, "pooling"), ToString(layer.spec.pooling));
    cli.Resolve(LayerKey(l, "inference"), ToString(layer.spec.inference));
  }
}

//! Reads --init, layer 1's initial filters: its shape must agree with layer 1's filter count
//! and size when they were given, and otherwise sets them (in `s`, `layer` and run.ini).
FilterBank<double> ReadInit(CommandLine& cli, Settings& s, LayerSettings& layer,
                            std::size_t channels) {
  const std::string init = cli.Get<std::string>("init");
  FilterBank<double> initial = ReadFilterBank("--init", init);
  const FilterSize size{initial.Rows(), initial.Cols()};
  const bool countGiven = cli.Given("filters") || layer.filtersGiven;
  const bool sizeGiven = cli.Given("filter-size") || cli.Has(LayerKey(1, "filter-size"));
  const std::string countOption = layer.filtersGiven ? LayerOption(1, "filters") : "--filters";
  const std::string sizeOption =
      cli.Has(LayerKey(1, "filter-size")) ? LayerOption(1, "filter-size") : "--filter-size";
  if (countGiven && layer.spec.filters != initial.filters)
    throw UsageError("--init " + init + " holds " + std::to_string(initial.filters) +
                     " filters but " + countOption + " is " + std::to_string(layer.spec.filters));
  if (sizeGiven && (layer.size.rows != size.rows || layer.size.cols != size.cols))
    throw UsageError("--init " + init + " holds " + ToString(size) + " filters but " + sizeOption +
                     " is " + ToString(layer.size));
  if (initial.channels != channels)
    throw std::runtime_error("--init " + init + " has " + std::to_string(initial.channels) +
                             " channel(s) but the images have " + std::to_string(channels) +
                             (initial.channels == 3 && !s.colour ? " (use --colour?)" : ""));
  if (s.learning.dictionary.zeroMean && size.rows * size.cols == 1)
    throw UsageError("--zero-mean needs filters larger than 1x1 (--init " + init +
                     " holds 1x1 filters)");
  layer.spec.filters = initial.filters;
  layer.spec.filterRows = size.rows;
  layer.spec.filterCols = size.cols;
  layer.size = size;
  layer.filtersGiven = true;
  s.filters = initial.filters;
  s.size = size;
  cli.Resolve("filters", std::to_string(s.filters));
  return initial;
}

ModelManifest Manifest(const Settings& s, std::size_t channels) {
  ModelManifest m;
  m.precision = s.precision;
  m.boundary = s.learning.boundary;
  m.lambda = s.learning.lambda;
  m.solver = s.learning.solver;
  m.iterations = kInferenceIterations;
  m.tolerance = kInferenceTolerance;
  m.preprocess = s.preprocess;
  m.colour = s.colour;
  m.zeroMean = s.learning.dictionary.zeroMean;
  m.filters = s.filters;
  m.channels = channels;
  m.filterRows = s.size.rows;
  m.filterCols = s.size.cols;
  m.seed = s.seed;
  return m;
}

//! The output files of a run of `depth` layers.
std::vector<std::string> Outputs(std::size_t depth) {
  if (depth == 1) return {"dictionary.npy", "model/", "history.csv", "filters.png", "run.ini"};
  std::vector<std::string> outputs = {"dictionary.npy", "model/", "history.csv", "run.ini"};
  for (std::size_t l = 1; l <= depth; ++l) {
    if (l > 1) outputs.push_back(NetworkArrayName(l));
    outputs.push_back(NetworkMontageName(l));
  }
  return outputs;
}

//! A checksum of the training data as the learner sees it (shapes, and values in T): a resumed
//! run refuses inputs that changed since its checkpoint.
template <typename T>
std::string SignalsChecksum(const std::vector<Image<T>>& signals) {
  std::uint64_t sum = kChecksumStart;
  for (const Image<T>& signal : signals) {
    const std::uint64_t shape[3] = {signal.n_rows, signal.n_cols, signal.n_slices};
    sum = Checksum(shape, sizeof shape, sum);
    sum = Checksum(signal.memptr(), signal.n_elem * sizeof(T), sum);
  }
  return ChecksumText(sum);
}

//! The last record of a run restored from a checkpoint that has nothing left to do.
IterationRecord RecordOf(std::size_t iteration, const std::map<std::string, std::string>& info) {
  IterationRecord record;
  record.iteration = iteration;
  const auto objective = info.find("objective");
  if (objective != info.end()) record.objective = std::strtod(objective->second.c_str(), nullptr);
  return record;
}

//! Refuses to resume from `restored` when the training data's checksum differs from its.
template <typename T>
void CheckSameSignals(const Checkpoint<T>& restored, const std::string& signalsChecksum) {
  const auto saved = restored.info.find("signals");
  const std::string savedChecksum = saved == restored.info.end() ? "" : saved->second;
  if (savedChecksum != signalsChecksum)
    throw std::runtime_error("the training images differ from those of the interrupted run "
                             "(their checksum is " +
                             signalsChecksum + ", the checkpoint's " + savedChecksum +
                             "); --resume needs the same inputs");
}

//! Completes `c` (kind, layer, iteration and state set by the caller) with what every checkpoint
//! of a run carries -- the signals' checksum, the last objective, run.ini and history.csv -- and
//! writes it into `directory`; on success `lastCheckpoint` names it. A failed write throws
//! std::runtime_error naming the last complete checkpoint, which is left as it was.
template <typename T>
void WriteRunCheckpoint(const std::string& directory, Checkpoint<T>& c, const History& history,
                        const CommandLine& cli, const std::string& signalsChecksum,
                        std::string& lastCheckpoint) {
  c.info["signals"] = signalsChecksum;
  if (!history.Empty()) c.info["objective"] = FullNumber(history.Last().objective);
  c.files["run.ini"] = cli.ResolvedConfig();
  c.files["history.csv"] = history.Csv();
  try {
    lastCheckpoint = WriteCheckpoint(directory, c);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        std::string("cannot write a checkpoint: ") + e.what() +
        (lastCheckpoint.empty() ? "" : "; the last complete one is " + lastCheckpoint));
  }
}

//! Trains a network of several layers greedily, layer by layer, with checkpoints (kind
//! "network-learning", Checkpoint::layer the layer in training, 1-based) and stops on SIGINT or
//! SIGTERM as the single-layer run does; on resuming (`resumed` not null) continues from the
//! newest checkpoint. Writes the outputs into `directory` unless a signal stopped the run; the
//! per-layer objectives go to `summary`, where the run stands to `position`.
template <typename T>
IterationRecord LearnNetwork(const CommandLine& cli, const Settings& s,
                             const std::vector<LayerSettings>& layers,
                             const FilterBank<double>* initial, std::vector<Image<T>> signals,
                             OutputDirectory& directory, std::size_t channels,
                             const ResumedRun* resumed, const Console& console,
                             std::string& lastCheckpoint, std::string& position,
                             std::string& summary) {
  const bool zeroMean = s.learning.dictionary.zeroMean;
  Network<T> network;
  network.boundary = s.learning.boundary;
  for (const LayerSettings& layer : layers) network.layers.push_back(layer.spec);
  network.MakeTables();
  for (std::size_t l = 1; l <= s.depth; ++l)
    network.filters.push_back(InitialLayerFilters<T>(network.layers[l - 1], network.tables[l - 1],
                                                     s.seed + (l - 1), zeroMean));
  if (initial) {
    const std::string init = "--init " + cli.Get<std::string>("init");
    FilterBank<T> start = Convert<T>(*initial, init);
    ProjectFilters(start, zeroMean, network.tables[0].Table());
    if (!arma::any(arma::vectorise(start.data)))
      throw std::runtime_error(init + ": every filter is zero after projection onto the "
                                      "constraints" +
                               (zeroMean ? " (--zero-mean makes constant filters zero)" : ""));
    network.filters[0] = start;
  }
  const std::string signalsChecksum = SignalsChecksum(signals);
  Checkpoint<T> restored;
  if (resumed) {
    restored = ReadCheckpoint<T>(resumed->checkpoint);
    if (restored.kind != "network-learning" || restored.layer < 1 || restored.layer > s.depth)
      throw std::runtime_error(resumed->checkpoint +
                               " is not a checkpoint of this dn-learn network");
    CheckSameSignals(restored, signalsChecksum);
    for (const std::string& key : resumed->changed)
      for (std::size_t l = 1; l < restored.layer; ++l)
        if (key == LayerKey(l, "iterations"))
          throw UsageError(LayerOption(l, "iterations") + " cannot change: layer " +
                           std::to_string(l) + " is trained already");
    const std::size_t total = layers[restored.layer - 1].iterations;
    if (restored.iteration > total)
      throw UsageError(LayerOption(restored.layer, "iterations") + " " + std::to_string(total) +
                       " is fewer than the " + std::to_string(restored.iteration) + " layer " +
                       std::to_string(restored.layer) + " has done");
  }
  NetworkTrainingOptions options;
  options.common = s.learning;
  for (const LayerSettings& layer : layers) options.iterations.push_back(layer.iterations);
  console.Info("planning FFTs");
  NetworkTrainer<T> trainer(options, std::move(network), std::move(signals));

  const std::string checkpoints = CheckpointDirectory(s.out);
  std::size_t savedLayer = 0, savedIteration = 0;
  std::function<void()> save;
  History history(s.checkpoints, [&save] { save(); });
  save = [&]() {
    // Always with a layer in training: at its start, during it and at its end.
    const std::size_t layer = trainer.LayersTrained() + 1, iteration = trainer.CurrentIteration();
    if (!lastCheckpoint.empty() && layer == savedLayer && iteration == savedIteration) return;
    Checkpoint<T> c;
    c.kind = "network-learning";
    c.layer = layer;
    c.iteration = iteration;
    c.state = trainer.SaveState();
    WriteRunCheckpoint(checkpoints, c, history, cli, signalsChecksum, lastCheckpoint);
    savedLayer = layer;
    savedIteration = iteration;
    console.Info("wrote checkpoint " + lastCheckpoint);
  };
  if (resumed) {
    try {
      trainer.RestoreState(restored.state);
    } catch (const std::exception& e) {
      throw std::runtime_error(resumed->checkpoint + " does not fit the run: " + e.what());
    }
    history.SetEarlierRows(restored.files["history.csv"]);
    lastCheckpoint = resumed->checkpoint;
    savedLayer = restored.layer;
    savedIteration = restored.iteration;
  }

  // From the first checkpoint on, a SIGINT or SIGTERM stops after the current iteration.
  if (!resumed) RemoveOldCheckpoints(s.out);
  InstallStopHandlers();
  while (!trainer.Done()) {
    if (!trainer.LayerLearner() && !trainer.PixelLearner()) trainer.StartLayer();
    const std::size_t l = trainer.LayersTrained() + 1, total = layers[l - 1].iterations;
    ProgressReporter progress(cli.Program() + " layer " + std::to_string(l), total, std::cerr,
                              StderrIsTerminal());
    history.Report(&progress);
    history.Checkpoint();  // the layer's start (a no-op when just restored)
    if (StopSignal() == 0) {
      try {
        trainer.RunLayer(&history);
      } catch (const DivergenceError& e) {
        throw std::runtime_error("layer " + std::to_string(l) + ": " + e.what() +
                                 "; the last good checkpoint is " + lastCheckpoint);
      }
    }
    progress.Finish();
    history.Report(nullptr);
    history.Checkpoint();  // the layer's end, or where a signal stopped the run
    position = "layer " + std::to_string(l) + " iteration " +
               std::to_string(trainer.CurrentIteration()) + " of " + std::to_string(total);
    if (StopSignal() != 0) return history.Empty() ? IterationRecord() : history.Last();
    trainer.FinishLayer();
  }

  const Network<T>& trained = trainer.Result();
  WriteNpy(directory.File("dictionary.npy"), trained.filters[0]);
  SaveModel(directory.File("model"), Manifest(s, channels), trained.template Cast<double>());
  WriteTextFileAtomically(directory.File("history.csv"), history.Csv());
  for (std::size_t l = 1; l <= s.depth; ++l) {
    if (l > 1) WriteNpy(directory.File(NetworkArrayName(l)), trained.filters[l - 1]);
    WritePng(directory.File(NetworkMontageName(l)), LayerFilterMontage(trained, l));
  }
  for (std::size_t l = 1; l <= s.depth; ++l) {
    const auto span = history.Span(l);
    char line[128];
    std::snprintf(line, sizeof line, "layer %zu objective %.10g -> %.10g\n", l,
                  span.first.objective, span.second.objective);
    summary += line;
  }
  return history.Empty() ? RecordOf(restored.iteration, restored.info) : history.Last();
}

int Learn(int argc, const char* const argv[]) {
  const std::unique_ptr<CommandLine> given = MakeCommandLine();
  if (!given->Parse(argc, argv)) return kExitSuccess;
  const bool resuming = given->Has("resume");
  ResumedRun resumed;
  if (resuming) resumed = PrepareResume(*given, MakeCommandLine);
  CommandLine& cli = resuming ? *resumed.cli : *given;
  const Console console(cli.Program(), cli.Flag("verbose"));
  Settings s = ReadSettings(cli);
  std::vector<LayerSettings> layers = ReadLayers(cli, s);
  bool layerKeys = cli.Has("layers");
  for (std::size_t l = 1; l <= kMaxLayers; ++l)
    for (const char* key : kLayerKeys) layerKeys = layerKeys || cli.Has(LayerKey(l, key));
  if (!resuming) RefuseUsedOutput(s.out, s.checkpoints.force);
  const int threads = ConfigureThreads(cli.Threads());
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);
  cli.Resolve("threads", std::to_string(threads));  // replays use the same count
  if (resuming && threads != resumed.threads)
    console.Warning("resuming with " + std::to_string(threads) + " threads instead of the run's " +
                    std::to_string(resumed.threads) +
                    ": the result will differ in the last bits from an uninterrupted run's");
  if (resuming && s.depth > 1 &&
      std::find(resumed.changed.begin(), resumed.changed.end(), "iterations") !=
          resumed.changed.end())
    throw UsageError("--iterations does not change the layers of a network on resuming (their "
                     "counts are the run's layerN.iterations); give --layerN.iterations");
  for (const std::string& key : resumed.changed)
    console.Info("--" + key + " " + cli.ValueOf(key) + " replaces the interrupted run's value");

  std::vector<Image<double>> images = ReadInputImages(s.inputs, s.colour);
  if (CropToCommonSize(images))
    console.Warning("the training images differ in size; all were centre-cropped to " +
                    std::to_string(images.front().n_rows) + "x" +
                    std::to_string(images.front().n_cols));
  const arma::uword rows = images.front().n_rows, cols = images.front().n_cols;
  const std::size_t channels = images.front().n_slices;
  // A resumed run takes its filters from the checkpoint (and its shape from run.ini).
  const bool fromFile = cli.Has("init") && !resuming;
  const FilterBank<double> initial =
      fromFile ? ReadInit(cli, s, layers.front(), channels) : FilterBank<double>();
  cli.Resolve("filter-size", ToString(s.size));
  if (s.size.rows > rows || s.size.cols > cols)
    throw UsageError("the filters (" + ToString(s.size) + ") are larger than the images (" +
                     std::to_string(rows) + "x" + std::to_string(cols) +
                     "); choose a smaller --filter-size");
  ResolveLayers(cli, layers, channels, rows, cols, s.learning.boundary, layerKeys);

  std::vector<Image<double>> signals;
  for (const Image<double>& image : images)
    signals.push_back(Preprocess(image, s.preprocess).signal);
  images.clear();
  std::string architecture;
  for (const LayerSettings& layer : layers)
    architecture += (architecture.empty() ? "" : ", then ") + std::to_string(layer.spec.filters) +
                    " filters of " + ToString(layer.size);
  console.Info(std::to_string(signals.size()) + " images of " + std::to_string(rows) + "x" +
               std::to_string(cols) + "x" + std::to_string(channels) + ", " + architecture + ", " +
               ToString(s.precision) + " precision, " + std::to_string(threads) + " threads, seed " +
               std::to_string(s.seed));

  RemoveStaleStaging(s.out);  // left by killed runs (this one's is made next)
  OutputDirectory directory(s.out, Outputs(s.depth));
  const std::string checkpoints = CheckpointDirectory(s.out);
  const std::size_t total = s.learning.iterations;
  std::string lastCheckpoint;  // the newest complete checkpoint of this run
  std::string layerSummary;  // per-layer objectives of a network, for stdout
  std::string position;      // where a signal stopped the run
  const IterationRecord last = WithPrecision(s.precision, [&](auto tag) {
    using T = decltype(tag);
    std::vector<Image<T>> typed;
    for (std::size_t i = 0; i < signals.size(); ++i)
      typed.push_back(Convert<T>(signals[i], "preprocessed training image " +
                                                 std::to_string(i + 1) + " of " +
                                                 std::to_string(signals.size())));
    if (s.depth > 1)
      return LearnNetwork<T>(cli, s, layers, fromFile ? &initial : nullptr, std::move(typed),
                             directory, channels, resuming ? &resumed : nullptr, console,
                             lastCheckpoint, position, layerSummary);
    const std::string signalsChecksum = SignalsChecksum(typed);
    const bool zeroMean = s.learning.dictionary.zeroMean;
    const std::string init = fromFile ? "--init " + cli.Get<std::string>("init") : "";
    FilterBank<T> start = fromFile ? Convert<T>(initial, init)
                                   : RandomFilters<T>(s.filters, channels, s.size.rows, s.size.cols,
                                                      s.seed, zeroMean);
    if (fromFile) {
      ProjectFilters(start, zeroMean);
      if (!arma::any(arma::vectorise(start.data)))
        throw std::runtime_error(init +
                                 ": every filter is zero after projection onto the "
                                 "constraints" +
                                 (zeroMean ? " (--zero-mean makes constant filters zero)" : ""));
    }
    Checkpoint<T> restored;
    if (resuming) {
      restored = ReadCheckpoint<T>(resumed.checkpoint);
      if (restored.kind != "dictionary-learning" || restored.layer != 0)
        throw std::runtime_error(resumed.checkpoint + " is not a checkpoint of dn-learn");
      CheckSameSignals(restored, signalsChecksum);
      if (restored.iteration > total)
        throw UsageError("--iterations " + std::to_string(total) + " is fewer than the " +
                         std::to_string(restored.iteration) + " the run has done");
    }
    LearningOptions options = s.learning;
    options.iterations = std::max<std::size_t>(1, total - restored.iteration);
    console.Info("planning FFTs");
    DictionaryLearner<T> learner(options, std::move(typed), start);
    ProgressReporter progress(cli.Program(), total, std::cerr, StderrIsTerminal());
    std::size_t savedIteration = 0;
    std::function<void()> save;
    History history(s.checkpoints, [&save] { save(); });
    history.Report(&progress);
    save = [&]() {
      if (!lastCheckpoint.empty() && learner.Iteration() == savedIteration) return;
      Checkpoint<T> c;
      c.iteration = learner.Iteration();
      c.state = learner.SaveState();
      WriteRunCheckpoint(checkpoints, c, history, cli, signalsChecksum, lastCheckpoint);
      savedIteration = c.iteration;
      console.Info("wrote checkpoint " + lastCheckpoint);
    };
    IterationRecord result = RecordOf(restored.iteration, restored.info);
    if (resuming) {
      try {
        learner.RestoreState(restored.state);
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(resumed.checkpoint + " does not fit the run: " + e.what());
      }
      history.SetEarlierRows(restored.files["history.csv"]);
      lastCheckpoint = resumed.checkpoint;
      savedIteration = restored.iteration;
    }

    // From the first checkpoint on, a SIGINT or SIGTERM stops after the current iteration.
    if (!resuming) RemoveOldCheckpoints(s.out);
    InstallStopHandlers();
    history.Checkpoint();  // the start (a no-op when resuming)
    if (restored.iteration < total && StopSignal() == 0) {
      try {
        result = learner.Run(&history);
      } catch (const DivergenceError& e) {
        throw std::runtime_error(std::string(e.what()) + "; the last good checkpoint is " +
                                 lastCheckpoint);
      }
    }
    progress.Finish();
    history.Checkpoint();  // the end, or where a signal stopped the run
    position = "iteration " + std::to_string(learner.Iteration()) + " of " + std::to_string(total);
    if (StopSignal() != 0) return result;

    const FilterBank<T>& dictionary = learner.Dictionary();
    WriteNpy(directory.File("dictionary.npy"), dictionary);
    SaveModel(directory.File("model"), Manifest(s, channels), dictionary.template Cast<double>());
    WriteTextFileAtomically(directory.File("history.csv"), history.Csv());
    WritePng(directory.File("filters.png"), FilterMontage(dictionary));
    return result;
  });
  if (!wisdom.empty()) SaveWisdom(wisdom);
  if (const int signal = StopSignal(); signal != 0) {
    std::cerr << cli.Program() << ": stopped by " << SignalName(signal) << " after " << position
              << "; checkpoint " << lastCheckpoint
              << "; resume with: " << ResumeCommand(argv[0], s.out) << std::endl;
    return 128 + signal;
  }
  cli.WriteResolvedConfig(directory.File("run.ini"));
  directory.Commit();

  std::string written;
  for (const std::string& name : Outputs(s.depth))
    written += (written.empty() ? "" : ", ") + name;
  std::printf("wrote %s to %s\n", written.c_str(), s.out.c_str());
  std::printf("%s", layerSummary.c_str());
  std::printf("objective %.10g\n", last.objective);
  return kExitSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
  return RunMain("dn-learn", [&] { return Learn(argc, argv); });
}
