// dn-bench: measures how fast the library is on this machine (docs/executables/dn-bench.md).
#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/child_process.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "io/image_set.hpp"
#include "serialize/json.hpp"
#include "cli/output_directory.hpp"
#include "core/precision.hpp"
#include "core/atomic_file.hpp"
#include "core/memory.hpp"
#include "core/threads.hpp"
#include "dictionary/dictionary.hpp"
#include "fft/fft_timing.hpp"
#include "learning/dictionary_learning.hpp"
#include "preprocess/preprocess.hpp"
#include "solvers/csc_solver.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
//! Relative distances to the reference objective that the coding benchmark times.
constexpr double kTargets[] = {1e-2, 1e-3, 1e-4};
const char* const kTargetNames[] = {"1%", "0.1%", "0.01%"};
constexpr std::size_t kTargetCount = 3;
const char* const kBenchmarks[] = {"coding", "fft", "learning", "scaling"};

//! "a,b,c" -> {a, b, c}, empty items dropped.
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

//! best = min(best, value), where a NaN best means none yet.
void KeepSmaller(double& best, double value) {
  if (std::isnan(best) || value < best) best = value;
}

std::string Fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

//! Seconds (or any positive quantity) to 3 significant digits, "-" when not measured.
std::string Short(double value) {
  if (!std::isfinite(value)) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string General(double value, int digits = 10) {
  if (!std::isfinite(value)) return "";
  char text[48];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

//! A text table with right-aligned columns.
class Table {
public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Text() const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_)
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    std::string out;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      for (std::size_t c = 0; c < rows_[r].size(); ++c)
        out += (c ? "  " : "") + std::string(width[c] - rows_[r][c].size(), ' ') + rows_[r][c];
      out += "\n";
      if (r == 0) {
        for (std::size_t c = 0; c < width.size(); ++c)
          out += (c ? "  " : "") + std::string(width[c], '-');
        out += "\n";
      }
    }
    return out;
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

void DeclareOptions(CommandLine& cli) {
  const LearningOptions learning;
  cli.Add()("out", po::value<std::string>()->value_name("DIR"),
            "output directory (required; created if missing, files in it are replaced)")(
      "run",
      po::value<std::string>()->default_value("coding,fft,learning,scaling")->value_name("LIST"),
      "benchmarks to run, comma-separated: coding, fft, learning, scaling")(
      "repeats", po::value<long long>()->default_value(3)->value_name("N"),
      "repetitions of every timed run; the fastest counts");
  cli.AddThreads();
  cli.AddPlanner();

  cli.Add()("coding-image", po::value<std::string>()->value_name("PATH"),
            "coding and fft: the image, a .npy array (H, W) or an image file (grey), used as "
            "given (no preprocessing)")("coding-dictionary",
                                        po::value<std::string>()->value_name("D.npy"),
                                        "coding and fft: the filter bank (K, h, w)")(
      "coding-lambda", po::value<double>()->default_value(0.05, "0.05")->value_name("L"),
      "coding: weight of the l1 penalty")(
      "coding-boundary", po::value<std::string>()->default_value("circular")->value_name("B"),
      "coding and fft: valid or circular")(
      "coding-solvers", po::value<std::string>()->default_value("fista,admm")->value_name("LIST"),
      "coding and fft: solvers to time (ista, fista, admm)")(
      "coding-precisions", po::value<std::string>()->default_value("single")->value_name("LIST"),
      "coding and fft: single, double or both")(
      "coding-iterations", po::value<long long>()->default_value(1000)->value_name("N"),
      "coding: the most iterations of one run (a run stops at 0.01% of the reference)")(
      "coding-reference", po::value<double>()->value_name("F"),
      "coding: the optimal objective; without it, a long run in double precision finds it")(
      "coding-reference-iterations", po::value<long long>()->default_value(2000)->value_name("N"),
      "coding: iterations of that long run (fista, and admm when circular)");
  cli.Add()("fft-iterations", po::value<long long>()->default_value(50)->value_name("N"),
            "fft: solver iterations, and passes of the 2K transforms, timed per repetition");
  cli.Add()("learning-images", po::value<std::vector<std::string>>()->value_name("PATH"),
            "learning: training images, as dn-learn's inputs (repeat the option), used as given")(
      "learning-init", po::value<std::string>()->value_name("D.npy"),
      "learning: initial filters (K, h, w), as dn-learn --init; default: random")(
      "learning-filters", po::value<long long>()->default_value(64)->value_name("K"),
      "learning: number of random initial filters (without --learning-init)")(
      "learning-filter-size", po::value<long long>()->default_value(8)->value_name("S"),
      "learning: size S x S of random initial filters (without --learning-init)")(
      "learning-seed", po::value<long long>()->default_value(1)->value_name("N"),
      "learning: seed of random initial filters")(
      "learning-lambda", po::value<double>()->default_value(0.2, "0.2")->value_name("L"),
      "learning: weight of the l1 penalty")(
      "learning-iterations", po::value<long long>()->default_value(200)->value_name("N"),
      "learning: outer iterations")("learning-target", po::value<double>()->value_name("F"),
                                    "learning: the objective whose time to reach is reported")(
      "learning-solver", po::value<std::string>()->default_value(learning.solver)->value_name("S"),
      "learning: as dn-learn --solver")(
      "learning-coding-iterations",
      po::value<long long>()
          ->default_value(static_cast<long long>(learning.codingIterations))
          ->value_name("N"),
      "learning: as dn-learn --coding-iterations")(
      "learning-dictionary-method",
      po::value<std::string>()->default_value(learning.dictionary.method)->value_name("M"),
      "learning: as dn-learn --dictionary-method")(
      "learning-dictionary-iterations",
      po::value<long long>()
          ->default_value(static_cast<long long>(learning.dictionary.iterations))
          ->value_name("N"),
      "learning: as dn-learn --dictionary-iterations")("learning-zero-mean", OnOff(),
                                                       "learning: as dn-learn --zero-mean")(
      "learning-boundary", po::value<std::string>()->default_value("circular")->value_name("B"),
      "learning: as dn-learn --boundary")(
      "learning-precision", po::value<std::string>()->default_value("single")->value_name("P"),
      "learning: as dn-learn --precision");
  cli.Add()("scaling-image", po::value<std::string>()->value_name("PATH"),
            "scaling: an image (grey) or .npy array (H, W); each case centre-crops or "
            "mirror-pads it to N x N and applies the highpass")(
      "scaling-dictionary", po::value<std::string>()->value_name("D.npy"),
      "scaling: filters (K, h, w) of which the first K of each case are used; default: random "
      "12 x 12 filters")(
      "scaling-sizes",
      po::value<std::string>()->default_value("128,256,512,1024")->value_name("LIST"),
      "scaling: image sizes N (N x N pixels)")(
      "scaling-filters",
      po::value<std::string>()->default_value("16,32,64,128")->value_name("LIST"),
      "scaling: filter counts K")(
      "scaling-precisions",
      po::value<std::string>()->default_value("single,double")->value_name("LIST"),
      "scaling: single, double or both")(
      "scaling-solver", po::value<std::string>()->default_value("fista")->value_name("S"),
      "scaling: the solver timed")("scaling-iterations",
                                   po::value<long long>()->default_value(10)->value_name("N"),
                                   "scaling: iterations timed per repetition")(
      "scaling-lambda", po::value<double>()->default_value(0.05, "0.05")->value_name("L"),
      "scaling: weight of the l1 penalty")(
      "scaling-highpass-lambda", po::value<double>()->default_value(10.0, "10")->value_name("L"),
      "scaling: highpass weight applied to each case's image")(
      "scaling-case", po::value<std::string>()->value_name("N,K,P"),
      "internal: measure one scaling case (or 'baseline') in this process and print it; the "
      "scaling benchmark runs each case so in a child process");
  cli.MarkPaths({"out", "coding-image", "coding-dictionary", "learning-images", "learning-init",
                 "scaling-image", "scaling-dictionary"});
}

//! The validated options of a run.
struct Settings {
  std::string out;
  std::set<std::string> run;
  std::size_t repeats = 1;
  PlannerEffort effort = PlannerEffort::Estimate;
  // coding and fft
  std::string codingImage, codingDictionary;
  double codingLambda = 0;
  Boundary codingBoundary = Boundary::Circular;
  std::vector<std::string> codingSolvers, codingPrecisions;
  std::size_t codingIterations = 0, referenceIterations = 0;
  double reference = kNaN;  //!< NaN: find it by a long run
  std::size_t fftIterations = 0;
  // learning
  std::vector<std::string> learningImages;
  std::string learningInit;
  std::size_t learningFilters = 0, learningFilterSize = 0;
  std::uint64_t learningSeed = 0;
  LearningOptions learning;
  double learningTarget = kNaN;
  std::string learningPrecision;
  // scaling
  std::string scalingImage, scalingDictionary;
  std::vector<std::size_t> scalingSizes, scalingFilters;
  std::vector<std::string> scalingPrecisions;
  std::string scalingSolver;
  std::size_t scalingIterations = 0;
  double scalingLambda = 0, scalingHighpassLambda = 0;
};

std::vector<std::string> Precisions(const CommandLine& cli, const std::string& key) {
  const std::vector<std::string> list = SplitList(cli.Get<std::string>(key));
  if (list.empty()) throw UsageError("--" + key + " is empty");
  for (const std::string& p : list)
    if (p != "single" && p != "double")
      throw UsageError("--" + key + " must list single and/or double, not '" + p + "'");
  return list;
}

std::vector<std::size_t> PositiveList(const CommandLine& cli, const std::string& key) {
  std::vector<std::size_t> values;
  for (const std::string& item : SplitList(cli.Get<std::string>(key))) {
    if (item.size() > 9 || item.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(item) == 0)
      throw UsageError("--" + key + " must list positive integers, not '" + item + "'");
    values.push_back(std::stoul(item));
  }
  if (values.empty()) throw UsageError("--" + key + " is empty");
  return values;
}

Boundary BoundaryOption(const CommandLine& cli, const std::string& key) {
  const std::string value = cli.Get<std::string>(key);
  if (value != "valid" && value != "circular")
    throw UsageError("--" + key + " must be valid or circular, not '" + value + "'");
  return ParseBoundary(value);
}

std::string SolverOption(const std::string& key, const std::string& value, Boundary boundary) {
  AsUsageError([&] {
    try {
      CheckSolverSupports(value, boundary);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--" + key + ": " + e.what());
    }
  });
  return value;
}

Settings ReadSettings(const CommandLine& cli) {
  Settings s;
  if (!cli.Has("scaling-case")) {  // a scaling case (child process) writes nothing
    cli.Require("out");
    s.out = cli.Get<std::string>("out");
  }
  for (const std::string& name : SplitList(cli.Get<std::string>("run"))) {
    if (std::find(std::begin(kBenchmarks), std::end(kBenchmarks), name) == std::end(kBenchmarks))
      throw UsageError("--run must list coding, fft, learning and/or scaling, not '" + name + "'");
    s.run.insert(name);
  }
  if (s.run.empty()) throw UsageError("--run is empty");
  s.repeats = cli.Positive("repeats");
  s.effort = cli.Planner();
  cli.Threads();

  if (s.run.count("coding") || s.run.count("fft")) {
    cli.Require("coding-image");
    cli.Require("coding-dictionary");
    s.codingImage = cli.Get<std::string>("coding-image");
    s.codingDictionary = cli.Get<std::string>("coding-dictionary");
    s.codingLambda = cli.NonNegativeReal("coding-lambda");
    s.codingBoundary = BoundaryOption(cli, "coding-boundary");
    for (const std::string& solver : SplitList(cli.Get<std::string>("coding-solvers")))
      s.codingSolvers.push_back(SolverOption("coding-solvers", solver, s.codingBoundary));
    if (s.codingSolvers.empty()) throw UsageError("--coding-solvers is empty");
    s.codingPrecisions = Precisions(cli, "coding-precisions");
    s.codingIterations = cli.Positive("coding-iterations");
    s.referenceIterations = cli.Positive("coding-reference-iterations");
    if (cli.Has("coding-reference")) {
      s.reference = cli.Get<double>("coding-reference");
      if (!(s.reference > 0) || !std::isfinite(s.reference))
        throw UsageError("--coding-reference must be positive and finite");
    }
    s.fftIterations = cli.Positive("fft-iterations");
  }
  if (s.run.count("learning")) {
    cli.Require("learning-images");
    s.learningImages = cli.Get<std::vector<std::string>>("learning-images");
    if (cli.Has("learning-init")) s.learningInit = cli.Get<std::string>("learning-init");
    s.learningFilters = cli.Positive("learning-filters");
    s.learningFilterSize = cli.Positive("learning-filter-size");
    s.learningSeed = cli.Seed("learning-seed");
    LearningOptions& l = s.learning;
    l.lambda = cli.NonNegativeReal("learning-lambda");
    l.iterations = cli.Positive("learning-iterations");
    l.boundary = BoundaryOption(cli, "learning-boundary");
    l.solver = SolverOption("learning-solver", cli.Get<std::string>("learning-solver"), l.boundary);
    l.codingIterations = cli.Positive("learning-coding-iterations");
    l.dictionary.method = cli.Get<std::string>("learning-dictionary-method");
    l.dictionary.iterations = cli.Positive("learning-dictionary-iterations");
    l.dictionary.zeroMean = cli.Flag("learning-zero-mean");
    l.effort = s.effort;
    AsUsageError([&] { l.Validate(); });
    if (cli.Has("learning-target")) {
      s.learningTarget = cli.Get<double>("learning-target");
      if (!std::isfinite(s.learningTarget)) throw UsageError("--learning-target must be finite");
    }
    s.learningPrecision = cli.Get<std::string>("learning-precision");
    if (s.learningPrecision != "single" && s.learningPrecision != "double")
      throw UsageError("--learning-precision must be single or double, not '" +
                       s.learningPrecision + "'");
  }
  if (s.run.count("scaling") || cli.Has("scaling-case")) {
    if (!cli.Has("scaling-case") || cli.Get<std::string>("scaling-case") != "baseline")
      cli.Require("scaling-image");
    if (cli.Has("scaling-image")) s.scalingImage = cli.Get<std::string>("scaling-image");
    if (cli.Has("scaling-dictionary"))
      s.scalingDictionary = cli.Get<std::string>("scaling-dictionary");
    s.scalingSizes = PositiveList(cli, "scaling-sizes");
    s.scalingFilters = PositiveList(cli, "scaling-filters");
    s.scalingPrecisions = Precisions(cli, "scaling-precisions");
    s.scalingSolver =
        SolverOption("scaling-solver", cli.Get<std::string>("scaling-solver"), Boundary::Circular);
    s.scalingIterations = cli.Positive("scaling-iterations");
    s.scalingLambda = cli.NonNegativeReal("scaling-lambda");
    s.scalingHighpassLambda = cli.PositiveReal("scaling-highpass-lambda");
  }
  return s;
}

//! Load average over the last minute, from /proc/loadavg (NaN where unavailable).
double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = kNaN;
  in >> load;
  return load;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Sparse coding: objective against time, time to reach each target.

//! Stops a solver once its objective is within the tightest target of the reference.
class TargetStop : public Observer {
public:
  explicit TargetStop(double objective) : objective_(objective) {}
  bool Observe(const IterationRecord& record) override { return record.objective <= objective_; }

private:
  double objective_;
};

struct CodingRun {
  std::string solver, precision;
  std::size_t iterations = 0;                        //!< of the kept repetition
  double secondsPerIteration = kNaN;                 //!< fastest repetition
  double timeTo[kTargetCount] = {kNaN, kNaN, kNaN};  //!< fastest repetition reaching each target
  std::size_t iterationsTo[kTargetCount] = {0, 0, 0};
  double finalObjective = kNaN;
  std::vector<IterationRecord> history;  //!< of the repetition fastest to its last record
};

struct CodingProblem {
  Image<double> signal;
  FilterBank<double> filters;
};

CodingProblem ReadCodingProblem(const Settings& s) {
  CodingProblem p;
  p.signal = ReadInputImage(s.codingImage, false);
  p.filters = ReadFilterBank("--coding-dictionary", s.codingDictionary);
  if (p.filters.channels != 1)
    throw std::runtime_error("--coding-dictionary " + s.codingDictionary +
                             " has colour filters; dn-bench codes grey images");
  if (p.filters.Rows() > p.signal.n_rows || p.filters.Cols() > p.signal.n_cols)
    throw std::runtime_error("the filters of --coding-dictionary are larger than --coding-image");
  return p;
}

//! The optimal objective from long runs in double precision.
double FindReference(const Settings& s, const CodingProblem& p, const Console& console) {
  console.Info("finding the reference objective: " + std::to_string(s.referenceIterations) +
               " iterations in double precision");
  const ConvOperator<double> op(p.filters, p.signal.n_rows, p.signal.n_cols, s.codingBoundary,
                                s.effort);
  double best = std::numeric_limits<double>::infinity();
  std::vector<std::string> solvers = {"fista"};
  if (s.codingBoundary == Boundary::Circular) solvers.push_back("admm");
  for (const std::string& name : solvers) {
    const auto solver = MakeCscSolver<double>(name);
    solver->Reset(op, p.signal, s.codingLambda);
    RecordKeeper keeper;
    SolveOptions options;
    options.maxIterations = s.referenceIterations;
    solver->Solve(options, &keeper);
    for (const IterationRecord& r : keeper.records) best = std::min(best, r.objective);
  }
  return best;
}

template <typename T>
std::vector<CodingRun> TimeCoding(const Settings& s, const CodingProblem& p, double reference,
                                  const std::string& precision) {
  const Image<T> signal = Convert<T>(p.signal, "--coding-image");
  const FilterBank<T> filters = Convert<T>(p.filters, "--coding-dictionary");
  const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, s.codingBoundary, s.effort);
  std::vector<CodingRun> runs;
  for (const std::string& name : s.codingSolvers) {
    CodingRun run;
    run.solver = name;
    run.precision = precision;
    double fastestEnd = std::numeric_limits<double>::infinity();
    for (std::size_t repeat = 0; repeat < s.repeats; ++repeat) {
      const auto solver = MakeCscSolver<T>(name);
      solver->Reset(op, signal, s.codingLambda);
      RecordKeeper keeper;
      TargetStop stop(reference * (1.0 + kTargets[kTargetCount - 1]));
      ObserverList observers;
      observers.Add(&keeper);
      observers.Add(&stop);
      SolveOptions options;
      options.maxIterations = s.codingIterations;
      solver->Solve(options, &observers);
      const auto& records = keeper.records;
      KeepSmaller(run.secondsPerIteration,
                  records.back().seconds / static_cast<double>(records.size()));
      for (std::size_t t = 0; t < kTargetCount; ++t)
        for (const IterationRecord& r : records)
          if ((r.objective - reference) / reference <= kTargets[t]) {
            KeepSmaller(run.timeTo[t], r.seconds);
            run.iterationsTo[t] = r.iteration;
            break;
          }
      if (records.back().seconds < fastestEnd) {
        fastestEnd = records.back().seconds;
        run.history = records;
        run.iterations = records.size();
        run.finalObjective = records.back().objective;
      }
    }
    runs.push_back(run);
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// The FFT bound: the transforms of one iteration alone, against each solver's iteration.

struct FftRow {
  std::string precision, solver;
  arma::uword gridRows = 0, gridCols = 0, filters = 0;
  double boundSeconds = kNaN, secondsPerIteration = kNaN;
};

template <typename T>
std::vector<FftRow> TimeFftBound(const Settings& s, const CodingProblem& p,
                                 const std::string& precision) {
  const Image<T> signal = Convert<T>(p.signal, "--coding-image");
  const FilterBank<T> filters = Convert<T>(p.filters, "--coding-dictionary");
  const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, s.codingBoundary, s.effort);
  const std::size_t K = filters.filters;
  std::vector<FftRow> rows;
  for (const std::string& name : s.codingSolvers) {
    FftRow row;
    row.precision = precision;
    row.solver = name;
    row.gridRows = op.GridRows();
    row.gridCols = op.GridCols();
    row.filters = K;
    rows.push_back(row);
  }
  // Interleaved repetitions, each a block of --fft-iterations solver iterations or transform
  // passes, the fastest block of each counting: a passing disturbance of the machine then
  // affects the bound and the solvers alike.
  double bound = kNaN;
  for (std::size_t repeat = 0; repeat < s.repeats; ++repeat) {
    KeepSmaller(bound, TransformPassSeconds(op.Fft(), K, s.fftIterations, 1));
    for (FftRow& row : rows) {
      const auto solver = MakeCscSolver<T>(row.solver);
      solver->Reset(op, signal, s.codingLambda);
      SolveOptions options;
      options.maxIterations = s.fftIterations;
      const SolveReport report = solver->Solve(options);
      KeepSmaller(row.secondsPerIteration, report.seconds / static_cast<double>(report.iterations));
    }
  }
  for (FftRow& row : rows) row.boundSeconds = bound;
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Dictionary learning: objective against time, time to reach a target.

struct LearningRun {
  std::vector<IterationRecord> history;  //!< of the repetition fastest to its end
  double timeToTarget = kNaN;           //!< fastest repetition
  std::size_t iterationsToTarget = 0;
  std::size_t images = 0;
  arma::uword rows = 0, cols = 0;
};

template <typename T>
LearningRun TimeLearning(const Settings& s, const std::vector<Image<double>>& images,
                         const FilterBank<double>& initial) {
  std::vector<Image<T>> signals;
  for (std::size_t i = 0; i < images.size(); ++i)
    signals.push_back(Convert<T>(images[i], "training image " + std::to_string(i + 1)));
  const FilterBank<T> start = Convert<T>(initial, "the initial filters");
  LearningRun run;
  run.images = images.size();
  run.rows = images.front().n_rows;
  run.cols = images.front().n_cols;
  double fastestEnd = std::numeric_limits<double>::infinity();
  for (std::size_t repeat = 0; repeat < s.repeats; ++repeat) {
    DictionaryLearner<T> learner(s.learning, signals, start);
    RecordKeeper keeper;
    learner.Run(&keeper);
    for (const IterationRecord& r : keeper.records)
      if (r.objective <= s.learningTarget) {
        KeepSmaller(run.timeToTarget, r.seconds);
        run.iterationsToTarget = r.iteration;
        break;
      }
    if (keeper.records.back().seconds < fastestEnd) {
      fastestEnd = keeper.records.back().seconds;
      run.history = keeper.records;
    }
  }
  return run;
}

//! The dn-learn command that runs the same learning (the inputs as given to dn-bench).
std::string EquivalentLearnCommand(const Settings& s, const FilterBank<double>& initial) {
  const LearningOptions& l = s.learning;
  std::string command =
      "dn-learn --filters " + std::to_string(initial.filters) + " --filter-size " +
      std::to_string(initial.Rows()) + "x" + std::to_string(initial.Cols()) + " --lambda " +
      FullNumber(l.lambda) + " --iterations " + std::to_string(l.iterations) + " --boundary " +
      ToString(l.boundary) + " --preprocess none --solver " + l.solver + " --coding-iterations " +
      std::to_string(l.codingIterations) + " --dictionary-method " + l.dictionary.method +
      " --dictionary-iterations " + std::to_string(l.dictionary.iterations) +
      (l.dictionary.zeroMean ? " --zero-mean" : "") + " --precision " + s.learningPrecision;
  command += s.learningInit.empty() ? " --seed " + std::to_string(s.learningSeed)
                                    : " --init " + s.learningInit;
  command += " --threads " + std::to_string(ThreadCount()) + " --out OUT";
  for (const std::string& input : s.learningImages) command += " " + input;
  return command;
}

// ---------------------------------------------------------------------------------------------
// Scaling: each case in a child process, so that its peak memory is its own.

struct ScalingRow {
  std::size_t size = 0, filters = 0;
  std::string precision;
  double secondsPerIteration = kNaN, boundSeconds = kNaN;
  double peakBytes = kNaN, mapBytes = kNaN;
};

//! The case's image: the centre N x N crop of `image`, mirror-padded at the bottom and right
//! where the image is smaller (numpy 'symmetric'), then highpass filtered.
Image<double> ScalingImage(const Image<double>& image, std::size_t size, double highpassLambda) {
  const auto axis = [size](arma::uword n, arma::uword i) {
    // Source index of output index i: centre crop when n >= size, else mirror beyond the end.
    if (n >= size) return (n - size) / 2 + i;
    arma::uword j = i % (2 * n);
    return j < n ? j : 2 * n - 1 - j;
  };
  Image<double> out(size, size, 1);
  for (arma::uword x = 0; x < size; ++x)
    for (arma::uword y = 0; y < size; ++y)
      out(y, x, 0) = image(axis(image.n_rows, y), axis(image.n_cols, x), 0);
  PreprocessOptions highpass;
  highpass.method = PreprocessMethod::Highpass;
  highpass.highpassLambda = highpassLambda;
  return Preprocess(out, highpass).signal;
}

template <typename T>
void MeasureScalingCase(const Settings& s, std::size_t size, std::size_t K) {
  const Image<double> image = ReadInputImage(s.scalingImage, false);
  const Image<T> signal =
      Convert<T>(ScalingImage(image, size, s.scalingHighpassLambda), "the scaling image");
  FilterBank<double> all = s.scalingDictionary.empty()
                               ? RandomFilters<double>(K, 1, 12, 12, 1, false)
                               : ReadFilterBank("--scaling-dictionary", s.scalingDictionary);
  if (all.filters < K)
    throw std::runtime_error("--scaling-dictionary holds " + std::to_string(all.filters) +
                             " filters, fewer than " + std::to_string(K));
  if (all.channels != 1) throw std::runtime_error("--scaling-dictionary has colour filters");
  FilterBank<T> filters(K, 1, all.Rows(), all.Cols());
  filters.data = arma::conv_to<arma::Cube<T>>::from(all.data.slices(0, K - 1));
  double perIteration = std::numeric_limits<double>::infinity(), bound;
  {
    const ConvOperator<T> op(filters, size, size, Boundary::Circular, s.effort);
    for (std::size_t repeat = 0; repeat < s.repeats; ++repeat) {
      const auto solver = MakeCscSolver<T>(s.scalingSolver);
      solver->Reset(op, signal, s.scalingLambda);
      SolveOptions options;
      options.maxIterations = s.scalingIterations;
      const SolveReport report = solver->Solve(options);
      perIteration = std::min(perIteration, report.seconds / double(report.iterations));
    }
    std::printf("peak_bytes %zu\n", PeakResidentBytes());  // before the bound's own arrays
    bound = TransformPassSeconds(op.Fft(), K, s.scalingIterations, s.repeats);
  }
  std::printf("seconds_per_iteration %.9g\nbound_seconds %.9g\n", perIteration, bound);
}

//! The child's side: one case, printed as "key value" lines.
int RunScalingCase(const CommandLine& cli) {
  const Settings s = ReadSettings(cli);
  ConfigureThreads(cli.Threads());
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);
  const std::string what = cli.Get<std::string>("scaling-case");
  if (what == "baseline") {
    std::printf("peak_bytes %zu\n", PeakResidentBytes());
    return kExitSuccess;
  }
  const std::vector<std::string> parts = SplitList(what);
  if (parts.size() != 3 || (parts[2] != "single" && parts[2] != "double") ||
      parts[0].find_first_not_of("0123456789") != std::string::npos ||
      parts[1].find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--scaling-case must be N,K,single|double or baseline, not '" + what + "'");
  const std::size_t size = std::stoul(parts[0]), K = std::stoul(parts[1]);
  WithPrecision(ParsePrecision(parts[2]), [&](auto tag) { MeasureScalingCase<decltype(tag)>(s, size, K); });
  if (!wisdom.empty()) SaveWisdom(wisdom);
  return kExitSuccess;
}

//! Parses the child's "key value" lines.
double Field(const std::string& output, const std::string& key) {
  std::istringstream lines(output);
  std::string name;
  double value;
  while (lines >> name >> value)
    if (name == key) return value;
  throw std::runtime_error("a scaling case printed no " + key + " (output: '" + output + "')");
}

//! The child's command line for one case, from the validated settings of this run.
std::vector<std::string> ChildArguments(const Settings& s, const std::string& planner,
                                        const std::string& wisdom,
                                        const std::string& scalingCase) {
  std::vector<std::string> args = {"--scaling-case",
                                   scalingCase,
                                   "--run",
                                   "scaling",
                                   "--threads",
                                   std::to_string(ThreadCount()),
                                   "--planner",
                                   planner,
                                   "--repeats",
                                   std::to_string(s.repeats),
                                   "--scaling-solver",
                                   s.scalingSolver,
                                   "--scaling-iterations",
                                   std::to_string(s.scalingIterations),
                                   "--scaling-lambda",
                                   FullNumber(s.scalingLambda),
                                   "--scaling-highpass-lambda",
                                   FullNumber(s.scalingHighpassLambda),
                                   "--scaling-image",
                                   s.scalingImage};
  if (!s.scalingDictionary.empty())
    args.insert(args.end(), {"--scaling-dictionary", s.scalingDictionary});
  if (!wisdom.empty()) args.insert(args.end(), {"--fftw-wisdom", wisdom});
  return args;
}

std::vector<ScalingRow> TimeScaling(const Settings& s, const std::string& planner,
                                    const std::string& wisdom, double& baselineBytes,
                                    const Console& console) {
  const std::string self = SelfExecutable();
  const auto run = [&](const std::string& scalingCase) {
    const ChildResult child = RunChild(self, ChildArguments(s, planner, wisdom, scalingCase));
    if (child.status != 0)
      throw std::runtime_error("the scaling case " + scalingCase + " failed (exit status " +
                               std::to_string(child.status) + ")");
    return child.output;
  };
  baselineBytes = Field(run("baseline"), "peak_bytes");
  std::vector<ScalingRow> rows;
  for (const std::string& precision : s.scalingPrecisions)
    for (const std::size_t size : s.scalingSizes)
      for (const std::size_t K : s.scalingFilters) {
        const std::string name = std::to_string(size) + "," + std::to_string(K) + "," + precision;
        console.Info("scaling case " + name);
        const std::string output = run(name);
        ScalingRow row;
        row.size = size;
        row.filters = K;
        row.precision = precision;
        row.secondsPerIteration = Field(output, "seconds_per_iteration");
        row.boundSeconds = Field(output, "bound_seconds");
        row.peakBytes = Field(output, "peak_bytes");
        row.mapBytes = double(K) * size * size * (precision == "single" ? 4.0 : 8.0);
        rows.push_back(row);
      }
  return rows;
}

// ---------------------------------------------------------------------------------------------

int Bench(int argc, const char* const argv[]) {
  CommandLine cli(
      "dn-bench", "[options] --out DIR",
      "Measures the library's speed on this machine. coding: objective against time for each "
      "solver and the time to reach 1%, 0.1% and 0.01% of the optimal objective; fft: the time "
      "FFTW alone takes for the 2K transforms of one sparse coding iteration (same plans, "
      "threads and pattern) against each solver's time per iteration; learning: objective "
      "against time and the time to reach a target; scaling: seconds per iteration and peak "
      "memory against image size, filter count and precision, each case in a child process. "
      "Prints the tables and writes results.json, the tables as CSV and run.ini into --out. "
      "Times exclude reading inputs and FFTW planning.");
  DeclareOptions(cli);
  if (!cli.Parse(argc, argv)) return kExitSuccess;
  if (cli.Has("scaling-case")) return RunScalingCase(cli);
  const Console console(cli.Program(), cli.Flag("verbose"));
  const Settings s = ReadSettings(cli);
  const int threads = ConfigureThreads(cli.Threads());
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);
  cli.Resolve("threads", std::to_string(threads));

  std::vector<std::string> outputs = {"results.json", "run.ini"};
  if (s.run.count("coding")) outputs.insert(outputs.end(), {"coding.csv", "coding_history.csv"});
  if (s.run.count("fft")) outputs.push_back("fft.csv");
  if (s.run.count("learning"))
    outputs.insert(outputs.end(), {"learning.csv", "learning_history.csv"});
  if (s.run.count("scaling")) outputs.push_back("scaling.csv");
  OutputDirectory directory(s.out, outputs);

  // Every input is read before anything is printed or measured.
  CodingProblem problem;
  double reference = s.reference;
  if (s.run.count("coding") || s.run.count("fft")) problem = ReadCodingProblem(s);
  std::vector<Image<double>> images;
  FilterBank<double> initial;
  if (s.run.count("learning")) {
    images = ReadInputImages(s.learningImages, false);
    if (CropToCommonSize(images))
      console.Warning("the training images differ in size; all were centre-cropped");
    if (!s.learningInit.empty()) {
      initial = ReadFilterBank("--learning-init", s.learningInit);
      if (initial.channels != 1) throw std::runtime_error("--learning-init has colour filters");
      ProjectFilters(initial, s.learning.dictionary.zeroMean);
    } else {
      initial =
          RandomFilters<double>(s.learningFilters, 1, s.learningFilterSize, s.learningFilterSize,
                                s.learningSeed, s.learning.dictionary.zeroMean);
    }
    if (initial.Rows() > images.front().n_rows || initial.Cols() > images.front().n_cols)
      throw std::runtime_error("the learning filters are larger than the training images");
  }
  if (s.run.count("scaling")) ReadInputImage(s.scalingImage, false);  // each case reads it again

  utsname host{};
  uname(&host);
  JsonObject results;
  results.Object("machine", JsonObject()
                                .String("host", host.nodename)
                                .String("cpu", CpuModel())
                                .Integer("threads", static_cast<std::uint64_t>(threads))
                                .String("planner", cli.Get<std::string>("planner"))
                                .Integer("repeats", s.repeats)
                                .Number("load_average_at_start", LoadAverage()));
  std::cout << "dn-bench: " << threads << " threads, planner " << cli.Get<std::string>("planner")
            << ", fastest of " << s.repeats << " repetitions, load average "
            << Fixed(LoadAverage(), 2) << " at the start\n";

  if (s.run.count("coding")) {
    const bool found = std::isnan(reference);
    if (found) reference = FindReference(s, problem, console);
    std::vector<CodingRun> runs;
    for (const std::string& precision : s.codingPrecisions) {
      const auto more = WithPrecision(ParsePrecision(precision), [&](auto tag) {
        return TimeCoding<decltype(tag)>(s, problem, reference, precision);
      });
      runs.insert(runs.end(), more.begin(), more.end());
    }
    std::cout << "\nSparse coding: " << problem.signal.n_rows << "x" << problem.signal.n_cols
              << " image, " << problem.filters.filters << " filters of " << problem.filters.Rows()
              << "x" << problem.filters.Cols() << ", lambda " << FullNumber(s.codingLambda) << ", "
              << ToString(s.codingBoundary) << "; reference objective " << General(reference)
              << (found ? " (found by a long run)" : " (given)") << "\n";
    Table table({"solver", "precision", "s/iteration", "to 1% (s)", "to 0.1% (s)", "to 0.01% (s)",
                 "iterations to 0.1%", "final objective"});
    std::string csv =
        "solver,precision,seconds_per_iteration,seconds_to_1%,seconds_to_0.1%,"
        "seconds_to_0.01%,iterations_to_1%,iterations_to_0.1%,iterations_to_0.01%,"
        "iterations,final_objective\n";
    std::string history = "solver,precision,iteration,seconds,objective,relative_error\n";
    std::vector<JsonObject> json;
    for (const CodingRun& r : runs) {
      table.Add({r.solver, r.precision, Short(r.secondsPerIteration), Short(r.timeTo[0]),
                 Short(r.timeTo[1]), Short(r.timeTo[2]),
                 r.iterationsTo[1] ? std::to_string(r.iterationsTo[1]) : "-",
                 General(r.finalObjective)});
      csv += r.solver + "," + r.precision + "," + General(r.secondsPerIteration);
      for (double t : r.timeTo) csv += "," + General(t);
      for (std::size_t i : r.iterationsTo) csv += "," + (i ? std::to_string(i) : std::string());
      csv += "," + std::to_string(r.iterations) + "," + General(r.finalObjective, 12) + "\n";
      for (const IterationRecord& h : r.history)
        history += r.solver + "," + r.precision + "," + std::to_string(h.iteration) + "," +
                   General(h.seconds) + "," + General(h.objective, 12) + "," +
                   General((h.objective - reference) / reference) + "\n";
      JsonObject o;
      o.String("solver", r.solver).String("precision", r.precision);
      o.Number("seconds_per_iteration", r.secondsPerIteration);
      for (std::size_t t = 0; t < kTargetCount; ++t) {
        o.Number(std::string("seconds_to_") + kTargetNames[t], r.timeTo[t]);
        o.Integer(std::string("iterations_to_") + kTargetNames[t], r.iterationsTo[t]);
      }
      o.Integer("iterations", r.iterations).Number("final_objective", r.finalObjective);
      json.push_back(o);
    }
    std::cout << table.Text();
    WriteTextFileAtomically(directory.File("coding.csv"), csv);
    WriteTextFileAtomically(directory.File("coding_history.csv"), history);
    results.Object("coding", JsonObject()
                                 .String("image", s.codingImage)
                                 .String("dictionary", s.codingDictionary)
                                 .Number("lambda", s.codingLambda)
                                 .String("boundary", ToString(s.codingBoundary))
                                 .Number("reference_objective", reference)
                                 .String("reference", found ? "long run" : "given")
                                 .Array("runs", json));
  }

  if (s.run.count("fft")) {
    std::vector<FftRow> rows;
    for (const std::string& precision : s.codingPrecisions) {
      const auto more = WithPrecision(
          ParsePrecision(precision), [&](auto tag) { return TimeFftBound<decltype(tag)>(s, problem, precision); });
      rows.insert(rows.end(), more.begin(), more.end());
    }
    std::cout << "\nFFT bound: " << rows.front().filters << " inverse and " << rows.front().filters
              << " forward real transforms of " << rows.front().gridRows << "x"
              << rows.front().gridCols << " per iteration, OpenMP across maps\n";
    Table table({"precision", "solver", "FFT bound (s)", "s/iteration", "ratio"});
    std::string csv =
        "precision,solver,grid_rows,grid_cols,transforms,bound_seconds,"
        "seconds_per_iteration,ratio\n";
    std::vector<JsonObject> json;
    for (const FftRow& r : rows) {
      const double ratio = r.secondsPerIteration / r.boundSeconds;
      table.Add({r.precision, r.solver, Short(r.boundSeconds), Short(r.secondsPerIteration),
                 Fixed(ratio, 2)});
      csv += r.precision + "," + r.solver + "," + std::to_string(r.gridRows) + "," +
             std::to_string(r.gridCols) + "," + std::to_string(2 * r.filters) + "," +
             General(r.boundSeconds) + "," + General(r.secondsPerIteration) + "," + General(ratio) +
             "\n";
      json.push_back(JsonObject()
                         .String("precision", r.precision)
                         .String("solver", r.solver)
                         .Integer("grid_rows", r.gridRows)
                         .Integer("grid_cols", r.gridCols)
                         .Integer("transforms", 2 * r.filters)
                         .Number("bound_seconds", r.boundSeconds)
                         .Number("seconds_per_iteration", r.secondsPerIteration)
                         .Number("ratio", ratio));
    }
    std::cout << table.Text();
    WriteTextFileAtomically(directory.File("fft.csv"), csv);
    results.Array("fft", json);
  }

  if (s.run.count("learning")) {
    const LearningRun run = WithPrecision(ParsePrecision(s.learningPrecision), [&](auto tag) {
      return TimeLearning<decltype(tag)>(s, images, initial);
    });
    const IterationRecord& last = run.history.back();
    const std::string command = EquivalentLearnCommand(s, initial);
    std::cout << "\nDictionary learning: " << run.images << " images of " << run.rows << "x"
              << run.cols << ", " << initial.filters << " filters of " << initial.Rows() << "x"
              << initial.Cols() << ", lambda " << FullNumber(s.learning.lambda) << "\n  as "
              << command << "\n";
    Table table({"iterations", "seconds", "s/iteration", "final objective", "target",
                 "to target (s)", "iterations to target"});
    table.Add({std::to_string(last.iteration), Short(last.seconds),
               Short(last.seconds / double(last.iteration)), General(last.objective),
               General(s.learningTarget), Short(run.timeToTarget),
               run.iterationsToTarget ? std::to_string(run.iterationsToTarget) : "-"});
    std::cout << table.Text();
    std::string csv =
        "iterations,seconds,seconds_per_iteration,final_objective,target,"
        "seconds_to_target,iterations_to_target\n";
    csv += std::to_string(last.iteration) + "," + General(last.seconds) + "," +
           General(last.seconds / double(last.iteration)) + "," + General(last.objective, 12) +
           "," + General(s.learningTarget, 12) + "," + General(run.timeToTarget) + "," +
           (run.iterationsToTarget ? std::to_string(run.iterationsToTarget) : "") + "\n";
    std::string history = "iteration,seconds,objective,fidelity,l1,density,rejected_steps\n";
    for (const IterationRecord& r : run.history)
      history += std::to_string(r.iteration) + "," + General(r.seconds) + "," +
                 General(r.objective, 12) + "," + General(r.fidelity, 12) + "," +
                 General(r.l1, 12) + "," + General(r.density) + "," +
                 std::to_string(r.rejectedSteps) + "\n";
    WriteTextFileAtomically(directory.File("learning.csv"), csv);
    WriteTextFileAtomically(directory.File("learning_history.csv"), history);
    results.Object("learning",
                   JsonObject()
                       .String("command", command)
                       .Integer("images", run.images)
                       .Integer("filters", initial.filters)
                       .Integer("iterations", last.iteration)
                       .Number("seconds", last.seconds)
                       .Number("seconds_per_iteration", last.seconds / double(last.iteration))
                       .Number("final_objective", last.objective)
                       .Number("target", s.learningTarget)
                       .Number("seconds_to_target", run.timeToTarget)
                       .Integer("iterations_to_target", run.iterationsToTarget));
  }

  if (s.run.count("scaling")) {
    double baseline = 0;
    const std::vector<ScalingRow> rows =
        TimeScaling(s, cli.Get<std::string>("planner"), wisdom, baseline, console);
    std::cout << "\nScaling: " << s.scalingSolver << ", seconds per iteration and peak resident "
              << "memory (VmHWM of a child process per case; baseline of an idle child "
              << Fixed(baseline / 1048576.0, 1) << " MiB)\n";
    Table table({"precision", "N", "K", "s/iteration", "FFT bound (s)", "ratio", "peak (MiB)",
                 "above baseline / maps"});
    std::string csv =
        "precision,size,filters,seconds_per_iteration,bound_seconds,peak_bytes,"
        "baseline_bytes,map_bytes\n";
    std::vector<JsonObject> json;
    for (const ScalingRow& r : rows) {
      table.Add({r.precision, std::to_string(r.size), std::to_string(r.filters),
                 Short(r.secondsPerIteration), Short(r.boundSeconds),
                 Fixed(r.secondsPerIteration / r.boundSeconds, 2),
                 Fixed(r.peakBytes / 1048576.0, 1),
                 Fixed((r.peakBytes - baseline) / r.mapBytes, 2)});
      csv += r.precision + "," + std::to_string(r.size) + "," + std::to_string(r.filters) + "," +
             General(r.secondsPerIteration) + "," + General(r.boundSeconds) + "," +
             General(r.peakBytes, 15) + "," + General(baseline, 15) + "," +
             General(r.mapBytes, 15) + "\n";
      json.push_back(JsonObject()
                         .String("precision", r.precision)
                         .Integer("size", r.size)
                         .Integer("filters", r.filters)
                         .Number("seconds_per_iteration", r.secondsPerIteration)
                         .Number("bound_seconds", r.boundSeconds)
                         .Number("peak_bytes", r.peakBytes)
                         .Number("map_bytes", r.mapBytes));
    }
    std::cout << "(maps = K N^2 values of the precision: the size of one set of feature maps)\n"
              << table.Text();
    WriteTextFileAtomically(directory.File("scaling.csv"), csv);
    results.Object("scaling", JsonObject()
                                  .String("solver", s.scalingSolver)
                                  .String("memory", "VmHWM of a child process per case")
                                  .Number("baseline_bytes", baseline)
                                  .Array("cases", json));
  }

  const double loadAtEnd = LoadAverage();
  results.Number("load_average_at_end", loadAtEnd);
  std::cout << "\nload average " << Fixed(loadAtEnd, 2) << " at the end\n";
  WriteTextFileAtomically(directory.File("results.json"), results.Text());
  if (!wisdom.empty()) SaveWisdom(wisdom);
  cli.WriteResolvedConfig(directory.File("run.ini"));
  directory.Commit();
  std::cout << "wrote " << outputs.size() << " files to " << s.out << "\n";
  return kExitSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
  return RunMain("dn-bench", [&] { return Bench(argc, argv); });
}
