#include "bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "conv/sparse_synthesis.hpp"
#include "serialize/json.hpp"

namespace dn {
namespace {

//! A text table with right-aligned columns, the header underlined with dashes.
class TextTable {
public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Text() const;

private:
  std::vector<std::vector<std::string>> rows_;
};

//! Seconds (or any positive quantity) to 3 significant digits, "-" when not measured.
std::string Short(double value) {
  if (!std::isfinite(value)) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

//! `digits` significant digits, "" when not finite (a CSV field).
std::string General(double value, int digits = 10) {
  if (!std::isfinite(value)) return "";
  char text[48];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

//! An iteration count, `none` for 0 (not reached).
std::string Count(std::size_t value, const std::string& none) {
  return value ? std::to_string(value) : none;
}

}  // namespace

std::string FixedText(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string TextTable::Text() const {
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

std::string EquivalentLearnCommand(const LearningBenchmarkOptions& o,
                                   const FilterBank<double>& initial, int threads) {
  const LearningOptions& l = o.learning;
  std::string command =
      "dn-learn --filters " + std::to_string(initial.filters) + " --filter-size " +
      std::to_string(initial.Rows()) + "x" + std::to_string(initial.Cols()) + " --lambda " +
      NumberText(l.lambda) + " --iterations " + std::to_string(l.iterations) + " --boundary " +
      ToString(l.boundary) + " --preprocess none --solver " + l.solver + " --coding-iterations " +
      std::to_string(l.codingIterations) + " --dictionary-method " + l.dictionary.method +
      " --dictionary-iterations " + std::to_string(l.dictionary.iterations) +
      (l.dictionary.zeroMean ? " --zero-mean" : "") + " --precision " + ToString(o.precision);
  command += o.init.empty() ? " --seed " + std::to_string(o.seed) : " --init " + o.init;
  // The first learner compared (batch for "both"); the default adds nothing.
  if (o.learner == "online")
    command += " --learner online --batch-size " + std::to_string(l.online.batchSize) +
               " --update " + l.online.update;
  if (!o.test.empty())
    command += " --test " + o.test + " --test-every 1 --test-iterations " +
               std::to_string(o.testIterations);
  command += " --threads " + std::to_string(threads) + " --out OUT";
  for (const std::string& input : o.images) command += " " + input;
  return command;
}

std::string CodingText(const CodingBenchmarkResult& r) {
  std::string out = "\nSparse coding: " + std::to_string(r.rows) + "x" + std::to_string(r.cols) +
                    " image, " + std::to_string(r.filters) + " filters of " +
                    std::to_string(r.filterRows) + "x" + std::to_string(r.filterCols) +
                    ", lambda " + NumberText(r.lambda) + ", " + ToString(r.boundary) +
                    "; reference objective " + General(r.reference) +
                    (r.found ? " (found by a long run)" : " (given)") + "\n";
  TextTable table({"solver", "precision", "s/iteration", "to 1% (s)", "to 0.1% (s)", "to 0.01% (s)",
                   "iterations to 0.1%", "FFTs to 0.1%", "window ops to 0.1%",
                   "Gflop to 0.1%", "final objective"});
  for (const CodingRun& run : r.runs) {
    const bool reached = run.iterationsTo[1] != 0;
    const WorkCount& w = run.workTo[1];
    table.Add({run.solver, ToString(run.precision), Short(run.secondsPerIteration),
               Short(run.timeTo[0]), Short(run.timeTo[1]), Short(run.timeTo[2]),
               Count(run.iterationsTo[1], "-"), reached ? std::to_string(w.ffts) : "-",
               reached ? std::to_string(w.windowOps) : "-",
               reached ? Short(w.Flops() / 1e9) : "-", General(run.finalObjective)});
  }
  return out + table.Text() +
         "(work: real 2-D FFTs, h x w window operations of coordinate descent, and their flops "
         "at 2.5 n log2 n per transform and 2 per filter tap; elementwise passes not counted)\n";
}

std::string CodingCsv(const CodingBenchmarkResult& r) {
  std::string csv =
      "solver,precision,seconds_per_iteration,seconds_to_1%,seconds_to_0.1%,"
      "seconds_to_0.01%,iterations_to_1%,iterations_to_0.1%,iterations_to_0.01%,"
      "ffts_to_1%,ffts_to_0.1%,ffts_to_0.01%,window_ops_to_1%,window_ops_to_0.1%,"
      "window_ops_to_0.01%,flops_to_1%,flops_to_0.1%,flops_to_0.01%,"
      "iterations,final_objective\n";
  for (const CodingRun& run : r.runs) {
    csv += run.solver + "," + ToString(run.precision) + "," + General(run.secondsPerIteration);
    for (double t : run.timeTo) csv += "," + General(t);
    for (std::size_t i : run.iterationsTo) csv += "," + Count(i, "");
    for (std::size_t t = 0; t < 3; ++t)
      csv += "," + (run.iterationsTo[t] ? std::to_string(run.workTo[t].ffts) : std::string());
    for (std::size_t t = 0; t < 3; ++t)
      csv += "," + (run.iterationsTo[t] ? std::to_string(run.workTo[t].windowOps) : std::string());
    for (std::size_t t = 0; t < 3; ++t)
      csv += "," + (run.iterationsTo[t] ? General(run.workTo[t].Flops()) : std::string());
    csv += "," + std::to_string(run.iterations) + "," + General(run.finalObjective, 12) + "\n";
  }
  return csv;
}

std::string CodingHistoryCsv(const CodingBenchmarkResult& r) {
  std::string csv = "solver,precision,iteration,seconds,objective,relative_error\n";
  for (const CodingRun& run : r.runs)
    for (const IterationRecord& h : run.history)
      csv += run.solver + "," + ToString(run.precision) + "," + std::to_string(h.iteration) + "," +
             General(h.seconds) + "," + General(h.objective, 12) + "," +
             General((h.objective - r.reference) / r.reference) + "\n";
  return csv;
}

std::string FftText(const std::vector<FftRow>& rows) {
  const FftRow& first = rows.front();
  std::string out = "\nFFT bound: " + std::to_string(first.filters) + " inverse and " +
                    std::to_string(first.filters) + " forward real transforms of " +
                    std::to_string(first.gridRows) + "x" + std::to_string(first.gridCols) +
                    " per iteration, OpenMP across maps\n";
  TextTable table({"precision", "solver", "FFT bound (s)", "s/iteration", "ratio"});
  for (const FftRow& r : rows)
    table.Add({ToString(r.precision), r.solver, Short(r.boundSeconds), Short(r.secondsPerIteration),
               FixedText(r.Ratio(), 2)});
  return out + table.Text();
}

std::string FftCsv(const std::vector<FftRow>& rows) {
  std::string csv =
      "precision,solver,grid_rows,grid_cols,transforms,bound_seconds,"
      "seconds_per_iteration,ratio\n";
  for (const FftRow& r : rows)
    csv += ToString(r.precision) + "," + r.solver + "," + std::to_string(r.gridRows) + "," +
           std::to_string(r.gridCols) + "," + std::to_string(2 * r.filters) + "," +
           General(r.boundSeconds) + "," + General(r.secondsPerIteration) + "," +
           General(r.Ratio()) + "\n";
  return csv;
}

std::string SynthesisText(const std::vector<SynthesisRow>& rows) {
  std::string out =
      "\nSynthesis D z: in space from the non-zeros (sparse) against K forward transforms and "
      "products (FFT), random maps\n";
  TextTable table({"precision", "density", "non-zeros", "sparse (s)", "FFT (s)", "ratio",
                   "window Gflop", "FFT Gflop", "exchange", "chosen"});
  for (const SynthesisRow& r : rows)
    table.Add({ToString(r.precision), General(r.density), FixedText(r.nonzeros, 0),
               Short(r.sparseSeconds), Short(r.fftSeconds), FixedText(r.Ratio(), 2),
               FixedText(r.windowFlops * 1e-9, 4), FixedText(r.fftFlops * 1e-9, 4),
               FixedText(r.Exchange(), 2), r.chosen ? "sparse" : "fft"});
  return out + table.Text() +
         "(exchange: FFT flops per window flop in the same time; FISTA's choice assumes " +
         FixedText(kWindowFlopsPerFftFlop, 1) + ")\n";
}

std::string SynthesisCsv(const std::vector<SynthesisRow>& rows) {
  std::string csv =
      "precision,density,nonzeros,sparse_seconds,fft_seconds,ratio,window_flops,fft_flops,"
      "exchange,chosen\n";
  for (const SynthesisRow& r : rows)
    csv += ToString(r.precision) + "," + General(r.density) + "," + General(r.nonzeros) + "," +
           General(r.sparseSeconds) + "," + General(r.fftSeconds) + "," + General(r.Ratio()) +
           "," + General(r.windowFlops) + "," + General(r.fftFlops) + "," +
           General(r.Exchange()) + "," + (r.chosen ? "sparse" : "fft") + "\n";
  return csv;
}

std::string LearningText(const LearningBenchmarkResult& r) {
  const IterationRecord& last = r.history.back();
  std::string out = "\nDictionary learning: " + std::to_string(r.images) + " images of " +
                    std::to_string(r.rows) + "x" + std::to_string(r.cols) + ", " +
                    std::to_string(r.filters) + " filters of " + std::to_string(r.filterRows) +
                    "x" + std::to_string(r.filterCols) + ", lambda " + NumberText(r.lambda) +
                    "\n  as " + r.command + "\n";
  TextTable table({"iterations", "seconds", "s/iteration", "final objective", "target",
                   "to target (s)", "iterations to target"});
  table.Add({std::to_string(last.iteration), Short(last.seconds),
             Short(last.seconds / double(last.iteration)), General(last.objective),
             General(r.target), Short(r.timeToTarget), Count(r.iterationsToTarget, "-")});
  out += table.Text();
  if (r.learners.empty()) return out;
  out += "\nLearners on the held-out images (test objective at each iteration's dictionary, "
         "outside the timed learning)\n";
  TextTable learners({"learner", "iterations", "seconds", "final objective",
                      "final test objective", "lowest test objective", "at (s)", "at iteration"});
  for (const LearnerComparison& c : r.learners) {
    const IterationRecord& end = c.history.back();
    learners.Add({c.learner, std::to_string(end.iteration), Short(end.seconds),
                  General(end.objective), General(end.testObjective), General(c.bestTest),
                  Short(c.bestTestSeconds), Count(c.bestTestIteration, "-")});
  }
  return out + learners.Text();
}

std::string LearnerHistoryCsv(const LearnerComparison& c) {
  std::string csv = "iteration,seconds,objective,test_objective\n";
  for (const IterationRecord& h : c.history)
    csv += std::to_string(h.iteration) + "," + General(h.seconds) + "," +
           General(h.objective, 12) + "," + General(h.testObjective, 12) + "\n";
  return csv;
}

std::string LearningCsv(const LearningBenchmarkResult& r) {
  const IterationRecord& last = r.history.back();
  return "iterations,seconds,seconds_per_iteration,final_objective,target,"
         "seconds_to_target,iterations_to_target\n" +
         std::to_string(last.iteration) + "," + General(last.seconds) + "," +
         General(last.seconds / double(last.iteration)) + "," + General(last.objective, 12) + "," +
         General(r.target, 12) + "," + General(r.timeToTarget) + "," +
         Count(r.iterationsToTarget, "") + "\n";
}

std::string LearningHistoryCsv(const LearningBenchmarkResult& r) {
  std::string csv = "iteration,seconds,objective,fidelity,l1,density,rejected_steps\n";
  for (const IterationRecord& h : r.history)
    csv += std::to_string(h.iteration) + "," + General(h.seconds) + "," + General(h.objective, 12) +
           "," + General(h.fidelity, 12) + "," + General(h.l1, 12) + "," + General(h.density) +
           "," + std::to_string(h.rejectedSteps) + "\n";
  return csv;
}

std::string ScalingText(const ScalingResult& r) {
  std::string out = "\nScaling: " + r.solver +
                    ", seconds per iteration and peak resident memory (VmHWM of a child process "
                    "per case; baseline of an idle child " +
                    FixedText(r.baselineBytes / 1048576.0, 1) +
                    " MiB)\n(maps = K N^2 values of the precision: the size of one set of "
                    "feature maps)\n";
  TextTable table({"precision", "N", "K", "s/iteration", "FFT bound (s)", "ratio", "peak (MiB)",
                   "above baseline / maps"});
  for (const ScalingRow& row : r.rows)
    table.Add({ToString(row.which.precision), std::to_string(row.which.size),
               std::to_string(row.which.filters), Short(row.measured.secondsPerIteration),
               Short(row.measured.boundSeconds), FixedText(row.Ratio(), 2),
               FixedText(row.measured.peakBytes / 1048576.0, 1),
               FixedText((row.measured.peakBytes - r.baselineBytes) / row.mapBytes, 2)});
  return out + table.Text();
}

std::string ScalingCsv(const ScalingResult& r) {
  std::string csv =
      "precision,size,filters,seconds_per_iteration,bound_seconds,peak_bytes,"
      "baseline_bytes,map_bytes\n";
  for (const ScalingRow& row : r.rows)
    csv += ToString(row.which.precision) + "," + std::to_string(row.which.size) + "," +
           std::to_string(row.which.filters) + "," + General(row.measured.secondsPerIteration) +
           "," + General(row.measured.boundSeconds) + "," + General(row.measured.peakBytes, 15) +
           "," + General(r.baselineBytes, 15) + "," + General(row.mapBytes, 15) + "\n";
  return csv;
}

}  // namespace dn
