// ProximalGradientSolver: the fields of its saved state (checkpoints), for both SaveState() and
// RestoreState(). Kept apart from the iteration in proximal_gradient.cpp.
//
// Entries: x, y (maps), residual_at_y (F x C); circular without a weight: residual,
// previous_residual (F x C); valid or weighted: residual_image, previous_residual_image
// ((H*W) x C, the weighted residuals W^2 (D x - s)); numbers momentum, keep_spectra,
// lambda (which must be this solver's), lipschitz, t, last_beta, iteration, elapsed and the
// statistics of the current iterate (record/...).
#include <cmath>

#include "solvers/proximal_gradient.hpp"

namespace dn {

template <typename T>
void ProximalGradientSolver<T>::Describe(StateArchive<T>& a) {
  RequireBound(a.Reading() ? "CscSolver::RestoreState()" : "CscSolver::SaveState()");
  a.Setting("momentum", momentum_ ? 1.0 : 0.0);
  a.Setting("keep_spectra", keepSpectra_ ? 1.0 : 0.0);
  a.Setting("lambda", lambda_);
  const double lipschitz = a.Number("lipschitz", lipschitz_);
  a.Require(lipschitz > 0.0 && std::isfinite(lipschitz), "bad Lipschitz constant");
  a.Number("t", t_);
  a.Number("last_beta", lastBeta_);
  a.Count("iteration", iteration_);
  a.Number("elapsed", elapsed_);
  a.Part("record", [&] { DescribeRecord(a, current_); });

  const arma::uword K = op_->FilterCount(), C = op_->Channels(), F = op_->Fft().SpectrumSize();
  const arma::uword pixels = op_->ImageRows() * op_->ImageCols();
  a.Array("x", x_, op_->MapRows(), op_->MapCols(), K);
  a.Array("y", y_, op_->MapRows(), op_->MapCols(), K);
  a.ComplexMatrix("residual_at_y", residualAtY_, F, C);
  if (!SpatialResidual()) {
    a.ComplexMatrix("residual", residual_, F, C);
    a.ComplexMatrix("previous_residual", previousResidual_, F, C);
  } else {
    a.Matrix("residual_image", residualImage_, pixels, C);
    a.Matrix("previous_residual_image", previousResidualImage_, pixels, C);
  }
  // The spectra of x are not saved but transformed again, as Solve() transforms x: the same
  // plan on the same maps gives the same bits. Those of the previous x, which only an
  // OperatorChanged() before the next iteration would use, are dropped (see csc_solver.hpp).
  if (keepSpectra_)
    a.OnCommit([this] {
      op_->MapSpectra(x_, spectra_);
      previousSpectra_.reset();
    });
}

template void ProximalGradientSolver<float>::Describe(StateArchive<float>&);
template void ProximalGradientSolver<double>::Describe(StateArchive<double>&);

}  // namespace dn
