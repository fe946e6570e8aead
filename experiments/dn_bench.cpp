// dn-bench: measures how fast the library is on this machine (docs/executables/dn-bench.md).
// The benchmarks are in lib/bench; this is their command line, output files and printing.
#include <iostream>
#include <string>
#include <vector>

#include "bench/benchmarks.hpp"
#include "cli/child_process.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/list_options.hpp"
#include "cli/output_directory.hpp"
#include "core/atomic_file.hpp"
#include "core/threads.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

void DeclareOptions(CommandLine& cli) {
  const CodingBenchmarkOptions coding;
  const LearningBenchmarkOptions learning;
  const ScalingOptions scaling;
  AddValue(cli, "out", "DIR",
           "output directory (required; created if missing, files in it are replaced)");
  AddText(cli, "run", JoinList(kBenchmarks), "LIST",
          "benchmarks to run, comma-separated: coding, fft, synthesis, learning, scaling");
  AddCount(cli, "repeats", coding.repeats, "N",
           "repetitions of every timed run; the fastest counts");
  cli.AddThreads();
  cli.AddPlanner();

  AddValue(
      cli, "coding-image", "PATH",
      "coding, fft and synthesis: the image, a .npy array (H, W) or an image file (grey), used as given (no "
      "preprocessing)");
  AddValue(cli, "coding-dictionary", "D.npy", "coding, fft and synthesis: the filter bank (K, h, w)");
  AddReal(cli, "coding-lambda", coding.lambda, "L", "coding: weight of the l1 penalty");
  AddText(cli, "coding-boundary", ToString(coding.boundary), "B",
          "coding, fft and synthesis: valid or circular");
  AddText(cli, "coding-solvers", JoinList(coding.solvers), "LIST",
          "coding and fft: solvers to time (ista, fista, admm, cd)");
  AddText(cli, "coding-precisions", JoinList(coding.precisions), "LIST",
          "coding, fft and synthesis: single, double or both");
  AddCount(cli, "coding-iterations", coding.iterations, "N",
           "coding: the most iterations of one run (a run stops at 0.01% of the reference)");
  cli.Add()("coding-reference", po::value<double>()->value_name("F"),
            "coding: the optimal objective; without it, a long run in double precision finds it");
  AddCount(cli, "coding-reference-iterations", coding.referenceIterations, "N",
           "coding: iterations of that long run (fista, and admm when circular)");
  AddCount(cli, "fft-iterations", coding.fftIterations, "N",
           "fft: solver iterations, and passes of the 2K transforms, timed per repetition; "
           "synthesis: syntheses of each way per repetition");
  AddText(cli, "synthesis-densities", JoinList(coding.synthesisDensities), "LIST",
          "synthesis: densities of the random maps, each in (0, 1]");
  cli.Add()("learning-images", po::value<std::vector<std::string>>()->value_name("PATH"),
            "learning: training images, as dn-learn's inputs (repeat the option), used as given");
  AddValue(cli, "learning-init", "D.npy",
           "learning: initial filters (K, h, w), as dn-learn --init; default: random");
  AddCount(cli, "learning-filters", learning.filters, "K",
           "learning: number of random initial filters (without --learning-init)");
  AddCount(cli, "learning-filter-size", learning.filterSize, "S",
           "learning: size S x S of random initial filters (without --learning-init)");
  AddCount(cli, "learning-seed", learning.seed, "N", "learning: seed of random initial filters");
  AddReal(cli, "learning-lambda", learning.learning.lambda, "L",
          "learning: weight of the l1 penalty");
  AddCount(cli, "learning-iterations", learning.learning.iterations, "N",
           "learning: outer iterations");
  cli.Add()("learning-target", po::value<double>()->value_name("F"),
            "learning: the objective whose time to reach is reported");
  AddText(cli, "learning-solver", learning.learning.solver, "S", "learning: as dn-learn --solver");
  AddCount(cli, "learning-coding-iterations", learning.learning.codingIterations, "N",
           "learning: as dn-learn --coding-iterations");
  AddText(cli, "learning-dictionary-method", learning.learning.dictionary.method, "M",
          "learning: as dn-learn --dictionary-method");
  AddCount(cli, "learning-dictionary-iterations", learning.learning.dictionary.iterations, "N",
           "learning: as dn-learn --dictionary-iterations");
  cli.Add()("learning-zero-mean", OnOff(), "learning: as dn-learn --zero-mean");
  AddText(cli, "learning-boundary", ToString(learning.learning.boundary), "B",
          "learning: as dn-learn --boundary");
  AddText(cli, "learning-learner", learning.learner, "L",
          "learning: batch, online or both (both needs --learning-test)");
  AddCount(cli, "learning-batch-size", learning.learning.online.batchSize, "B",
           "learning: online learner's images per iteration, as dn-learn --batch-size");
  AddText(cli, "learning-update", learning.learning.online.update, "U",
          "learning: online learner's update, surrogate or sgd, as dn-learn --update");
  AddValue(cli, "learning-test", "PATH",
           "learning: held-out images; every iteration's record gets their mean objective");
  AddCount(cli, "learning-test-iterations", learning.testIterations, "N",
           "learning: solver iterations per held-out image, as dn-learn --test-iterations");
  AddText(cli, "learning-precision", ToString(learning.precision), "P",
          "learning: as dn-learn --precision");
  AddValue(
      cli, "scaling-image", "PATH",
      "scaling: an image (grey) or .npy array (H, W); each case centre-crops or mirror-pads it "
      "to N x N and applies the highpass");
  AddValue(cli, "scaling-dictionary", "D.npy",
           "scaling: filters (K, h, w) of which the first K of each case are used; default: random "
           "12 x 12 filters");
  AddText(cli, "scaling-sizes", JoinList(scaling.sizes), "LIST",
          "scaling: image sizes N (N x N pixels)");
  AddText(cli, "scaling-filters", JoinList(scaling.filters), "LIST", "scaling: filter counts K");
  AddText(cli, "scaling-precisions", JoinList(scaling.precisions), "LIST",
          "scaling: single, double or both");
  AddText(cli, "scaling-solver", scaling.solver, "S", "scaling: the solver timed");
  AddCount(cli, "scaling-iterations", scaling.iterations, "N",
           "scaling: iterations timed per repetition");
  AddReal(cli, "scaling-lambda", scaling.lambda, "L", "scaling: weight of the l1 penalty");
  AddReal(cli, "scaling-highpass-lambda", scaling.highpassLambda, "L",
          "scaling: highpass weight applied to each case's image");
  AddValue(cli, "scaling-case", "N,K,P",
           "internal: measure one scaling case (or 'baseline') in this process and print it; the "
           "scaling benchmark runs each case so in a child process");
  cli.MarkPaths({"out", "coding-image", "coding-dictionary", "learning-images", "learning-init",
                 "learning-test", "scaling-image", "scaling-dictionary"});
}

