#include "bench/coding_benchmark.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "bench/time_to_target.hpp"
#include "conv/conv_operator.hpp"
#include "fft/fft_timing.hpp"
#include "io/image_set.hpp"
#include "solvers/csc_solver.hpp"
#include "solvers/stop_policies.hpp"

namespace dn {
namespace {

//! The work done so far at each record (core/work_count.hpp), beside a RecordKeeper.
class WorkKeeper : public Observer {
public:
  bool Observe(const IterationRecord&) override {
    work.push_back(WorkDone());
    return false;
  }
  std::vector<WorkCount> work;
};

template <typename T>
std::vector<CodingRun> TimeCoding(const CodingBenchmarkOptions& o, const CodingProblem& p,
                                  double reference) {
  const Image<T> signal = Convert<T>(p.signal, "--coding-image");
  const FilterBank<T> filters = Convert<T>(p.filters, "--coding-dictionary");
  const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, o.boundary, o.effort);
  std::vector<CodingRun> runs;
  for (const std::string& name : o.solvers) {
    CodingRun run;
    run.solver = name;
    run.precision = PrecisionOf<T>();
    double fastestEnd = std::numeric_limits<double>::infinity();
    for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
      const auto solver = MakeCscSolver<T>(name);
      const WorkCount start = WorkDone();
      solver->Reset(op, signal, o.lambda);
      RecordKeeper keeper;
      WorkKeeper work;
      TargetObjectiveStop stop(reference * (1.0 + kCodingTargets.back()));
      ObserverList observers;
      observers.Add(&keeper);
      observers.Add(&work);
      observers.Add(&stop);
      SolveOptions options;
      options.maxIterations = o.iterations;
      solver->Solve(options, &observers);
      const auto& records = keeper.records;
      KeepSmaller(run.secondsPerIteration,
                  records.back().seconds / static_cast<double>(records.size()));
      for (std::size_t t = 0; t < kCodingTargets.size(); ++t) {
        const TargetHit hit = FirstWithin(records, reference, kCodingTargets[t]);
        if (hit.iteration == 0) continue;
        KeepSmaller(run.timeTo[t], hit.seconds);
        run.iterationsTo[t] = hit.iteration;
        const auto at = std::find_if(records.begin(), records.end(), [&](const auto& r) {
          return r.iteration == hit.iteration;
        });
        run.workTo[t] = work.work[at - records.begin()] - start;
      }
      if (records.back().seconds < fastestEnd) {
        fastestEnd = records.back().seconds;
        run.history = records;
        run.iterations = records.size();
        run.finalObjective = records.back().objective;
        run.work = work.work.back() - start;
      }
    }
    runs.push_back(run);
  }
  return runs;
}

template <typename T>
std::vector<FftRow> TimeFftBound(const CodingBenchmarkOptions& o, const CodingProblem& p) {
  const Image<T> signal = Convert<T>(p.signal, "--coding-image");
  const FilterBank<T> filters = Convert<T>(p.filters, "--coding-dictionary");
  const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, o.boundary, o.effort);
  const std::size_t K = filters.filters;
  std::vector<FftRow> rows;
  for (const std::string& name : o.solvers) {
    FftRow row;
    row.precision = PrecisionOf<T>();
    row.solver = name;
    row.gridRows = op.GridRows();
    row.gridCols = op.GridCols();
    row.filters = K;
    rows.push_back(row);
  }
  double bound = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
    KeepSmaller(bound, TransformPassSeconds(op.Fft(), K, o.fftIterations, 1));
    for (FftRow& row : rows) {
      const auto solver = MakeCscSolver<T>(row.solver);
      solver->Reset(op, signal, o.lambda);
      SolveOptions options;
      options.maxIterations = o.fftIterations;
      const SolveReport report = solver->Solve(options);
      KeepSmaller(row.secondsPerIteration, report.seconds / static_cast<double>(report.iterations));
    }
  }
  for (FftRow& row : rows) row.boundSeconds = bound;
  return rows;
}

}  // namespace

