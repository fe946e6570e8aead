// ISTA and FISTA over any LinearOperator (solvers/linear_operator.hpp):
//
//   minimise_z  1/2 || A z - s ||^2 + lambda || z ||_1
//
// proximal gradient with step 1/L, L = A.Lipschitz() (Daubechies, Defrise & De Mol, CPAM 2004),
// with Nesterov momentum for FISTA (Beck & Teboulle, SIAM J. Imaging Sci. 2009). One iteration
// costs one A^T and one A: the residual at the extrapolated point follows from those at the
// iterates by linearity, r_y = r_x' + beta (r_x' - r_x). Pixel-mode coding of a network layer
// runs it on the top-down operator (network/top_down.hpp); the convolutional dictionary operator
// has its own fused ISTA/FISTA (solvers/proximal_gradient.hpp) with the same iteration.
//
// The iterate is a plain value (OperatorFistaState), so that a caller keeping one per signal (the
// pixel-mode learner, one per training image) can save and restore it; OperatorFista holds only
// the problem's lambda and buffers.
#pragma once

#include "solvers/csc_solver.hpp"
#include "solvers/linear_operator.hpp"

namespace dn {

template <typename T>
struct OperatorFistaState {
  arma::Cube<T> x, y;                  //!< iterate and extrapolated point
  arma::Cube<T> residualX, residualY;  //!< A x - s and A y - s
  double t = 1.0;                      //!< FISTA's t
  double lipschitz = 0.0;              //!< step 1 / lipschitz
  arma::Cube<T> powerVector;           //!< warm start of the operator's power iteration
  IterationRecord current;             //!< statistics of x
};

//! The fields of `state` for both saving and restoring it (core/state_archive.hpp), maps of
//! `maps` and signals of `signal`: x, y, residual_x, residual_y, power (when set), t, lipschitz
//! (which must be positive and finite) and the statistics of x under record/.
template <typename T>
void DescribeFistaState(StateArchive<T>& archive, OperatorFistaState<T>& state,
                        const arma::SizeCube& maps, const arma::SizeCube& signal);

template <typename T>
class OperatorFista {
public:
  //! Power iterations of Start() for the first Lipschitz estimate.
  static constexpr int kStartPowerSteps = 30;

  //! ISTA, or FISTA with `momentum`. Throws std::invalid_argument unless lambda is finite, >= 0.
  OperatorFista(double lambda, bool momentum);
  std::string Name() const { return momentum_ ? "fista" : "ista"; }

  //! Starts `state` from `start` (zeros when null): residuals, the step (kStartPowerSteps power
  //! steps from a fresh vector) and the statistics. Throws std::invalid_argument when the start
  //! or the signal does not match the operator, or the operator is zero or not finite.
  void Start(LinearOperator<T>& op, const arma::Cube<T>& signal, OperatorFistaState<T>& state,
             const arma::Cube<T>* start = nullptr) const;
  //! One iteration; returns the statistics of the new iterate. Throws DivergenceError when the
  //! objective is not finite.
  const IterationRecord& Step(LinearOperator<T>& op, const arma::Cube<T>& signal,
                              OperatorFistaState<T>& state);
  //! The operator changed: recomputes the residuals, keeping x, y and t, and refreshes the step
  //! with `powerSteps` warm power iterations. `residualX`, when given, is A x - s under the new
  //! operator, already computed by the caller.
  void OperatorChanged(LinearOperator<T>& op, const arma::Cube<T>& signal,
                       OperatorFistaState<T>& state, int powerSteps,
                       const arma::Cube<T>* residualX = nullptr) const;
  //! Runs up to options.maxIterations iterations (stopping on the tolerance or the observer).
  SolveReport Solve(LinearOperator<T>& op, const arma::Cube<T>& signal,
                    OperatorFistaState<T>& state, const SolveOptions& options,
                    Observer* observer = nullptr);

  //! Start() from `start` (zeros when null), then Solve(); the solution into `maps`.
  SolveReport Code(LinearOperator<T>& op, const arma::Cube<T>& signal, const SolveOptions& options,
                   Observer* observer, arma::Cube<T>& maps, const arma::Cube<T>* start = nullptr);

private:
  //! The statistics of x into state.current, with change and norm for its relative change.
  void Statistics(OperatorFistaState<T>& state, double change, double norm) const;

  double lambda_;
  bool momentum_;
  arma::Cube<T> gradient_, synthesis_;
};

extern template class OperatorFista<float>;
extern template class OperatorFista<double>;

}  // namespace dn
