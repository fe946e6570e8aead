// dn-learn: learns a convolutional dictionary from images (docs/executables/dn-learn.md).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/inputs.hpp"
#include "cli/output_directory.hpp"
#include "cli/precision.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "core/threads.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"
#include "learning/dictionary_learning.hpp"
#include "preprocess/preprocess.hpp"
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
            "output directory (required; created if missing, files in it are replaced)")(
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
  cli.AddInputs(
      "training images: image files, directories of images, or .npy arrays (H, W) or "
      "(N, H, W); with --colour also (C, H, W) or (N, C, H, W) (positional)",
      -1);
  cli.MarkPaths({"out", "init"});
}

//! Records every outer iteration and drives the progress report.
class History : public LearningObserver {
public:
  explicit History(ProgressReporter& progress) : progress_(progress) {}
  bool Observe(const LearningRecord& r) override {
    records_.push_back(r);
    progress_.Update(r.iteration, r.seconds, r.objective, r.density);
    return false;
  }
  //! history.csv: one row per outer iteration; seconds count learning only.
  std::string Csv() const {
    std::string text = "iteration,seconds,objective,fidelity,l1,density,rejected_steps\n";
    for (const LearningRecord& r : records_) {
      char row[256];
      std::snprintf(row, sizeof row, "%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%zu\n", r.iteration,
                    r.seconds, r.objective, r.fidelity, r.l1, r.density, r.rejectedSteps);
      text += row;
    }
    return text;
  }

private:
  ProgressReporter& progress_;
  std::vector<LearningRecord> records_;
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
  std::string precision;
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
  s.precision = cli.Precision();
  return s;
}

//! Reads --init: its shape must agree with --filters and --filter-size when they were given,
//! and otherwise sets them (in `s` and in run.ini).
FilterBank<double> ReadInit(CommandLine& cli, Settings& s, std::size_t channels) {
  const std::string init = cli.Get<std::string>("init");
  FilterBank<double> initial = ReadFilterBank("--init", init);
  const FilterSize size{initial.Rows(), initial.Cols()};
  if (cli.Given("filters") && s.filters != initial.filters)
    throw UsageError("--init " + init + " holds " + std::to_string(initial.filters) +
                     " filters but --filters is " + std::to_string(s.filters));
  if (cli.Given("filter-size") && (s.size.rows != size.rows || s.size.cols != size.cols))
    throw UsageError("--init " + init + " holds " + ToString(size) +
                     " filters but --filter-size is " + ToString(s.size));
  if (initial.channels != channels)
    throw std::runtime_error("--init " + init + " has " + std::to_string(initial.channels) +
                             " channel(s) but the images have " + std::to_string(channels) +
                             (initial.channels == 3 && !s.colour ? " (use --colour?)" : ""));
  if (s.learning.dictionary.zeroMean && size.rows * size.cols == 1)
    throw UsageError("--zero-mean needs filters larger than 1x1 (--init " + init +
                     " holds 1x1 filters)");
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

int Learn(int argc, const char* const argv[]) {
  CommandLine cli("dn-learn", "[options] --out DIR INPUT...",
                  "Learns a convolutional dictionary from images: alternates sparse coding of "
                  "every image with a dictionary update under ||d_k|| <= 1. Writes "
                  "dictionary.npy, model/, history.csv, filters.png and run.ini into --out.");
  DeclareOptions(cli);
  if (!cli.Parse(argc, argv)) return kExitSuccess;
  const Console console(cli.Program(), cli.Flag("verbose"));
  Settings s = ReadSettings(cli);
  const int threads = ConfigureThreads(cli.Threads());
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);
  cli.Resolve("threads", std::to_string(threads));  // replays use the same count

  std::vector<Image<double>> images = ReadInputImages(s.inputs, s.colour);
  if (CropToCommonSize(images))
    console.Warning("the training images differ in size; all were centre-cropped to " +
                    std::to_string(images.front().n_rows) + "x" +
                    std::to_string(images.front().n_cols));
  const arma::uword rows = images.front().n_rows, cols = images.front().n_cols;
  const std::size_t channels = images.front().n_slices;
  const bool fromFile = cli.Has("init");
  const FilterBank<double> initial = fromFile ? ReadInit(cli, s, channels) : FilterBank<double>();
  cli.Resolve("filter-size", ToString(s.size));
  if (s.size.rows > rows || s.size.cols > cols)
    throw UsageError("the filters (" + ToString(s.size) + ") are larger than the images (" +
                     std::to_string(rows) + "x" + std::to_string(cols) +
                     "); choose a smaller --filter-size");

  std::vector<Image<double>> signals;
  for (const Image<double>& image : images)
    signals.push_back(Preprocess(image, s.preprocess).signal);
  images.clear();
  console.Info(std::to_string(signals.size()) + " images of " + std::to_string(rows) + "x" +
               std::to_string(cols) + "x" + std::to_string(channels) + ", " +
               std::to_string(s.filters) + " filters of " + ToString(s.size) + ", " + s.precision +
               " precision, " + std::to_string(threads) + " threads, seed " +
               std::to_string(s.seed));

  OutputDirectory directory(s.out,
                            {"dictionary.npy", "model/", "history.csv", "filters.png", "run.ini"});
  const LearningRecord last = WithPrecision(s.precision, [&](auto tag) {
    using T = decltype(tag);
    std::vector<Image<T>> typed;
    for (std::size_t i = 0; i < signals.size(); ++i)
      typed.push_back(Convert<T>(signals[i], "preprocessed training image " +
                                                 std::to_string(i + 1) + " of " +
                                                 std::to_string(signals.size())));
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
    console.Info("planning FFTs");
    DictionaryLearner<T> learner(s.learning, std::move(typed), start);
    ProgressReporter progress(cli.Program(), s.learning.iterations, std::cerr, StderrIsTerminal());
    History history(progress);
    const LearningRecord result = learner.Run(&history);
    progress.Finish();

    const FilterBank<T>& dictionary = learner.Dictionary();
    WriteNpy(directory.File("dictionary.npy"), dictionary);
    SaveModel(directory.File("model"), Manifest(s, channels), dictionary.template Cast<double>());
    WriteTextFileAtomically(directory.File("history.csv"), history.Csv());
    WritePng(directory.File("filters.png"), FilterMontage(dictionary));
    return result;
  });
  if (!wisdom.empty()) SaveWisdom(wisdom);
  cli.WriteResolvedConfig(directory.File("run.ini"));
  directory.Commit();

  std::printf("wrote dictionary.npy, model/, history.csv, filters.png and run.ini to %s\n",
              s.out.c_str());
  std::printf("objective %.10g\n", last.objective);
  return kExitSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
  return RunMain("dn-learn", [&] { return Learn(argc, argv); });
}
