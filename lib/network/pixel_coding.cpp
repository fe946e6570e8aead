#include "network/pixel_coding.hpp"

#include <cmath>
#include <stdexcept>

#include "core/timer.hpp"

namespace dn {

template <typename T>
PixelCoder<T>::PixelCoder(TopDownOperator<T>& op, double lambda, bool momentum)
    : op_(op), lambda_(lambda), momentum_(momentum) {
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    throw std::invalid_argument("PixelCoder(): lambda must be finite and >= 0");
}

template <typename T>
void PixelCoder<T>::Statistics(PixelCodingState<T>& state, double change, double norm) const {
  double fidelity = 0.0, l1 = 0.0, nonzeros = 0.0;
  for (arma::uword i = 0; i < state.residualX.n_elem; ++i)
    fidelity += 0.5 * double(state.residualX[i]) * double(state.residualX[i]);
  for (arma::uword i = 0; i < state.x.n_elem; ++i) {
    l1 += std::abs(double(state.x[i]));
    nonzeros += state.x[i] != T(0);
  }
  IterationRecord& r = state.current;
  r.fidelity = fidelity;
  r.l1 = l1;
  r.objective = fidelity + lambda_ * l1;
  r.density = nonzeros / static_cast<double>(state.x.n_elem);
  r.relativeChange = norm > 0 ? std::sqrt(change / norm) : (change > 0 ? 1.0 : 0.0);
}

template <typename T>
void PixelCoder<T>::Start(const Image<T>& signal, PixelCodingState<T>& state,
                          const Maps<T>* start) {
  const LayerShape& shape = op_.TopShape();
  if (start) {
    if (start->n_rows != shape.mapRows || start->n_cols != shape.mapCols ||
        start->n_slices != shape.maps)
      throw std::invalid_argument("PixelCoder::Start(): the start does not match the layer's maps");
    state.x = *start;
  } else {
    state.x.zeros(shape.mapRows, shape.mapCols, shape.maps);
  }
  state.y = state.x;
  state.t = 1.0;
  state.current = IterationRecord();
  op_.Apply(state.x, state.residualX);
  if (state.residualX.n_rows != signal.n_rows || state.residualX.n_cols != signal.n_cols ||
      state.residualX.n_slices != signal.n_slices)
    throw std::invalid_argument("PixelCoder::Start(): the image does not match the network");
  state.residualX -= signal;
  state.residualY = state.residualX;
  state.powerVector.reset();
  state.lipschitz =
      kLipschitzMargin * EstimateNormSquared(op_, state.powerVector, kStartPowerSteps, 1);
  if (!(state.lipschitz > 0.0) || !std::isfinite(state.lipschitz))
    throw std::invalid_argument("PixelCoder::Start(): the top-down operator is zero or not finite");
  Statistics(state, 0.0, 0.0);
}

template <typename T>
void PixelCoder<T>::OperatorChanged(const Image<T>& signal, PixelCodingState<T>& state,
                                    int powerSteps, const Image<T>* residualX) {
  if (residualX) {
    state.residualX = *residualX;
  } else {
    op_.Apply(state.x, state.residualX);
    state.residualX -= signal;
  }
  if (momentum_) {
    op_.Apply(state.y, state.residualY);
    state.residualY -= signal;
  } else {
    state.residualY = state.residualX;  // ISTA: y = x
  }
  const double estimate = EstimateNormSquared(op_, state.powerVector, powerSteps, 1);
  if (!(estimate > 0.0) || !std::isfinite(estimate))
    throw std::invalid_argument("PixelCoder: the top-down operator is zero or not finite");
  state.lipschitz = kLipschitzMargin * estimate;
  const double change = state.current.relativeChange;
  Statistics(state, 0.0, 0.0);
  state.current.relativeChange = change;
}

template <typename T>
const IterationRecord& PixelCoder<T>::Step(const Image<T>& signal, PixelCodingState<T>& state) {
  const double tNext = momentum_ ? 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * state.t * state.t)) : 1.0;
  const T beta = static_cast<T>(momentum_ ? (state.t - 1.0) / tNext : 0.0);
  const T step = static_cast<T>(1.0 / state.lipschitz);
  const T threshold = static_cast<T>(lambda_ / state.lipschitz);
  op_.Adjoint(state.residualY, gradient_);
  double change = 0.0, norm = 0.0;
  T* x = state.x.memptr();
  T* y = state.y.memptr();
  const T* g = gradient_.memptr();
  for (arma::uword i = 0; i < state.x.n_elem; ++i) {
    const T v = y[i] - step * g[i];
    const T magnitude = std::abs(v) - threshold;
    const T fresh = magnitude > T(0) ? std::copysign(magnitude, v) : T(0);
    const double delta = double(fresh) - double(x[i]);
    change += delta * delta;
    norm += double(fresh) * double(fresh);
    y[i] = fresh + beta * (fresh - x[i]);
    x[i] = fresh;
  }
  op_.Apply(state.x, synthesis_);
  synthesis_ -= signal;  // the residual at the new x
  // r_y = r_x' + beta (r_x' - r_x), by linearity.
  state.residualY = synthesis_ + beta * (synthesis_ - state.residualX);
  state.residualX.swap(synthesis_);
  state.t = tNext;
  ++state.current.iteration;
  Statistics(state, change, norm);
  if (!std::isfinite(state.current.objective))
    throw DivergenceError("PixelCoder: the objective is not finite (diverged)");
  return state.current;
}

template <typename T>
SolveReport PixelCoder<T>::Solve(const Image<T>& signal, PixelCodingState<T>& state,
                                 const SolveOptions& options, IterationObserver* observer) {
  options.Validate();
  SolveReport report;
  Timer timer;
  const double before = state.current.seconds;
  for (std::size_t it = 0; it < options.maxIterations; ++it) {
    Step(signal, state);
    ++report.iterations;
    state.current.seconds = before + timer.Seconds();
    if (ShouldStop(state.current, options, observer, report, "PixelCoder")) break;
  }
  report.seconds = timer.Seconds();
  report.last = state.current;
  return report;
}

template class PixelCoder<float>;
template class PixelCoder<double>;

}  // namespace dn
