// Learning a strided layer (issue 13; docs/maths.md, "Strided layers"): filters d and maps z_i
// s times smaller than the images on each axis,
//
//   minimise_{d, z}  sum_i 1/2 || A_d z_i - s_i ||^2 + lambda sum_i || z_i ||_1
//   subject to       ||d_k|| <= 1 (and zero mean if asked),
//
// A_d the transposed convolution with stride s and padding p (conv/strided_conv_operator.hpp).
// One outer iteration: codingIterations ISTA/FISTA iterations on every z_i (OperatorFista, step
// 1 / ||A_d||^2, exact), then dictionary.iterations projected-gradient steps on d with the
// gradient sum_i FilterGradient(z_i, A_d z_i - s_i) and a backtracking step
// (dictionary/filter_step.hpp), so that a filter step never raises the objective.
//
// Notation map: s_i = signals, z_i = MapsOf(i), d = Dictionary(), s = geometry.stride.
#pragma once

#include <memory>
#include <vector>

#include "conv/strided_conv_operator.hpp"
#include "learning/dictionary_learning.hpp"
#include "solvers/operator_fista.hpp"

namespace dn {

template <typename T>
class StridedLayerLearner : public LayerLearner<T> {
public:
  //! Learns from `signals` (one size, finite) starting from `initial` through a strided layer
  //! of `geometry` (std::invalid_argument for a geometry the filters or images do not allow).
  //! Uses options.lambda, iterations, solver (ista or fista), codingIterations, boundary,
  //! dictionary.iterations and dictionary.zeroMean, and options.effort.
  StridedLayerLearner(const LearningOptions& options, std::vector<Image<T>> signals,
                      const FilterBank<T>& initial, const StridedGeometry& geometry);
  ~StridedLayerLearner() override;

  //! Runs options.iterations outer iterations (continuing after earlier calls); the observer
  //! sees Begin() ("batch"), one record per outer iteration and End().
  IterationRecord Run(Observer* observer = nullptr) override;
  std::string Name() const override { return "batch"; }
  const FilterBank<T>& Dictionary() const override { return filters_; }
  const Maps<T>& MapsOf(std::size_t image) const override { return codes_.at(image).x; }
  std::size_t Iteration() const override { return iteration_; }
  const StridedConvOperator<T>& Operator() const { return *op_; }

  //! Entries: filters, numbers images, stride, padding_rows, padding_cols (which must be this
  //! learner's), iteration, elapsed, filter_lipschitz; per image i under image/<i>/ the coding
  //! state (solvers/operator_fista.hpp, DescribeFistaState).
  void Describe(StateArchive<T>& archive) override;
  void RestoreState(const SavedState<T>& state) override;

private:
  //! The dictionary steps from the coded maps, whose fidelity is `fidelity`; whether the
  //! filters changed (then residuals_ hold A_d z_i - s_i at the new filters).
  bool FilterSteps(double fidelity);

  LearningOptions options_;
  std::vector<Image<T>> signals_;
  StridedGeometry geometry_;
  FilterBank<T> filters_;
  std::unique_ptr<StridedConvOperator<T>> op_;
  std::unique_ptr<OperatorFista<T>> coder_;
  std::vector<OperatorFistaState<T>> codes_;
  double filterLipschitz_ = 0.0;  //!< the last accepted backtracking L (0: none yet)
  std::size_t iteration_ = 0;
  double elapsed_ = 0.0;
  std::vector<Image<T>> residuals_;  //!< per image, of the last trial filters
};

extern template class StridedLayerLearner<float>;
extern template class StridedLayerLearner<double>;

}  // namespace dn
