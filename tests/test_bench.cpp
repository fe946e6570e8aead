// dn-bench's kernels (lib/bench) and the stop policies (solvers/stop_policies.hpp): policies stop
// at the right record, time-to-target detection, the CSV and case protocol of results, and tiny
// runs of each benchmark whose results hang together. No timing is asserted.
#define BOOST_TEST_MODULE bench
#include <unistd.h>

#include <filesystem>

#include "bench/benchmarks.hpp"
#include "bench/coding_benchmark.hpp"
#include "bench/learning_benchmark.hpp"
#include "bench/report.hpp"
#include "bench/scaling_benchmark.hpp"
#include "bench/time_to_target.hpp"
#include "conv/conv_operator.hpp"
#include "io/npy.hpp"
#include "solvers/csc_solver.hpp"
#include "solvers/stop_policies.hpp"
#include "test_support.hpp"

using namespace dn;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

//! Records with the given objectives, 0.1 s apart.
std::vector<IterationRecord> Records(const std::vector<double>& objectives) {
  std::vector<IterationRecord> records;
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    IterationRecord r;
    r.iteration = i + 1;
    r.seconds = 0.1 * double(i + 1);
    r.objective = objectives[i];
    records.push_back(r);
  }
  return records;
}

//! The 1-based index of the first record the observer stops at; 0 when it never does.
std::size_t StopsAt(Observer& observer, const std::vector<IterationRecord>& records) {
  for (const IterationRecord& r : records)
    if (observer.Observe(r)) return r.iteration;
  return 0;
}