CodingProblem ReadCodingProblem(const std::string& imagePath, const std::string& dictionaryPath) {
  CodingProblem p;
  p.signal = ReadInputImage(imagePath, false);
  p.filters = ReadFilterBank("--coding-dictionary", dictionaryPath);
  if (p.filters.channels != 1)
    throw std::runtime_error("--coding-dictionary " + dictionaryPath +
                             " has colour filters; dn-bench codes grey images");
  if (p.filters.Rows() > p.signal.n_rows || p.filters.Cols() > p.signal.n_cols)
    throw std::runtime_error("the filters of --coding-dictionary are larger than --coding-image");
  return p;
}

void CodingBenchmarkOptions::Validate() const {
  if (!(lambda >= 0) || !std::isfinite(lambda))
    throw std::invalid_argument("CodingBenchmarkOptions::lambda must be >= 0 and finite");
  if (solvers.empty()) throw std::invalid_argument("CodingBenchmarkOptions::solvers is empty");
  for (const std::string& solver : solvers) CheckSolverSupports(solver, boundary);
  if (precisions.empty())
    throw std::invalid_argument("CodingBenchmarkOptions::precisions is empty");
  if (iterations == 0 || referenceIterations == 0 || fftIterations == 0 || repeats == 0)
    throw std::invalid_argument(
        "CodingBenchmarkOptions: iterations, referenceIterations, fftIterations and repeats "
        "must be positive");
  if (!std::isnan(reference) && (!(reference > 0) || !std::isfinite(reference)))
    throw std::invalid_argument("CodingBenchmarkOptions::reference must be positive and finite");
  for (double density : synthesisDensities)
    if (!(density > 0.0 && density <= 1.0))
      throw std::invalid_argument("CodingBenchmarkOptions::synthesisDensities must lie in (0, 1]");
}

double FindReferenceObjective(const CodingBenchmarkOptions& o, const CodingProblem& p) {
  const ConvOperator<double> op(p.filters, p.signal.n_rows, p.signal.n_cols, o.boundary, o.effort);
  double best = std::numeric_limits<double>::infinity();
  std::vector<std::string> solvers = {"fista"};
  if (o.boundary == Boundary::Circular) solvers.push_back("admm");
  for (const std::string& name : solvers) {
    const auto solver = MakeCscSolver<double>(name);
    solver->Reset(op, p.signal, o.lambda);
    RecordKeeper keeper;
    SolveOptions options;
    options.maxIterations = o.referenceIterations;
    solver->Solve(options, &keeper);
    for (const IterationRecord& r : keeper.records) best = std::min(best, r.objective);
  }
  return best;
}

CodingBenchmarkResult RunCodingBenchmark(const CodingBenchmarkOptions& o, const CodingProblem& p) {
  o.Validate();
  CodingBenchmarkResult result;
  result.rows = p.signal.n_rows;
  result.cols = p.signal.n_cols;
  result.filters = p.filters.filters;
  result.filterRows = p.filters.Rows();
  result.filterCols = p.filters.Cols();
  result.lambda = o.lambda;
  result.boundary = o.boundary;
  result.found = std::isnan(o.reference);
  result.reference = result.found ? FindReferenceObjective(o, p) : o.reference;
  for (const Precision precision : o.precisions) {
    const auto runs = WithPrecision(
        precision, [&](auto tag) { return TimeCoding<decltype(tag)>(o, p, result.reference); });
    result.runs.insert(result.runs.end(), runs.begin(), runs.end());
  }
  return result;
}

std::vector<FftRow> RunFftBenchmark(const CodingBenchmarkOptions& o, const CodingProblem& p) {
  o.Validate();
  std::vector<FftRow> rows;
  for (const Precision precision : o.precisions) {
    const auto more =
        WithPrecision(precision, [&](auto tag) { return TimeFftBound<decltype(tag)>(o, p); });
    rows.insert(rows.end(), more.begin(), more.end());
  }
  return rows;
}

}  // namespace dn
