#include "solvers/operator_fista.hpp"

#include <cmath>
#include <stdexcept>

#include "core/state_archive.hpp"
#include "core/timer.hpp"
#include "solvers/proximal.hpp"

namespace dn {
namespace {

//! The step's L, or std::invalid_argument when the operator gave none.
double CheckedStep(double lipschitz) {
  if (!(lipschitz > 0.0) || !std::isfinite(lipschitz))
    throw std::invalid_argument("OperatorFista: the operator is zero or not finite");
  return lipschitz;
}

}  // namespace

template <typename T>
OperatorFista<T>::OperatorFista(double lambda, bool momentum)
    : lambda_(lambda), momentum_(momentum) {
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    throw std::invalid_argument("OperatorFista(): lambda must be finite and >= 0");
}

template <typename T>
void OperatorFista<T>::Statistics(OperatorFistaState<T>& state, double change, double norm) const {
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
  r.objective = Objective(fidelity, lambda_, l1);
  r.density = nonzeros / static_cast<double>(state.x.n_elem);
  r.relativeChange = RelativeChange(change, norm);
}

template <typename T>
void OperatorFista<T>::Start(LinearOperator<T>& op, const arma::Cube<T>& signal,
                             OperatorFistaState<T>& state, const arma::Cube<T>* start) const {
  const arma::SizeCube shape = op.DomainSize();
  if (start) {
    if (arma::size(*start) != shape)
      throw std::invalid_argument("OperatorFista::Start(): the start does not match the operator");
    state.x = *start;
  } else {
    state.x.zeros(shape);
  }
  state.y = state.x;
  state.t = 1.0;
  state.current = IterationRecord();
  op.Apply(state.x, state.residualX);
  if (arma::size(state.residualX) != arma::size(signal))
    throw std::invalid_argument("OperatorFista::Start(): the signal does not match the operator");
  state.residualX -= signal;
  state.residualY = state.residualX;
  state.powerVector.reset();
  state.lipschitz = CheckedStep(op.Lipschitz(state.powerVector, kStartPowerSteps));
  Statistics(state, 0.0, 0.0);
}

template <typename T>
void OperatorFista<T>::OperatorChanged(LinearOperator<T>& op, const arma::Cube<T>& signal,
                                       OperatorFistaState<T>& state, int powerSteps,
                                       const arma::Cube<T>* residualX) const {
  if (residualX) {
    state.residualX = *residualX;
  } else {
    op.Apply(state.x, state.residualX);
    state.residualX -= signal;
  }
  if (momentum_) {
    op.Apply(state.y, state.residualY);
    state.residualY -= signal;
  } else {
    state.residualY = state.residualX;  // ISTA: y = x
  }
  state.lipschitz = CheckedStep(op.Lipschitz(state.powerVector, powerSteps));
  const double change = state.current.relativeChange;
  Statistics(state, 0.0, 0.0);
  state.current.relativeChange = change;
}

template <typename T>
const IterationRecord& OperatorFista<T>::Step(LinearOperator<T>& op, const arma::Cube<T>& signal,
                                              OperatorFistaState<T>& state) {
  const double tNext = momentum_ ? 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * state.t * state.t)) : 1.0;
  const T beta = static_cast<T>(momentum_ ? (state.t - 1.0) / tNext : 0.0);
  const T step = static_cast<T>(1.0 / state.lipschitz);
  const T threshold = static_cast<T>(lambda_ / state.lipschitz);
  op.Adjoint(state.residualY, gradient_);
  double change = 0.0, norm = 0.0;
  T* x = state.x.memptr();
  T* y = state.y.memptr();
  const T* g = gradient_.memptr();
  for (arma::uword i = 0; i < state.x.n_elem; ++i) {
    const T fresh = SoftThreshold(y[i] - step * g[i], threshold);
    const double delta = double(fresh) - double(x[i]);
    change += delta * delta;
    norm += double(fresh) * double(fresh);
    y[i] = fresh + beta * (fresh - x[i]);
    x[i] = fresh;
  }
  op.Apply(state.x, synthesis_);
  synthesis_ -= signal;  // the residual at the new x
  // r_y = r_x' + beta (r_x' - r_x), by linearity.
  state.residualY = synthesis_ + beta * (synthesis_ - state.residualX);
  state.residualX.swap(synthesis_);
  state.t = tNext;
  ++state.current.iteration;
  Statistics(state, change, norm);
  if (!std::isfinite(state.current.objective))
    throw DivergenceError("OperatorFista: the objective is not finite (diverged)");
  return state.current;
}

template <typename T>
SolveReport OperatorFista<T>::Solve(LinearOperator<T>& op, const arma::Cube<T>& signal,
                                    OperatorFistaState<T>& state, const SolveOptions& options,
                                    Observer* observer) {
  options.Validate();
  SolveReport report;
  if (observer) observer->Begin({Name(), 0, options.maxIterations});
  Timer timer;
  const double before = state.current.seconds;
  for (std::size_t it = 0; it < options.maxIterations; ++it) {
    Step(op, signal, state);
    ++report.iterations;
    state.current.seconds = before + timer.Seconds();
    if (ShouldStop(state.current, options, observer, report, "OperatorFista")) break;
  }
  report.seconds = timer.Seconds();
  report.last = state.current;
  if (observer) observer->End(report.last, report.reason);
  return report;
}

template <typename T>
void DescribeFistaState(StateArchive<T>& a, OperatorFistaState<T>& c, const arma::SizeCube& maps,
                        const arma::SizeCube& signal) {
  a.Array("x", c.x, maps.n_rows, maps.n_cols, maps.n_slices);
  a.Array("y", c.y, maps.n_rows, maps.n_cols, maps.n_slices);
  a.Array("residual_x", c.residualX, signal.n_rows, signal.n_cols, signal.n_slices);
  a.Array("residual_y", c.residualY, signal.n_rows, signal.n_cols, signal.n_slices);
  a.OptionalArray("power", c.powerVector, maps.n_rows, maps.n_cols, maps.n_slices);
  a.Number("t", c.t);
  const double lipschitz = a.Number("lipschitz", c.lipschitz);
  a.Require(lipschitz > 0.0 && std::isfinite(lipschitz),
            "'" + a.FullName("lipschitz") + "' is not a positive finite number");
  a.Part("record", [&] { DescribeRecord(a, c.current); });
}

template void DescribeFistaState(StateArchive<float>&, OperatorFistaState<float>&,
                                 const arma::SizeCube&, const arma::SizeCube&);
template void DescribeFistaState(StateArchive<double>&, OperatorFistaState<double>&,
                                 const arma::SizeCube&, const arma::SizeCube&);
template <typename T>
SolveReport OperatorFista<T>::Code(LinearOperator<T>& op, const arma::Cube<T>& signal,
                                   const SolveOptions& options, Observer* observer,
                                   arma::Cube<T>& maps, const arma::Cube<T>* start) {
  OperatorFistaState<T> state;
  Start(op, signal, state, start);
  const SolveReport report = Solve(op, signal, state, options, observer);
  maps = std::move(state.x);
  return report;
}

template class OperatorFista<float>;
template class OperatorFista<double>;

}  // namespace dn
