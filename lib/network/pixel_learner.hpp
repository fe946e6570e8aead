// Learning the filters of one layer in pixel mode (Zeiler, Taylor & Fergus, ICCV 2011): with
// the layers below fixed and their switches held fixed for every training image,
//
//   minimise_{F_l, z}  sum_i 1/2 || A_i F_l z_i - y_i ||^2 + lambda_l sum_i || z_i ||_1
//   subject to         ||f_k|| <= 1, f_kc = 0 where the connectivity table has no connection
//                      (and zero mean if asked),
//
// A_i = F_1 U_1 ... F_{l-1} U_{l-1} with image i's switches (top_down.hpp), y_i the preprocessed
// image. One outer iteration: codingIterations ISTA/FISTA iterations on every z_i
// (pixel_coding.hpp), then dictionaryIterations projected-gradient steps on F_l with the same
// pixel-space error: the gradient sum_i z_ik (star) (A_i^T r_i)_c on the filter support, and a
// backtracking step (Beck & Teboulle, 2009): 1/L with L halved before every step and doubled
// until f(F+) <= f(F) + <g, F+ - F> + L/2 ||F+ - F||^2, so a filter step never raises the
// objective.
//
// Everything a learner would need to resume is one value, PixelLearnerState; SaveState() and
// RestoreState() put it into a SavedState (checkpoints, docs/robustness.md).
#pragma once

#include <memory>
#include <vector>

#include "learning/dictionary_learning.hpp"
#include "network/pixel_coding.hpp"

namespace dn {

template <typename T>
struct PixelLearnerState {
  FilterBank<T> filters;                   //!< F_l
  std::vector<PixelCodingState<T>> codes;  //!< per training image
  double filterLipschitz = 0.0;            //!< the last accepted backtracking L (0: none yet)
  std::size_t iteration = 0;               //!< outer iterations done
  double elapsed = 0.0;                    //!< seconds of learning so far
};

template <typename T>
class PixelLayerLearner : public LayerLearner<T> {
public:
  //! Learns layer `layer` (>= 2, pixel mode) of `network`, whose layers below are trained and
  //! whose layer `layer` holds the initial filters. `switches[i][j]` holds the switches of layer
  //! j + 1 for image i (ignored for layers that do not pool); `switches` must outlive the learner.
  //! Uses options.lambda, iterations, solver, codingIterations, dictionary.iterations and
  //! dictionary.zeroMean, and options.effort.
  PixelLayerLearner(const LearningOptions& options, const Network<T>& network, std::size_t layer,
                    std::vector<Image<T>> signals,
                    const std::vector<std::vector<Switches>>& switches);
  ~PixelLayerLearner() override;

  //! Runs options.iterations outer iterations (continuing after earlier calls); the observer sees
  //! Begin() ("pixel"), one record per outer iteration (as DictionaryLearner::Run(), with no
  //! rejected steps) and End(). Returns the last record.
  IterationRecord Run(Observer* observer = nullptr) override;
  std::string Name() const override { return "pixel"; }

  const FilterBank<T>& Dictionary() const override { return state_.filters; }
  std::size_t ImageCount() const { return signals_.size(); }
  const Maps<T>& MapsOf(std::size_t image) const override { return state_.codes.at(image).x; }
  const PixelLearnerState<T>& State() const { return state_; }
  std::size_t Iteration() const override { return state_.iteration; }

  //! The state between outer iterations. Entries: filters, numbers images, iteration, elapsed,
  //! filter_lipschitz; per image i under image/<i>/: x, y, residual_x, residual_y, power (when
  //! set), t, lipschitz and the statistics of x (record/...). See pixel_learner_state.cpp.
  void Describe(StateArchive<T>& archive) override;
  //! Continues from SaveState() of a learner made with the same options, network and images:
  //! the next Run() is then bit for bit that of the saved learner (same thread count). Checks
  //! every entry before changing anything; std::runtime_error naming the entry otherwise.
  void RestoreState(const SavedState<T>& state) override;

private:
  void Bind(std::size_t image);
  //! The filter steps of one outer iteration. Returns true when the filters changed; then
  //! trialResiduals_ hold every image's residual under the new filters.
  bool FilterStep(double fidelity);

  LearningOptions options_;
  std::size_t layer_;
  ConnectivityTable table_;
  std::vector<Image<T>> signals_;
  const std::vector<std::vector<Switches>>& switches_;
  std::unique_ptr<LayerStack<T>> stack_;
  std::unique_ptr<TopDownOperator<T>> op_;
  std::unique_ptr<OperatorFista<T>> coder_;
  PixelLearnerState<T> state_;
  // Workspace of the filter step.
  std::vector<arma::Mat<Complex<T>>> mapSpectra_, residualSpectra_;
  std::vector<Image<T>> trialResiduals_;
  Image<T> input_, back_;
};

extern template class PixelLayerLearner<float>;
extern template class PixelLayerLearner<double>;

}  // namespace dn
