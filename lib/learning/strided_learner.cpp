#include "learning/strided_learner.hpp"

#include <cmath>
#include <stdexcept>

#include "core/state_archive.hpp"
#include "core/timer.hpp"
#include "dictionary/dictionary.hpp"
#include "dictionary/filter_step.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {

template <typename T>
StridedLayerLearner<T>::StridedLayerLearner(const LearningOptions& options,
                                            std::vector<Image<T>> signals,
                                            const FilterBank<T>& initial,
                                            const StridedGeometry& geometry)
    : options_(options), signals_(std::move(signals)), geometry_(geometry), filters_(initial) {
  options_.Validate();
  if (!CodesThroughOperator(options_.solver))
    throw std::invalid_argument("a strided layer codes with ista or fista, not " + options_.solver);
  CheckTrainingImages("StridedLayerLearner", signals_,
                      std::optional<std::size_t>(initial.channels));
  const Image<T>& first = signals_.front();
  op_ = std::make_unique<StridedConvOperator<T>>(filters_, first.n_rows, first.n_cols, geometry_,
                                                 options_.boundary, options_.effort);
  coder_ = std::make_unique<OperatorFista<T>>(options_.lambda, OperatorMomentum(options_.solver));
  codes_.resize(signals_.size());
  residuals_.resize(signals_.size());
  for (std::size_t i = 0; i < signals_.size(); ++i) coder_->Start(*op_, signals_[i], codes_[i]);
}

template <typename T>
StridedLayerLearner<T>::~StridedLayerLearner() = default;

template <typename T>
bool StridedLayerLearner<T>::FilterSteps(double fidelity) {
  const std::size_t images = signals_.size();
  // The fidelity at `filters`, leaving the residuals in residuals_.
  const auto fidelityAt = [&](const FilterBank<T>& filters) {
    op_->SetFilters(filters);
    double value = 0.0;
    for (std::size_t i = 0; i < images; ++i) {
      op_->Apply(codes_[i].x, residuals_[i]);
      residuals_[i] -= signals_[i];
      value += HalfSquaredNorm(residuals_[i]);
    }
    return value;
  };
  const auto project = [&](FilterBank<T>& fresh) {
    ProjectFilters(fresh, options_.dictionary.zeroMean);
  };
  FilterBank<T> gradient = filters_, part = filters_;
  bool changed = false;
  for (std::size_t it = 0; it < options_.dictionary.iterations; ++it) {
    gradient.data.zeros();
    for (std::size_t i = 0; i < images; ++i) {
      // The residuals of the coded maps, then those of the last accepted filters.
      op_->FilterGradient(codes_[i].x, changed ? residuals_[i] : codes_[i].residualX, part);
      gradient.data += part.data;
    }
    double lipschitz = filterLipschitz_ / 2;
    if (!(lipschitz > 0.0)) {
      // First step: the curvature of the fidelity along the gradient, sum_i ||A_g z_i||^2 /
      // ||g||^2 (A is linear in the filters).
      const double g2 = 2.0 * HalfSquaredNorm(gradient.data);
      if (g2 == 0.0) break;
      op_->SetFilters(gradient);
      double curvature = 0.0;
      for (std::size_t i = 0; i < images; ++i) {
        op_->Apply(codes_[i].x, residuals_[i]);
        curvature += 2.0 * HalfSquaredNorm(residuals_[i]);
      }
      lipschitz = curvature / g2;
      if (!(lipschitz > 0.0) || !std::isfinite(lipschitz)) break;  // nothing changed yet
    }
    if (!BacktrackingFilterStep<T>(filters_, gradient, fidelity, lipschitz, project, fidelityAt)) {
      if (changed) fidelityAt(filters_);  // the residuals of the last accepted filters again
      break;
    }
    filterLipschitz_ = lipschitz;
    changed = true;
  }
  if (!changed) op_->SetFilters(filters_);
  return changed;
}

template <typename T>
IterationRecord StridedLayerLearner<T>::Run(Observer* observer) {
  return RunOuterIterations("batch", options_.iterations, observer, [&](const Timer& timer) {
    double fidelity = 0.0;
    for (std::size_t i = 0; i < signals_.size(); ++i) {
      for (std::size_t n = 0; n < options_.codingIterations; ++n)
        coder_->Step(*op_, signals_[i], codes_[i]);
      fidelity += codes_[i].current.fidelity;
    }
    const FilterBank<T> previous = filters_;
    const bool changed = FilterSteps(fidelity);
    CheckFiniteStep("StridedLayerLearner", iteration_ + 1, filters_);
    CodingSums sums;
    for (std::size_t i = 0; i < signals_.size(); ++i) {
      // The step is exact (ExactLipschitz): no power iterations.
      if (changed) coder_->OperatorChanged(*op_, signals_[i], codes_[i], 0, &residuals_[i]);
      sums.Add(codes_[i].current);
    }
    elapsed_ += timer.Seconds();
    ++iteration_;
    return LearnerRecord("StridedLayerLearner", iteration_, elapsed_, sums, options_.lambda,
                         previous, filters_, 0);
  });
}

template <typename T>
void StridedLayerLearner<T>::Describe(StateArchive<T>& a) {
  a.Setting("images", static_cast<double>(signals_.size()));
  a.Setting("stride", static_cast<double>(geometry_.stride));
  a.Setting("padding_rows", static_cast<double>(geometry_.paddingRows));
  a.Setting("padding_cols", static_cast<double>(geometry_.paddingCols));
  a.Require(
      a.Array("filters", filters_.data, filters_.Rows(), filters_.Cols(), filters_.data.n_slices)
          .is_finite(),
      "the filters are not finite");
  a.Count("iteration", iteration_);
  a.Number("elapsed", elapsed_);
  a.Number("filter_lipschitz", filterLipschitz_);
  const arma::SizeCube maps = op_->DomainSize(), signal = arma::size(signals_.front());
  for (std::size_t i = 0; i < signals_.size(); ++i)
    a.Part("image/" + std::to_string(i), [&] { DescribeFistaState(a, codes_[i], maps, signal); });
}

template <typename T>
void StridedLayerLearner<T>::RestoreState(const SavedState<T>& s) {
  RestoreDescribed(s, *this, "StridedLayerLearner::RestoreState(): ");
  op_->SetFilters(filters_);
}

template class StridedLayerLearner<float>;
template class StridedLayerLearner<double>;

}  // namespace dn
