// ProximalGradientSolver: saving and restoring its state (checkpoints). Kept apart from the
// iteration in proximal_gradient.cpp.
//
// Entries: x, y (maps), residual_at_y (F x C); circular: residual, previous_residual (F x C);
// valid: residual_image, previous_residual_image ((H*W) x C); with keepSpectra: spectra,
// previous_spectra (F x K); numbers momentum, keep_spectra, lambda, lipschitz, t, last_beta,
// iteration, elapsed and the statistics of the current iterate (record/...).
#include <cmath>
#include <stdexcept>

#include "solvers/proximal_gradient.hpp"

namespace dn {

template <typename T>
SavedState<T> ProximalGradientSolver<T>::SaveState() const {
  RequireBound("CscSolver::SaveState()");
  SavedState<T> s;
  s.Put("momentum", momentum_ ? 1.0 : 0.0);
  s.Put("keep_spectra", keepSpectra_ ? 1.0 : 0.0);
  s.Put("lambda", lambda_);
  s.Put("lipschitz", lipschitz_);
  s.Put("t", t_);
  s.Put("last_beta", lastBeta_);
  PutProgress(s, iteration_, elapsed_, current_);
  s.Put("x", x_);
  s.Put("y", y_);
  s.Put("residual_at_y", residualAtY_);
  if (op_->BoundaryMode() == Boundary::Circular) {
    s.Put("residual", residual_);
    s.Put("previous_residual", previousResidual_);
  } else {
    s.Put("residual_image", residualImage_);
    s.Put("previous_residual_image", previousResidualImage_);
  }
  if (keepSpectra_) {
    s.Put("spectra", spectra_);
    s.Put("previous_spectra", previousSpectra_);
  }
  return s;
}

template <typename T>
void ProximalGradientSolver<T>::RestoreState(const SavedState<T>& s) {
  RequireBound("CscSolver::RestoreState()");
  const auto fail = [](const std::string& what) {
    throw std::runtime_error("CscSolver::RestoreState(): " + what);
  };
  if (s.Flag("momentum") != momentum_)
    fail(std::string("the state is of ") + (momentum_ ? "ista" : "fista") + ", not " + Name());
  if (s.Flag("keep_spectra") != keepSpectra_)
    fail(keepSpectra_ ? "the state has no spectra"
                      : "the state keeps spectra, this solver does not");
  if (s.Number("lambda") != lambda_)
    fail("the state is for lambda " + std::to_string(s.Number("lambda")) + ", not " +
         std::to_string(lambda_));
  const double lipschitz = s.Number("lipschitz");
  if (!(lipschitz > 0.0) || !std::isfinite(lipschitz)) fail("bad Lipschitz constant");

  // Every entry is read and checked before anything changes.
  const arma::uword K = op_->FilterCount(), C = op_->Channels(), F = op_->Fft().SpectrumSize();
  const arma::uword Hm = op_->MapRows(), Wm = op_->MapCols();
  const arma::uword pixels = op_->ImageRows() * op_->ImageCols();
  const Maps<T>& x = s.Array("x", Hm, Wm, K);
  const Maps<T>& y = s.Array("y", Hm, Wm, K);
  const CMat& residualAtY = s.ComplexMatrix("residual_at_y", F, C);
  const bool circular = op_->BoundaryMode() == Boundary::Circular;
  const CMat* residual = circular ? &s.ComplexMatrix("residual", F, C) : nullptr;
  const CMat* previousResidual = circular ? &s.ComplexMatrix("previous_residual", F, C) : nullptr;
  const arma::Mat<T> residualImage =
      circular ? arma::Mat<T>() : s.Matrix("residual_image", pixels, C);
  const arma::Mat<T> previousResidualImage =
      circular ? arma::Mat<T>() : s.Matrix("previous_residual_image", pixels, C);
  const CMat* spectra = keepSpectra_ ? &s.ComplexMatrix("spectra", F, K) : nullptr;
  const CMat* previousSpectra = keepSpectra_ ? &s.ComplexMatrix("previous_spectra", F, K) : nullptr;
  const IterationRecord record = ReadProgress(s);
  const double t = s.Number("t"), lastBeta = s.Number("last_beta");

  lipschitz_ = lipschitz;
  t_ = t;
  lastBeta_ = lastBeta;
  iteration_ = record.iteration;
  elapsed_ = record.seconds;
  current_ = record;
  x_ = x;
  y_ = y;
  residualAtY_ = residualAtY;
  if (circular) {
    residual_ = *residual;
    previousResidual_ = *previousResidual;
  } else {
    residualImage_ = residualImage;
    previousResidualImage_ = previousResidualImage;
  }
  if (keepSpectra_) {
    spectra_ = *spectra;
    previousSpectra_ = *previousSpectra;
  }
}

template SavedState<float> ProximalGradientSolver<float>::SaveState() const;
template SavedState<double> ProximalGradientSolver<double>::SaveState() const;
template void ProximalGradientSolver<float>::RestoreState(const SavedState<float>&);
template void ProximalGradientSolver<double>::RestoreState(const SavedState<double>&);

}  // namespace dn
