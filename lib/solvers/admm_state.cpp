// AdmmSolver: saving and restoring its state (checkpoints). Kept apart from the iteration in
// admm.cpp. The entries are listed in admm.hpp (AdmmSolver::SaveState); everything Solve() reads
// that Reset() does not recompute from the operator, signal and lambda is saved, so that a
// restored solver continues bit for bit.
#include <cmath>
#include <stdexcept>

#include "solvers/admm.hpp"

namespace dn {

template <typename T>
SavedState<T> AdmmSolver<T>::SaveState() const {
  RequireBound("CscSolver::SaveState()");
  SavedState<T> s;
  s.Put("admm", 1.0);
  s.Put("lambda", lambda_);
  s.Put("relaxation", options_.relaxation);
  s.Put("auto_rho", options_.autoRho ? 1.0 : 0.0);
  s.Put("rho_period", static_cast<double>(options_.rhoPeriod));
  s.Put("rho_ratio", options_.rhoRatio);
  s.Put("rho_scaling_max", options_.rhoScalingMax);
  s.Put("rho", rho_);
  s.Put("rho_target", rhoTarget_);
  s.Put("dual_scale", dualScale_);
  s.Put("primal_residual", primalResidual_);
  s.Put("dual_residual", dualResidual_);
  PutProgress(s, iteration_, elapsed_, current_);
  s.Put("y", y_);
  s.Put("y_spectra", ySpectra_);
  s.Put("dual_spectra", dualSpectra_);
  s.Put("synthesis_y", synthesisY_);
  s.Put("synthesis_dual", synthesisDual_);
  return s;
}

template <typename T>
void AdmmSolver<T>::RestoreState(const SavedState<T>& s) {
  RequireBound("CscSolver::RestoreState()");
  const auto fail = [](const std::string& what) {
    throw std::runtime_error("CscSolver::RestoreState(): " + what);
  };
  if (!s.Has("admm")) fail("the state is not of admm");
  if (s.Number("lambda") != lambda_)
    fail("the state is for lambda " + std::to_string(s.Number("lambda")) + ", not " +
         std::to_string(lambda_));
  if (s.Number("relaxation") != options_.relaxation || s.Flag("auto_rho") != options_.autoRho ||
      s.Count("rho_period") != options_.rhoPeriod || s.Number("rho_ratio") != options_.rhoRatio ||
      s.Number("rho_scaling_max") != options_.rhoScalingMax)
    fail("the state is of admm with other options");
  const double rho = s.Number("rho"), rhoTarget = s.Number("rho_target");
  const double dualScale = s.Number("dual_scale");
  if (!(rho > 0.0) || !std::isfinite(rho)) fail("bad penalty rho");
  if (!(rhoTarget > 0.0) || !std::isfinite(rhoTarget)) fail("bad rho_target");
  if (!(dualScale > 0.0) || !std::isfinite(dualScale)) fail("bad dual_scale");

  // Every entry is read and checked before anything changes.
  const arma::uword K = op_->FilterCount(), C = op_->Channels(), F = op_->Fft().SpectrumSize();
  const Maps<T>& y = s.Array("y", op_->MapRows(), op_->MapCols(), K);
  const CMat& ySpectra = s.ComplexMatrix("y_spectra", F, K);
  const CMat& dualSpectra = s.ComplexMatrix("dual_spectra", F, K);
  const CMat& synthesisY = s.ComplexMatrix("synthesis_y", F, C);
  const CMat& synthesisDual = s.ComplexMatrix("synthesis_dual", F, C);
  const IterationRecord record = ReadProgress(s);
  const double primalResidual = s.Number("primal_residual");
  const double dualResidual = s.Number("dual_residual");

  rho_ = rho;
  rhoTarget_ = rhoTarget;
  dualScale_ = dualScale;
  iteration_ = record.iteration;
  elapsed_ = record.seconds;
  primalResidual_ = primalResidual;
  dualResidual_ = dualResidual;
  current_ = record;
  y_ = y;
  ySpectra_ = ySpectra;
  dualSpectra_ = dualSpectra;
  synthesisY_ = synthesisY;
  synthesisDual_ = synthesisDual;
}

template SavedState<float> AdmmSolver<float>::SaveState() const;
template SavedState<double> AdmmSolver<double>::SaveState() const;
template void AdmmSolver<float>::RestoreState(const SavedState<float>&);
template void AdmmSolver<double>::RestoreState(const SavedState<double>&);

}  // namespace dn
