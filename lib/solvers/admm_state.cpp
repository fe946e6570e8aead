// AdmmSolver: the fields of its saved state (checkpoints), for both SaveState() and
// RestoreState(). Kept apart from the iteration in admm.cpp. The entries are listed in admm.hpp
// (AdmmSolver::Describe); everything Solve() reads that Reset() does not recompute from the
// operator, signal and lambda is saved, so that a restored solver continues bit for bit.
#include <cmath>

#include "solvers/admm.hpp"
#include "solvers/admm_mask_decoupling.hpp"

namespace dn {

template <typename T>
void DescribeAdmmSettings(StateArchive<T>& a, const AdmmOptions& options, double lambda,
                          double& rho, double& rhoTarget, double& dualScale) {
  a.Setting("admm", 1.0);
  a.Setting("lambda", lambda);
  a.Setting("relaxation", options.relaxation);
  a.Setting("auto_rho", options.autoRho ? 1.0 : 0.0);
  a.Setting("rho_period", static_cast<double>(options.rhoPeriod));
  a.Setting("rho_ratio", options.rhoRatio);
  a.Setting("rho_scaling_max", options.rhoScalingMax);
  const auto positive = [&a](double value, const std::string& what) {
    a.Require(value > 0.0 && std::isfinite(value), "bad " + what);
  };
  positive(a.Number("rho", rho), "penalty rho");
  positive(a.Number("rho_target", rhoTarget), "rho_target");
  positive(a.Number("dual_scale", dualScale), "dual_scale");
}

template <typename T>
void AdmmSolver<T>::Describe(StateArchive<T>& a) {
  RequireBound(a.Reading() ? "CscSolver::RestoreState()" : "CscSolver::SaveState()");
  if (decoupled_) return decoupled_->Describe(a);
  DescribeAdmmSettings(a, options_, lambda_, rho_, rhoTarget_, dualScale_);
  a.Number("primal_residual", primalResidual_);
  a.Number("dual_residual", dualResidual_);
  a.Count("iteration", iteration_);
  a.Number("elapsed", elapsed_);
  a.Part("record", [&] { DescribeRecord(a, current_); });

  const arma::uword K = op_->FilterCount(), C = op_->Channels(), F = op_->Fft().SpectrumSize();
  a.Array("y", y_, op_->MapRows(), op_->MapCols(), K);
  a.ComplexMatrix("y_spectra", ySpectra_, F, K);
  a.ComplexMatrix("dual_spectra", dualSpectra_, F, K);
  a.ComplexMatrix("synthesis_y", synthesisY_, F, C);
  a.ComplexMatrix("synthesis_dual", synthesisDual_, F, C);
}

template void DescribeAdmmSettings(StateArchive<float>&, const AdmmOptions&, double, double&,
                                   double&, double&);
template void DescribeAdmmSettings(StateArchive<double>&, const AdmmOptions&, double, double&,
                                   double&, double&);
template void AdmmSolver<float>::Describe(StateArchive<float>&);
template void AdmmSolver<double>::Describe(StateArchive<double>&);

}  // namespace dn
