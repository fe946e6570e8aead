// Convolutional dictionary learning: alternate sparse coding of every training image (warm
// started) with a dictionary update (warm started), as Zeiler et al., CVPR 2010, and SPORCO's
// dictlrn (Garcia-Cardona & Wohlberg, IEEE TCI 2018):
//
//   minimise_{d,z} 1/2 sum_i sum_c || sum_k d_kc * z_ik - s_ic ||^2 + lambda sum_ik ||z_ik||_1
//   subject to the constraints of dictionary/dictionary.hpp.
//
// One outer iteration = codingIterations iterations of the sparse coding solver on each image,
// then one dictionary Step(); the recorded objective is the functional above (summed over images)
// at the new dictionary and the current maps. A dictionary step that would raise the objective
// is rejected (and its momentum dropped), so the dictionary step never makes it worse.
//
// Divergence: Run() throws DivergenceError when the objective or the filters become NaN or
// infinite, or the objective exceeds kRunawayFactor times its value at all-zero maps,
// 1/2 sum_i ||s_i||^2 (a sane iterate stays near or below it).
#pragma once

#include <memory>

#include "dictionary/dictionary.hpp"
#include "learning/layer_learner.hpp"
#include "learning/online_options.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {

struct LearningOptions {
  double lambda = 0.1;
  std::size_t iterations = 200;      //!< outer iterations
  std::string solver = "auto";       //!< sparse coding solver name
  //! Solver iterations per outer iteration, and dictionary iterations (below): one and two
  //! reach benchmark A's target in the fewest FFTs with auto (cd there) and admm; ista and fista
  //! do better with three and one (docs/performance.md).
  std::size_t codingIterations = 1;
  Boundary boundary = Boundary::Valid;
  DictionaryUpdateOptions dictionary = [] {
    DictionaryUpdateOptions o;
    o.iterations = 2;
    return o;
  }();
  PlannerEffort effort = PlannerEffort::Estimate;  //!< Measure: no faster here, not repeatable
  std::string learner = "batch";  //!< a layer-mode layer's learner: "batch" or "online"
  OnlineOptions online;           //!< the online learner's settings (checked when it is chosen)
  //! The ranks learning together, each with its shard of the images in rank order
  //! (parallel/communicator.hpp; null: this process alone). The batch learner's records and
  //! dictionary are then those of all the images, the same for every split. Not a setting: not
  //! saved, not compared.
  Communicator* communicator = nullptr;
  //! std::invalid_argument naming the field as dn-learn names its option, e.g. "--lambda ...".
  void Validate() const;
};

template <typename T>
class DictionaryLearner : public LayerLearner<T> {
public:
  //! Run() declares divergence above this multiple of the objective at all-zero maps.
  static constexpr double kRunawayFactor = 1e3;

  //! All images must have the same size and channel count as the filters. `weights`: empty,
  //! or per image its data weight W (a mask: 0 unknown, 1 known; solvers/csc_solver.hpp),
  //! shaped as the image: then the objective's fidelity is 1/2 sum_i ||W_i (D z_i - s_i)||^2
  //! (learning from incomplete images; Heide, Heidrich & Wetzstein, CVPR 2015).
  DictionaryLearner(const LearningOptions& options, std::vector<Image<T>> signals,
                    const FilterBank<T>& initial, std::vector<Image<T>> weights = {});
  ~DictionaryLearner() override;

  //! Runs options.iterations outer iterations (continuing after earlier calls); the observer
  //! sees Begin() ("batch"), one record per outer iteration (over the whole set; relativeChange
  //! is the dictionary's, rejectedSteps counts the rejected dictionary steps so far) and End().
  //! Returns the last record.
  IterationRecord Run(Observer* observer = nullptr) override;
  std::string Name() const override { return "batch"; }

  const FilterBank<T>& Dictionary() const override;
  std::size_t ImageCount() const { return signals_.size(); }
  const Maps<T>& MapsOf(std::size_t image) const override;
  const ConvOperator<T>& Operator() const { return *op_; }
  //! Outer iterations run so far (over all Run() calls, and before a RestoreState()).
  std::size_t Iteration() const override { return iteration_; }

  //! The learner's state between outer iterations: filters, counters, the dictionary updater's
  //! state ("updater/...") and each image's solver state ("image/<i>/..."). Take it from an
  //! observer or between Run() calls.
  void Describe(StateArchive<T>& archive) override;
  //! Continues from a state SaveState() returned in a learner made with the same options (the
  //! iteration count aside) and signals: the next Run() then gives bit for bit what the saving
  //! learner's would (with the same thread count). Throws std::runtime_error naming what
  //! disagrees (a missing entry, a shape, the image count); the learner is then left as it was.
  void RestoreState(const SavedState<T>& state) override;

private:
  //! The sum of every rank's per-image `mine`, in image order.
  double SumInImageOrder(const std::vector<double>& mine) const;

  LearningOptions options_;
  std::vector<Image<T>> signals_;
  std::vector<Image<T>> weights_;  //!< empty or one per image
  std::unique_ptr<ConvOperator<T>> op_;
  std::vector<std::unique_ptr<CscSolver<T>>> solvers_;
  DictionaryUpdater<T> updater_;
  Communicator* communicator_;  //!< never null
  FilterBank<T> filters_;
  std::size_t iteration_ = 0, rejected_ = 0;
  double elapsed_ = 0.0;
  double zeroObjective_ = 0.0;  //!< 1/2 sum_i ||s_i||^2: the objective at all-zero maps
};

extern template class DictionaryLearner<float>;
extern template class DictionaryLearner<double>;

}  // namespace dn