//! A small coding problem: a random image and K random unit-norm filters.
CodingProblem SmallProblem(arma::uword size, arma::uword K) {
  test::Seed(7);
  CodingProblem p;
  p.signal = Image<double>(size, size, 1, arma::fill::randn);
  p.filters = test::RandomFilters<double>(K, 1, 5, 5);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(target_objective_stop_stops_at_the_first_record_reaching_it) {
  const auto records = Records({10, 5, 2, 3, 1});
  TargetObjectiveStop atTwo(2.0);
  BOOST_TEST(StopsAt(atTwo, records) == 3u);
  TargetObjectiveStop between(6.0);
  BOOST_TEST(StopsAt(between, records) == 2u);
  TargetObjectiveStop never(0.5);
  BOOST_TEST(StopsAt(never, records) == 0u);
  TargetObjectiveStop nan(kNaN);
  BOOST_TEST(StopsAt(nan, records) == 0u);
}

BOOST_AUTO_TEST_CASE(time_limit_stop_ends_with_the_iteration_that_crosses_the_limit) {
  const auto records = Records({5, 4, 3, 2, 1});  // 0.1, 0.2, ... 0.5 s
  TimeLimitStop limit(0.25);
  BOOST_TEST(StopsAt(limit, records) == 3u);
  TimeLimitStop exact(0.1);
  BOOST_TEST(StopsAt(exact, records) == 1u);
  TimeLimitStop never(std::numeric_limits<double>::infinity());
  BOOST_TEST(StopsAt(never, records) == 0u);
  BOOST_CHECK_THROW(TimeLimitStop{0.0}, std::invalid_argument);
  BOOST_CHECK_THROW(TimeLimitStop{-1.0}, std::invalid_argument);
  BOOST_CHECK_THROW(TimeLimitStop{kNaN}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_target_stop_ends_a_solver_at_the_target) {
  const CodingProblem p = SmallProblem(24, 3);
  const ConvOperator<double> op(p.filters, 24, 24, Boundary::Circular);
  SolveOptions options;
  options.maxIterations = 30;
  const auto solver = MakeCscSolver<double>("fista");
  solver->Reset(op, p.signal, 0.1);
  RecordKeeper full;
  solver->Solve(options, &full);
  const double target = full.records[9].objective;  // the objective is falling there
  BOOST_TEST_REQUIRE(full.records[8].objective > target);

  solver->Reset(op, p.signal, 0.1);
  RecordKeeper keeper;
  TargetObjectiveStop stop(target);
  ObserverList observers;
  observers.Add(&keeper);
  observers.Add(&stop);
  solver->Solve(options, &observers);
  const TargetHit hit = FirstAtOrBelow(full.records, target);
  BOOST_TEST(keeper.records.size() == hit.iteration);
  BOOST_TEST(keeper.records.back().objective <= target);
}

BOOST_AUTO_TEST_CASE(a_stop_policy_ends_a_learner_through_the_adapter) {
  test::Seed(3);
  std::vector<Image<double>> images(2, Image<double>(16, 16, 1));
  for (auto& image : images) image.randn();
  const FilterBank<double> initial = test::RandomFilters<double>(3, 1, 4, 4);
  LearningOptions options;
  options.iterations = 8;
  RecordKeeper full;
  DictionaryLearner<double>(options, images, initial).Run(&full);
  const double target = full.records[3].objective;
  const std::size_t expected = FirstAtOrBelow(full.records, target).iteration;

  TargetObjectiveStop stop(target);
  DictionaryLearner<double> learner(options, images, initial);
  const IterationRecord last = learner.Run(&stop);
  BOOST_TEST(expected <= 4u);
  BOOST_TEST(last.iteration == expected);
  BOOST_TEST(learner.Iteration() == expected);
}

BOOST_AUTO_TEST_CASE(time_to_target_is_the_first_record_reaching_it) {
  const auto records = Records({2.0, 1.05, 1.02, 1.009, 1.0005, 1.0002});
  const TargetHit one = FirstWithin(records, 1.0, 1e-2);
  BOOST_TEST(one.iteration == 4u);
  BOOST_TEST(one.seconds == records[3].seconds);
  BOOST_TEST(FirstWithin(records, 1.0, 1e-3).iteration == 5u);
  const TargetHit none = FirstWithin(records, 1.0, 1e-4);
  BOOST_TEST(none.iteration == 0u);
  BOOST_TEST(std::isnan(none.seconds));
  BOOST_TEST(FirstAtOrBelow(records, 1.05).iteration == 2u);
  BOOST_TEST(FirstAtOrBelow(records, kNaN).iteration == 0u);
  double best = kNaN;
  KeepSmaller(best, 3.0);
  KeepSmaller(best, kNaN);
  KeepSmaller(best, 2.0);
  KeepSmaller(best, 2.5);
  BOOST_TEST(best == 2.0);
}

BOOST_AUTO_TEST_CASE(csv_of_results_has_the_documented_columns) {
  CodingBenchmarkResult coding;
  coding.reference = 2.0;
  CodingRun run;
  run.solver = "fista";
  run.precision = Precision::Double;
  run.secondsPerIteration = 0.5;
  run.timeTo = {1.5, 2.5, kNaN};
  run.iterationsTo = {3, 5, 0};
  run.workTo[0].ffts = 30;
  run.workTo[0].fftFlops = 1000;
  run.workTo[1].ffts = 50;
  run.workTo[1].fftFlops = 2000;
  run.workTo[1].windowOps = 7;
  run.workTo[1].windowTaps = 70;
  run.iterations = 6;
  run.finalObjective = 2.001;
  run.history = Records({3.0, 2.001});
  coding.runs.push_back(run);
  BOOST_TEST(CodingCsv(coding) ==
             "solver,precision,seconds_per_iteration,seconds_to_1%,seconds_to_0.1%,"
             "seconds_to_0.01%,iterations_to_1%,iterations_to_0.1%,iterations_to_0.01%,"
             "ffts_to_1%,ffts_to_0.1%,ffts_to_0.01%,window_ops_to_1%,window_ops_to_0.1%,"
             "window_ops_to_0.01%,flops_to_1%,flops_to_0.1%,flops_to_0.01%,"
             "iterations,final_objective\n"
             "fista,double,0.5,1.5,2.5,,3,5,,30,50,,0,7,,1000,2140,,6,2.001\n");
  BOOST_TEST(CodingHistoryCsv(coding) ==
             "solver,precision,iteration,seconds,objective,relative_error\n"
             "fista,double,1,0.1,3,0.5\nfista,double,2,0.2,2.001,0.0005\n");
  const std::string text = CodingText(coding);
  BOOST_TEST(text.find("(found by a long run)") == std::string::npos);
  BOOST_TEST(text.find("     -  ") != std::string::npos);  // 0.01% not reached

  FftRow fft;
  fft.solver = "admm";
  fft.gridRows = 8;
  fft.gridCols = 9;
  fft.filters = 4;
  fft.boundSeconds = 0.25;
  fft.secondsPerIteration = 0.5;
  BOOST_TEST(FftCsv({fft}) ==
             "precision,solver,grid_rows,grid_cols,transforms,bound_seconds,"
             "seconds_per_iteration,ratio\nsingle,admm,8,9,8,0.25,0.5,2\n");

  ScalingResult scaling;
  scaling.baselineBytes = 1000;
  ScalingRow row;
  row.which = ScalingCase::Parse("16,2,double");
  row.measured.secondsPerIteration = 0.5;
  row.measured.boundSeconds = 0.25;
  row.measured.peakBytes = 5096;
  row.mapBytes = 4096;
  scaling.rows.push_back(row);
  BOOST_TEST(ScalingCsv(scaling) ==
             "precision,size,filters,seconds_per_iteration,bound_seconds,peak_bytes,"
             "baseline_bytes,map_bytes\ndouble,16,2,0.5,0.25,5096,1000,4096\n");
  BOOST_TEST(ScalingText(scaling).find("  1.00\n") != std::string::npos);  // above baseline / maps
}

BOOST_AUTO_TEST_CASE(scaling_cases_and_measurements_round_trip_as_text) {
  for (const std::string name : {"baseline", "128,16,single", "24,3,double"})
    BOOST_TEST(ScalingCase::Parse(name).Name() == name);
  for (const std::string bad :
       {"", "16,2", "16,2,half", "a,2,single", "16,2,single,1", "-1,2,double"})
    BOOST_CHECK_THROW(ScalingCase::Parse(bad), std::invalid_argument);

  ScalingMeasurement m;
  m.secondsPerIteration = 0.00123456789;
  m.boundSeconds = 0.000987654321;
  m.peakBytes = 123456789;
  const ScalingMeasurement back = ScalingMeasurement::Parse(m.Text(), false);
  BOOST_TEST(back.secondsPerIteration == m.secondsPerIteration);
  BOOST_TEST(back.boundSeconds == m.boundSeconds);
  BOOST_TEST(back.peakBytes == m.peakBytes);
  ScalingMeasurement baseline;
  baseline.peakBytes = 4096;
  BOOST_TEST(baseline.Text() == "peak_bytes 4096\n");
  BOOST_TEST(ScalingMeasurement::Parse(baseline.Text(), true).peakBytes == 4096);
  BOOST_CHECK_THROW(ScalingMeasurement::Parse(baseline.Text(), false), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(bench_options_name_the_outputs_and_check_the_choice) {
  const auto message = [](const BenchOptions& options) {
    try {
      options.Validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BenchOptions o;
  BOOST_TEST(message(o) == "--run is empty");
  o.run = {"fft", "learning"};
  BOOST_TEST(message(o).empty());
  BOOST_TEST(o.OutputNames() == (std::vector<std::string>{"results.json", "run.ini", "fft.csv",
                                                          "learning.csv", "learning_history.csv"}),
             boost::test_tools::per_element());
  o.run = {"synthesis"};
  BOOST_TEST(o.OutputNames() == (std::vector<std::string>{"results.json", "run.ini",
                                                          "synthesis.csv"}),
             boost::test_tools::per_element());
  o.coding.synthesisDensities = {0.1, 0.0};
  BOOST_CHECK_THROW(o.coding.Validate(), std::invalid_argument);
  o.coding.synthesisDensities = {0.1};
  o.run.insert("codng");
  BOOST_TEST(message(o) ==
             "--run must list coding, fft, synthesis, learning and/or scaling, not 'codng'");
  o.run = {"fft"};
  o.coding.solvers.clear();
  BOOST_TEST(message(o) == "--coding-solvers is empty");
  o.coding.solvers = {"fista"};
  o.coding.reference = -1;
  BOOST_TEST(message(o) == "--coding-reference must be positive and finite");
  o.run = {"learning"};
  BOOST_TEST(message(o).empty());
  o.learning.target = std::numeric_limits<double>::infinity();
  BOOST_TEST(message(o) == "--learning-target must be finite");
}

BOOST_AUTO_TEST_CASE(a_tiny_coding_benchmark_gives_sane_rows) {
  const CodingProblem p = SmallProblem(32, 4);
  CodingBenchmarkOptions options;
  options.lambda = 0.1;
  options.precisions = {Precision::Double, Precision::Single};
  options.iterations = 20;
  options.referenceIterations = 60;
  options.fftIterations = 2;
  options.repeats = 2;
  const CodingBenchmarkResult result = RunCodingBenchmark(options, p);
  BOOST_TEST(result.found);
  BOOST_TEST(result.reference == FindReferenceObjective(options, p));
  BOOST_TEST_REQUIRE(result.runs.size() == 4u);
  for (std::size_t i = 0; i < result.runs.size(); ++i) {
    const CodingRun& run = result.runs[i];
    BOOST_TEST(run.solver == options.solvers[i % 2]);
    BOOST_TEST((run.precision == (i < 2 ? Precision::Double : Precision::Single)));
    BOOST_TEST(run.secondsPerIteration > 0);
    BOOST_TEST(run.iterations >= 1u);
    BOOST_TEST(run.iterations <= 20u);
    BOOST_TEST(run.history.size() == run.iterations);
    BOOST_TEST(run.finalObjective == run.history.back().objective);
    // Double precision repeats the first iterations of the reference runs, so cannot end below F*.
    if (run.precision == Precision::Double) BOOST_TEST(run.finalObjective >= result.reference);
    for (std::size_t t = 0; t < kCodingTargets.size(); ++t)
      if (run.iterationsTo[t] != 0) {
        BOOST_TEST(run.timeTo[t] > 0);
        BOOST_TEST(run.iterationsTo[t] <= run.iterations);
      }
  }
  const std::vector<FftRow> fft = RunFftBenchmark(options, p);
  BOOST_TEST_REQUIRE(fft.size() == 4u);
  for (const FftRow& row : fft) {
    BOOST_TEST(row.gridRows == 32u);
    BOOST_TEST(row.filters == 4u);
    BOOST_TEST(row.Ratio() > 0);
  }
  // The synthesis rows: per precision and density, the non-zeros drawn near the density, the
  // window flops 2 h w per non-zero, the choice sparse at the lowest density and FFT at 1.
  options.synthesisDensities = {0.01, 1.0};
  const std::vector<SynthesisRow> synthesis = RunSynthesisBenchmark(options, p);
  BOOST_TEST_REQUIRE(synthesis.size() == 4u);
  for (const SynthesisRow& row : synthesis) {
    const double values = 32.0 * 32.0 * 4.0;
    BOOST_TEST(row.nonzeros <= values);
    BOOST_TEST(std::abs(row.nonzeros / values - row.density) <= 0.02);
    BOOST_TEST(row.windowFlops == 2.0 * row.nonzeros * p.filters.Rows() * p.filters.Cols());
    BOOST_TEST(row.sparseSeconds > 0);
    BOOST_TEST(row.fftSeconds > 0);
    BOOST_TEST(row.chosen == (row.density < 0.5));
  }
  options.solvers = {"newton"};
  BOOST_CHECK_THROW(RunCodingBenchmark(options, p), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_tiny_learning_benchmark_reports_its_target_and_command) {
  test::Seed(11);
  LearningBenchmarkOptions options;
  options.images = {"a.npy", "b.npy"};
  options.learning.iterations = 4;
  options.target = 1e9;
  options.repeats = 2;
  LearningInputs inputs;
  inputs.images.assign(2, Image<double>(16, 16, 1));
  for (auto& image : inputs.images) image.randn();
  inputs.initial = test::RandomFilters<double>(3, 1, 4, 4);
  const LearningBenchmarkResult result = RunLearningBenchmark(options, inputs);
  BOOST_TEST_REQUIRE(result.history.size() == 4u);
  BOOST_TEST(result.iterationsToTarget == 1u);
  // The time to target is the fastest repeat's; the history is the repeat that ended first,
  // whose first iteration need not be the fastest (a loaded machine): at most its time.
  BOOST_TEST(result.timeToTarget > 0.0);
  BOOST_TEST(result.timeToTarget <= result.history.front().seconds);
  BOOST_TEST(result.images == 2u);
  BOOST_TEST(result.command.find("dn-learn --filters 3 --filter-size 4x4 --lambda 0.2 "
                                 "--iterations 4 --boundary circular") == 0u);
  BOOST_TEST(result.command.find(" --seed 1 ") != std::string::npos);
  BOOST_TEST(result.command.substr(result.command.size() - 15) == "OUT a.npy b.npy");
  BOOST_TEST(LearningHistoryCsv(result).find("\n4,") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_tiny_learning_benchmark_compares_batch_and_online_on_held_out_images) {
  test::Seed(12);
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("dn_test_bench_learners_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  arma::mat held(16, 16, arma::fill::randn);
  const std::string testPath = (dir / "held.npy").string();
  WriteNpy(testPath, {16, 16}, held.memptr());
  LearningBenchmarkOptions options;
  options.images = {"a.npy", "b.npy", "c.npy"};
  options.learning.iterations = 4;
  options.learning.online.batchSize = 2;
  options.repeats = 2;
  options.testIterations = 20;
  LearningInputs inputs;
  inputs.images.assign(3, Image<double>(16, 16, 1));
  for (auto& image : inputs.images) image.randn();
  inputs.initial = test::RandomFilters<double>(3, 1, 4, 4);

  // Bad combinations name the option.
  options.learner = "both";
  BOOST_CHECK_EXCEPTION(RunLearningBenchmark(options, inputs), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("--learning-test") !=
                                 std::string::npos;
                        });
  options.learner = "stochastic";
  options.test = testPath;
  BOOST_CHECK_EXCEPTION(RunLearningBenchmark(options, inputs), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("--learning-learner") !=
                                 std::string::npos;
                        });
  options.learner = "both";
  options.testIterations = 0;
  BOOST_CHECK_THROW(RunLearningBenchmark(options, inputs), std::invalid_argument);
  options.testIterations = 20;

  const LearningBenchmarkResult result = RunLearningBenchmark(options, inputs);
  BOOST_TEST_REQUIRE(result.learners.size() == 2u);
  BOOST_TEST(result.learners[0].learner == "batch");
  BOOST_TEST(result.learners[1].learner == "online");
  for (const LearnerComparison& c : result.learners) {
    BOOST_TEST_CONTEXT(c.learner) {
      BOOST_TEST_REQUIRE(c.history.size() == 4u);
      double lowest = std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < c.history.size(); ++i) {
        BOOST_TEST(c.history[i].iteration == i + 1);
        BOOST_TEST(std::isfinite(c.history[i].testObjective));
        BOOST_TEST(c.history[i].testObjective > 0.0);
        if (i > 0) BOOST_TEST(c.history[i].seconds > c.history[i - 1].seconds);
        lowest = std::min(lowest, c.history[i].testObjective);
      }
      BOOST_TEST(c.bestTest == lowest);
      BOOST_TEST(c.history[c.bestTestIteration - 1].testObjective == lowest);
      BOOST_TEST(c.bestTestSeconds == c.history[c.bestTestIteration - 1].seconds);
      const std::string csv = LearnerHistoryCsv(c);
      BOOST_TEST(csv.find("iteration,seconds,objective,test_objective\n1,") == 0u);
    }
  }
  // The first learner's history is the default report's.
  BOOST_TEST(result.history.size() == result.learners[0].history.size());
  BOOST_TEST(result.command.find(" --test " + testPath) != std::string::npos);
  BOOST_TEST(LearningText(result).find("lowest test objective") != std::string::npos);

  // Without a test set the online learner alone runs, with no test objective.
  options.learner = "online";
  options.test.clear();
  const LearningBenchmarkResult online = RunLearningBenchmark(options, inputs);
  BOOST_TEST_REQUIRE(online.learners.size() == 1u);
  BOOST_TEST(online.learners[0].learner == "online");
  BOOST_TEST(std::isnan(online.learners[0].history.back().testObjective));
  BOOST_TEST(online.command.find("--learner online --batch-size 2") != std::string::npos);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_tiny_scaling_benchmark_measures_every_case) {
  ScalingOptions options;
  options.image = test::DataPath("e2e_images/a.png");
  options.sizes = {16, 24};
  options.filters = {2};
  options.precisions = {Precision::Single};
  options.iterations = 2;
  options.repeats = 1;
  std::vector<std::string> measured;
  const ScalingResult result = RunScalingBenchmark(options, [&](const ScalingCase& which) {
    measured.push_back(which.Name());
    return MeasureScalingCase(options, which);
  });
  BOOST_TEST((measured == std::vector<std::string>{"baseline", "16,2,single", "24,2,single"}));
  BOOST_TEST(result.baselineBytes > 0);
  BOOST_TEST_REQUIRE(result.rows.size() == 2u);
  BOOST_TEST(result.rows[1].mapBytes == 2.0 * 24 * 24 * 4);
  for (const ScalingRow& row : result.rows) {
    BOOST_TEST(row.measured.secondsPerIteration > 0);
    BOOST_TEST(row.measured.boundSeconds > 0);
    BOOST_TEST(row.measured.peakBytes >= result.baselineBytes);
  }
  const Image<double> image(10, 12, 1, arma::fill::randu);
  BOOST_TEST(ScalingImage(image, 16, 10).n_rows == 16u);
}
