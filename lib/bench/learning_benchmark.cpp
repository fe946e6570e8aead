#include "bench/learning_benchmark.hpp"

#include <cmath>
#include <stdexcept>

#include "bench/report.hpp"
#include "bench/time_to_target.hpp"
#include "core/threads.hpp"
#include "dictionary/dictionary.hpp"
#include "io/image_set.hpp"

namespace dn {
namespace {

template <typename T>
LearningBenchmarkResult TimeLearning(const LearningBenchmarkOptions& o, const LearningInputs& in) {
  std::vector<Image<T>> signals;
  for (std::size_t i = 0; i < in.images.size(); ++i)
    signals.push_back(Convert<T>(in.images[i], "training image " + std::to_string(i + 1)));
  const FilterBank<T> start = Convert<T>(in.initial, "the initial filters");
  LearningBenchmarkResult run;
  double fastestEnd = std::numeric_limits<double>::infinity();
  for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
    DictionaryLearner<T> learner(o.learning, signals, start);
    RecordKeeper keeper;
    learner.Run(&keeper);
    const TargetHit hit = FirstAtOrBelow(keeper.records, o.target);
    if (hit.iteration != 0) {
      KeepSmaller(run.timeToTarget, hit.seconds);
      run.iterationsToTarget = hit.iteration;
    }
    if (keeper.records.back().seconds < fastestEnd) {
      fastestEnd = keeper.records.back().seconds;
      run.history = keeper.records;
    }
  }
  return run;
}

}  // namespace

LearningOptions LearningBenchmarkOptions::Defaults() {
  LearningOptions learning;
  learning.lambda = 0.2;
  learning.boundary = Boundary::Circular;
  return learning;
}

void LearningBenchmarkOptions::Validate() const {
  if (images.empty()) throw std::invalid_argument("LearningBenchmarkOptions::images is empty");
  if (init.empty() && (filters == 0 || filterSize == 0))
    throw std::invalid_argument(
        "LearningBenchmarkOptions: filters and filterSize must be positive");
  if (repeats == 0)
    throw std::invalid_argument("LearningBenchmarkOptions::repeats must be positive");
  if (std::isinf(target))
    throw std::invalid_argument("LearningBenchmarkOptions::target must be finite (or NaN)");
  learning.Validate();
}

LearningInputs ReadLearningInputs(const LearningBenchmarkOptions& o) {
  LearningInputs in;
  in.images = ReadInputImages(o.images, false);
  in.cropped = CropToCommonSize(in.images);
  if (!o.init.empty()) {
    in.initial = ReadFilterBank("--learning-init", o.init);
    if (in.initial.channels != 1) throw std::runtime_error("--learning-init has colour filters");
    ProjectFilters(in.initial, o.learning.dictionary.zeroMean);
  } else {
    in.initial = RandomFilters<double>(o.filters, 1, o.filterSize, o.filterSize, o.seed,
                                       o.learning.dictionary.zeroMean);
  }
  if (in.initial.Rows() > in.images.front().n_rows || in.initial.Cols() > in.images.front().n_cols)
    throw std::runtime_error("the learning filters are larger than the training images");
  return in;
}

LearningBenchmarkResult RunLearningBenchmark(const LearningBenchmarkOptions& o,
                                             const LearningInputs& in) {
  o.Validate();
  LearningBenchmarkResult result =
      WithPrecision(o.precision, [&](auto tag) { return TimeLearning<decltype(tag)>(o, in); });
  result.images = in.images.size();
  result.rows = in.images.front().n_rows;
  result.cols = in.images.front().n_cols;
  result.filters = in.initial.filters;
  result.filterRows = in.initial.Rows();
  result.filterCols = in.initial.Cols();
  result.lambda = o.learning.lambda;
  result.target = o.target;
  result.command = EquivalentLearnCommand(o, in.initial, ThreadCount());
  return result;
}

}  // namespace dn
