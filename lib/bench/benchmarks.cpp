#include "bench/benchmarks.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "bench/machine.hpp"
#include "bench/report.hpp"
#include "bench/results_json.hpp"
#include "io/image_set.hpp"

namespace dn {

std::vector<std::string> BenchOptions::OutputNames() const {
  std::vector<std::string> names = {"results.json", "run.ini"};
  if (Runs("coding")) names.insert(names.end(), {"coding.csv", "coding_history.csv"});
  if (Runs("fft")) names.push_back("fft.csv");
  if (Runs("synthesis")) names.push_back("synthesis.csv");
  if (Runs("learning")) {
    names.insert(names.end(), {"learning.csv", "learning_history.csv"});
    if (learning.learner != "online" && (learning.learner == "both" || !learning.test.empty()))
      names.push_back("learning_batch_history.csv");
    if (learning.learner != "batch") names.push_back("learning_online_history.csv");
  }
  if (Runs("scaling")) names.push_back("scaling.csv");
  return names;
}

void BenchOptions::Validate() const {
  for (const std::string& name : run)
    if (std::find(kBenchmarks.begin(), kBenchmarks.end(), name) == kBenchmarks.end())
      throw std::invalid_argument(
          "--run must list coding, fft, synthesis, learning and/or scaling, not '" + name + "'");
  if (run.empty()) throw std::invalid_argument("--run is empty");
  if (RunsCodingProblem() && coding.solvers.empty())
    throw std::invalid_argument("--coding-solvers is empty");
  if (RunsCodingProblem() && !std::isnan(coding.reference) &&
      (!(coding.reference > 0) || !std::isfinite(coding.reference)))
    throw std::invalid_argument("--coding-reference must be positive and finite");
  if (Runs("learning") && std::isinf(learning.target))
    throw std::invalid_argument("--learning-target must be finite");
}

BenchInputs ReadBenchInputs(const BenchOptions& o) {
  BenchInputs in;
  if (o.RunsCodingProblem())
    in.problem = ReadCodingProblem(o.codingImage, o.codingDictionary);
  if (o.Runs("learning")) in.learning = ReadLearningInputs(o.learning);
  if (o.Runs("scaling")) ReadInputImage(o.scaling.image, false);
  return in;
}

std::string RunBenchmarks(const BenchOptions& o, const BenchInputs& in, const BenchOutput& out,
                          int threads, const std::string& planner, std::size_t repeats) {
  JsonObject results;
  results.Object("machine", MachineJson(threads, planner, repeats, LoadAverage()));
  out.print("dn-bench: " + std::to_string(threads) + " threads, planner " + planner +
            ", fastest of " + std::to_string(repeats) + " repetitions, load average " +
            FixedText(LoadAverage(), 2) + " at the start\n");
  if (o.Runs("coding")) {
    if (std::isnan(o.coding.reference))
      out.info("finding the reference objective: " + std::to_string(o.coding.referenceIterations) +
               " iterations in double precision");
    const CodingBenchmarkResult result = RunCodingBenchmark(o.coding, in.problem);
    out.print(CodingText(result));
    out.write("coding.csv", CodingCsv(result));
    out.write("coding_history.csv", CodingHistoryCsv(result));
    results.Object("coding", CodingJson(result, o.codingImage, o.codingDictionary));
  }
  if (o.Runs("fft")) {
    const std::vector<FftRow> rows = RunFftBenchmark(o.coding, in.problem);
    out.print(FftText(rows));
    out.write("fft.csv", FftCsv(rows));
    results.Array("fft", FftJson(rows));
  }
  if (o.Runs("synthesis")) {
    const std::vector<SynthesisRow> rows = RunSynthesisBenchmark(o.coding, in.problem);
    out.print(SynthesisText(rows));
    out.write("synthesis.csv", SynthesisCsv(rows));
    results.Array("synthesis", SynthesisJson(rows));
  }
  if (o.Runs("learning")) {
    const LearningBenchmarkResult result = RunLearningBenchmark(o.learning, in.learning);
    out.print(LearningText(result));
    out.write("learning.csv", LearningCsv(result));
    out.write("learning_history.csv", LearningHistoryCsv(result));
    for (const LearnerComparison& c : result.learners)
      out.write("learning_" + c.learner + "_history.csv", LearnerHistoryCsv(c));
    results.Object("learning", LearningJson(result));
  }
  if (o.Runs("scaling")) {
    const ScalingResult result = RunScalingBenchmark(o.scaling, out.measureScalingCase);
    out.print(ScalingText(result));
    out.write("scaling.csv", ScalingCsv(result));
    results.Object("scaling", ScalingJson(result));
  }
  const double loadAtEnd = LoadAverage();
  results.Number("load_average_at_end", loadAtEnd);
  out.print("\nload average " + FixedText(loadAtEnd, 2) + " at the end\n");
  return results.Text();
}

}  // namespace dn
