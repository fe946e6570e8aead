#include "bench/learning_benchmark.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>

#include "bench/report.hpp"
#include "bench/time_to_target.hpp"
#include "core/threads.hpp"
#include "dictionary/dictionary.hpp"
#include "io/image_set.hpp"
#include "io/image_stream.hpp"
#include "learning/online_learning.hpp"
#include "network/training.hpp"
#include "run/held_out.hpp"

namespace dn {
namespace {

//! Layer learner `which` (batch or online) from `start` over the benchmark's images.
template <typename T>
std::unique_ptr<LayerLearner<T>> MakeLearner(const std::string& which,
                                             const LearningBenchmarkOptions& o,
                                             const std::vector<Image<T>>& signals,
                                             const LearningInputs& in, const FilterBank<T>& start) {
  LearningOptions learning = o.learning;
  learning.learner = which;
  // A one-layer model of the start filters, its learner made by name as dn-learn makes it.
  const Network<T> network = OneLayerNetwork(start, learning.lambda, learning.boundary);
  // Online: the images as given (no preprocessing), the run's seed, whole images: as dn-learn
  // --learner online on a MemoryImageSource (run/learning_run.cpp's StartStream).
  std::shared_ptr<TrainingStream<T>> stream;
  if (which == "online") {
    PreprocessOptions none;
    none.method = PreprocessMethod::None;
    stream = std::make_shared<TrainingStream<T>>(
        std::shared_ptr<const ImageSource>(MemoryImageSource(in.images)), none, o.seed);
  }
  return MakeLayerLearner<T>(which, learning, network, 1, signals, NetworkTrainingState<T>(),
                             stream);
}

template <typename T>
LearningBenchmarkResult TimeLearning(const LearningBenchmarkOptions& o, const LearningInputs& in) {
  std::vector<Image<T>> signals;
  for (std::size_t i = 0; i < in.images.size(); ++i)
    signals.push_back(Convert<T>(in.images[i], "training image " + std::to_string(i + 1)));
  const FilterBank<T> start = Convert<T>(in.initial, "the initial filters");
  LearningBenchmarkResult run;
  double fastestEnd = std::numeric_limits<double>::infinity();
  for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
    const std::unique_ptr<LayerLearner<T>> learner = MakeLearner<T>("batch", o, signals, in, start);
    RecordKeeper keeper;
    learner->Run(&keeper);
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

// Keeps every record with the held-out objective at the learner's dictionary after that
// iteration. The learners time each iteration on their own clock, stopped before the observer
// is called, so the evaluation is not in the records' seconds.
template <typename T>
class TestedKeeper : public Observer {
public:
  TestedKeeper(const LayerLearner<T>& learner, HeldOutSet<T>* test)
      : learner_(learner), test_(test) {}
  bool Observe(const IterationRecord& record) override {
    records.push_back(record);
    if (test_) records.back().testObjective = test_->Objective(learner_.Dictionary());
    return false;
  }
  std::vector<IterationRecord> records;

private:
  const LayerLearner<T>& learner_;
  HeldOutSet<T>* test_;
};

// One learner, with a test set: the fastest of o.repeats repetitions, its lowest test objective.
template <typename T>
LearnerComparison CompareLearner(const std::string& which, const LearningBenchmarkOptions& o,
                                 const std::vector<Image<T>>& signals, const LearningInputs& in,
                                 const FilterBank<T>& start, HeldOutSet<T>* test) {
  LearnerComparison c;
  c.learner = which;
  double fastestEnd = std::numeric_limits<double>::infinity();
  for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
    std::unique_ptr<LayerLearner<T>> learner = MakeLearner<T>(which, o, signals, in, start);
    TestedKeeper<T> keeper(*learner, test);
    learner->Run(&keeper);
    if (keeper.records.back().seconds < fastestEnd) {
      fastestEnd = keeper.records.back().seconds;
      c.history = keeper.records;
    }
  }
  for (const IterationRecord& r : c.history)
    if (std::isfinite(r.testObjective) && !(r.testObjective >= c.bestTest)) {
      c.bestTest = r.testObjective;
      c.bestTestSeconds = r.seconds;
      c.bestTestIteration = r.iteration;
    }
  return c;
}

template <typename T>
LearningBenchmarkResult CompareLearning(const LearningBenchmarkOptions& o,
                                        const LearningInputs& in) {
  std::vector<Image<T>> signals;
  for (std::size_t i = 0; i < in.images.size(); ++i)
    signals.push_back(Convert<T>(in.images[i], "training image " + std::to_string(i + 1)));
  const FilterBank<T> start = Convert<T>(in.initial, "the initial filters");
  std::unique_ptr<HeldOutSet<T>> test;
  if (!o.test.empty()) {
    LearningConfig config;
    config.learning = o.learning;
    config.preprocess.method = PreprocessMethod::None;
    config.precision = o.precision;
    config.test.path = o.test;
    config.test.iterations = o.testIterations;
    config.filterSize = FilterSize{in.initial.Rows(), in.initial.Cols()};
    test = std::make_unique<HeldOutSet<T>>(config, 1, config.filterSize, o.learning.lambda);
  }
  LearningBenchmarkResult run;
  const std::vector<std::string> learners = o.learner == "both"
                                                ? std::vector<std::string>{"batch", "online"}
                                                : std::vector<std::string>{o.learner};
  for (const std::string& which : learners)
    run.learners.push_back(CompareLearner<T>(which, o, signals, in, start, test.get()));
  run.history = run.learners.front().history;
  const TargetHit hit = FirstAtOrBelow(run.history, o.target);
  run.timeToTarget = hit.iteration != 0 ? hit.seconds : run.timeToTarget;
  run.iterationsToTarget = hit.iteration;
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
  if (learner != "batch" && learner != "online" && learner != "both")
    throw std::invalid_argument("--learning-learner must be batch, online or both, not '" +
                                learner + "'");
  if (learner == "both" && test.empty())
    throw std::invalid_argument(
        "--learning-learner both needs held-out images (--learning-test PATH): the learners "
        "compare by their test objective");
  if (testIterations == 0)
    throw std::invalid_argument("--learning-test-iterations must be positive");
  learning.Validate();
  if (learner != "batch") learning.online.Validate();
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
  const bool compare = o.learner != "batch" || !o.test.empty();
  LearningBenchmarkResult result = WithPrecision(o.precision, [&](auto tag) {
    using T = decltype(tag);
    return compare ? CompareLearning<T>(o, in) : TimeLearning<T>(o, in);
  });
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