//! The validated options of a run.
struct Settings : BenchOptions {
  std::string out;
};

Settings ReadSettings(const CommandLine& cli) {
  Settings s;
  if (!cli.Has("scaling-case")) {  // a scaling case (child process) writes nothing
    cli.Require("out");
    s.out = cli.Get<std::string>("out");
  }
  for (const std::string& name : SplitList(cli.Get<std::string>("run"))) s.run.insert(name);
  const std::size_t repeats = cli.Positive("repeats");
  const PlannerEffort effort = cli.Planner();
  cli.Threads();

  if (s.RunsCodingProblem()) {
    cli.Require("coding-image");
    cli.Require("coding-dictionary");
    s.codingImage = cli.Get<std::string>("coding-image");
    s.codingDictionary = cli.Get<std::string>("coding-dictionary");
    CodingBenchmarkOptions& c = s.coding;
    c.lambda = cli.NonNegativeReal("coding-lambda");
    c.boundary = BoundaryOption(cli, "coding-boundary");
    c.solvers.clear();
    for (const std::string& solver : SplitList(cli.Get<std::string>("coding-solvers")))
      c.solvers.push_back(SolverOption("coding-solvers", solver, c.boundary));
    c.precisions = PrecisionList(cli, "coding-precisions");
    c.iterations = cli.Positive("coding-iterations");
    c.referenceIterations = cli.Positive("coding-reference-iterations");
    if (cli.Has("coding-reference")) c.reference = cli.Get<double>("coding-reference");
    c.fftIterations = cli.Positive("fft-iterations");
    c.synthesisDensities = FractionList(cli, "synthesis-densities");
    c.repeats = repeats;
    c.effort = effort;
  }
  if (s.Runs("learning")) {
    cli.Require("learning-images");
    LearningBenchmarkOptions& b = s.learning;
    b.images = cli.Get<std::vector<std::string>>("learning-images");
    if (cli.Has("learning-init")) b.init = cli.Get<std::string>("learning-init");
    b.filters = cli.Positive("learning-filters");
    b.filterSize = cli.Positive("learning-filter-size");
    b.seed = cli.Seed("learning-seed");
    LearningOptions& l = b.learning;
    l.lambda = cli.NonNegativeReal("learning-lambda");
    l.iterations = cli.Positive("learning-iterations");
    l.boundary = BoundaryOption(cli, "learning-boundary");
    l.solver = SolverOption("learning-solver", cli.Get<std::string>("learning-solver"), l.boundary);
    l.codingIterations = cli.Positive("learning-coding-iterations");
    l.dictionary.method = cli.Get<std::string>("learning-dictionary-method");
    l.dictionary.iterations = cli.Positive("learning-dictionary-iterations");
    l.dictionary.zeroMean = cli.Flag("learning-zero-mean");
    l.effort = effort;
    b.learner = cli.Get<std::string>("learning-learner");
    l.online.batchSize = cli.Positive("learning-batch-size");
    l.online.update = cli.Get<std::string>("learning-update");
    AsUsageError([&] { l.Validate(); });
    if (cli.Has("learning-test")) b.test = cli.Get<std::string>("learning-test");
    b.testIterations = cli.Positive("learning-test-iterations");
    if (cli.Has("learning-target")) b.target = cli.Get<double>("learning-target");
    const std::string precision = cli.Get<std::string>("learning-precision");
    if (precision != "single" && precision != "double")
      throw UsageError("--learning-precision must be single or double, not '" + precision + "'");
    b.precision = ParsePrecision(precision);
    b.repeats = repeats;
    AsUsageError([&] { b.Validate(); });  // the learner, the test set
  }
  if (s.Runs("scaling") || cli.Has("scaling-case")) {
    ScalingOptions& c = s.scaling;
    if (!cli.Has("scaling-case") || cli.Get<std::string>("scaling-case") != "baseline")
      cli.Require("scaling-image");
    if (cli.Has("scaling-image")) c.image = cli.Get<std::string>("scaling-image");
    if (cli.Has("scaling-dictionary")) c.dictionary = cli.Get<std::string>("scaling-dictionary");
    c.sizes = PositiveList(cli, "scaling-sizes");
    c.filters = PositiveList(cli, "scaling-filters");
    c.precisions = PrecisionList(cli, "scaling-precisions");
    c.solver =
        SolverOption("scaling-solver", cli.Get<std::string>("scaling-solver"), Boundary::Circular);
    c.iterations = cli.Positive("scaling-iterations");
    c.lambda = cli.NonNegativeReal("scaling-lambda");
    c.highpassLambda = cli.PositiveReal("scaling-highpass-lambda");
    c.repeats = repeats;
    c.effort = effort;
  }
  AsUsageError([&] { s.Validate(); });
  return s;
}

