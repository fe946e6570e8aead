#include "bench/results_json.hpp"

#include "bench/machine.hpp"

#include <limits>

namespace dn {

JsonObject MachineJson(int threads, const std::string& planner, std::size_t repeats,
                       double loadAverage) {
  return JsonObject()
      .String("host", HostName())
      .String("cpu", CpuModel())
      .Integer("threads", static_cast<std::uint64_t>(threads))
      .String("planner", planner)
      .Integer("repeats", repeats)
      .Number("load_average_at_start", loadAverage);
}

JsonObject CodingJson(const CodingBenchmarkResult& result, const std::string& image,
                      const std::string& dictionary) {
  std::vector<JsonObject> runs;
  for (const CodingRun& r : result.runs) {
    JsonObject o;
    o.String("solver", r.solver).String("precision", ToString(r.precision));
    o.Number("seconds_per_iteration", r.secondsPerIteration);
    for (std::size_t t = 0; t < kCodingTargets.size(); ++t) {
      o.Number(std::string("seconds_to_") + kCodingTargetNames[t], r.timeTo[t]);
      o.Integer(std::string("iterations_to_") + kCodingTargetNames[t], r.iterationsTo[t]);
      const bool reached = r.iterationsTo[t] != 0;
      const double none = std::numeric_limits<double>::quiet_NaN();
      o.Number(std::string("ffts_to_") + kCodingTargetNames[t],
               reached ? static_cast<double>(r.workTo[t].ffts) : none);
      o.Number(std::string("window_ops_to_") + kCodingTargetNames[t],
               reached ? static_cast<double>(r.workTo[t].windowOps) : none);
      o.Number(std::string("flops_to_") + kCodingTargetNames[t],
               reached ? r.workTo[t].Flops() : none);
    }
    o.Integer("iterations", r.iterations).Number("final_objective", r.finalObjective);
    o.Integer("ffts", r.work.ffts)
        .Integer("window_ops", r.work.windowOps)
        .Number("flops", r.work.Flops());
    runs.push_back(o);
  }
  return JsonObject()
      .String("image", image)
      .String("dictionary", dictionary)
      .Integer("filters", result.filters)
      .Integer("filter_rows", result.filterRows)
      .Integer("filter_cols", result.filterCols)
      .Number("lambda", result.lambda)
      .String("boundary", ToString(result.boundary))
      .Number("reference_objective", result.reference)
      .String("reference", result.found ? "long run" : "given")
      .Array("runs", runs);
}

std::vector<JsonObject> FftJson(const std::vector<FftRow>& rows) {
  std::vector<JsonObject> json;
  for (const FftRow& r : rows)
    json.push_back(JsonObject()
                       .String("precision", ToString(r.precision))
                       .String("solver", r.solver)
                       .Integer("grid_rows", r.gridRows)
                       .Integer("grid_cols", r.gridCols)
                       .Integer("transforms", 2 * r.filters)
                       .Number("bound_seconds", r.boundSeconds)
                       .Number("seconds_per_iteration", r.secondsPerIteration)
                       .Number("ratio", r.Ratio()));
  return json;
}

std::vector<JsonObject> SynthesisJson(const std::vector<SynthesisRow>& rows) {
  std::vector<JsonObject> json;
  for (const SynthesisRow& r : rows)
    json.push_back(JsonObject()
                       .String("precision", ToString(r.precision))
                       .Number("density", r.density)
                       .Number("nonzeros", r.nonzeros)
                       .Number("sparse_seconds", r.sparseSeconds)
                       .Number("fft_seconds", r.fftSeconds)
                       .Number("ratio", r.Ratio())
                       .Number("window_flops", r.windowFlops)
                       .Number("fft_flops", r.fftFlops)
                       .Number("exchange", r.Exchange())
                       .String("chosen", r.chosen ? "sparse" : "fft"));
  return json;
}

JsonObject LearningJson(const LearningBenchmarkResult& r) {
  const IterationRecord& last = r.history.back();
  JsonObject json = JsonObject()
      .String("command", r.command)
      .Integer("images", r.images)
      .Integer("filters", r.filters)
      .Integer("iterations", last.iteration)
      .Number("seconds", last.seconds)
      .Number("seconds_per_iteration", last.seconds / double(last.iteration))
      .Number("final_objective", last.objective)
      .Number("target", r.target)
      .Number("seconds_to_target", r.timeToTarget)
      .Integer("iterations_to_target", r.iterationsToTarget);
  if (r.learners.empty()) return json;
  std::vector<JsonObject> learners;
  for (const LearnerComparison& c : r.learners)
    learners.push_back(JsonObject()
                           .String("learner", c.learner)
                           .Integer("iterations", c.history.back().iteration)
                           .Number("seconds", c.history.back().seconds)
                           .Number("final_test_objective", c.history.back().testObjective)
                           .Number("lowest_test_objective", c.bestTest)
                           .Number("seconds_to_lowest", c.bestTestSeconds)
                           .Integer("iteration_of_lowest", c.bestTestIteration));
  return json.Array("learners", learners);
}

JsonObject ScalingJson(const ScalingResult& result) {
  std::vector<JsonObject> cases;
  for (const ScalingRow& r : result.rows)
    cases.push_back(JsonObject()
                        .String("precision", ToString(r.which.precision))
                        .Integer("size", r.which.size)
                        .Integer("filters", r.which.filters)
                        .Number("seconds_per_iteration", r.measured.secondsPerIteration)
                        .Number("bound_seconds", r.measured.boundSeconds)
                        .Number("peak_bytes", r.measured.peakBytes)
                        .Number("map_bytes", r.mapBytes));
  return JsonObject()
      .String("solver", result.solver)
      .String("memory", "VmHWM of a child process per case")
      .Number("baseline_bytes", result.baselineBytes)
      .Array("cases", cases);
}

}  // namespace dn