//! The child's side of the scaling benchmark: one case, printed as "key value" lines.
int RunScalingCase(const CommandLine& cli) {
  const Settings s = ReadSettings(cli);
  ConfigureThreads(cli.Threads());
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);
  ScalingCase which;
  AsUsageError([&] { which = ScalingCase::Parse(cli.Get<std::string>("scaling-case")); });
  std::cout << MeasureScalingCase(s.scaling, which).Text() << std::flush;
  if (!wisdom.empty() && !which.baseline) SaveWisdom(wisdom);
  return kExitSuccess;
}

//! Measures a scaling case by running this program as a child process on it.
ScalingMeasurement MeasureInChild(const CommandLine& cli, const Settings& s,
                                  const ScalingCase& which, const Console& console) {
  if (!which.baseline) console.Info("scaling case " + which.Name());
  std::vector<std::string> args = {"--scaling-case", which.Name(), "--run",
                                   "scaling",        "--threads",  std::to_string(ThreadCount())};
  for (const char* key : {"planner", "repeats", "scaling-solver", "scaling-iterations",
                          "scaling-lambda", "scaling-highpass-lambda"})
    args.insert(args.end(), {std::string("--") + key, cli.ValueOf(key)});
  args.insert(args.end(), {"--scaling-image", s.scaling.image});
  if (!s.scaling.dictionary.empty())
    args.insert(args.end(), {"--scaling-dictionary", s.scaling.dictionary});
  if (!cli.Wisdom().empty()) args.insert(args.end(), {"--fftw-wisdom", cli.Wisdom()});
  const ChildResult child = RunChild(SelfExecutable(), args);
  if (child.status != 0)
    throw std::runtime_error("the scaling case " + which.Name() + " failed (exit status " +
                             std::to_string(child.status) + ")");
  return ScalingMeasurement::Parse(child.output, which.baseline);
}

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

  const std::vector<std::string> outputs = s.OutputNames();
  OutputDirectory directory(s.out, outputs);
  const BenchInputs inputs = ReadBenchInputs(s);  // before anything is printed or measured
  if (inputs.learning.cropped)
    console.Warning("the training images differ in size; all were centre-cropped");

  BenchOutput output;
  output.print = [](const std::string& text) { std::cout << text; };
  output.info = [&](const std::string& text) { console.Info(text); };
  output.write = [&](const std::string& name, const std::string& text) {
    WriteTextFileAtomically(directory.File(name), text);
  };
  output.measureScalingCase = [&](const ScalingCase& which) {
    return MeasureInChild(cli, s, which, console);
  };
  output.write("results.json", RunBenchmarks(s, inputs, output, threads, cli.ValueOf("planner"),
                                             cli.Positive("repeats")));
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
