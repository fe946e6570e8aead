// CoordinateDescentSolver: the fields of its saved state (checkpoints), for both SaveState() and
// RestoreState(). Kept apart from the iteration in coordinate_descent.cpp.
//
// Everything a pass reads that Reset() does not recompute from the operator, signal and lambda
// is saved: z, the residual r (W^2 r with a weight; kept up to date by the updates, so not the
// FFT's D z to the last bit), the working set (as a 0/1 array of the maps' shape: its order is the
// index order), the violation of the last full check, whether the next pass starts with one, and
// the counters.
#include <cmath>

#include "solvers/coordinate_descent.hpp"

namespace dn {

template <typename T>
void CoordinateDescentSolver<T>::Describe(StateArchive<T>& a) {
  RequireBound(a.Reading() ? "CscSolver::RestoreState()" : "CscSolver::SaveState()");
  a.Setting("cd", 1.0);
  a.Setting("lambda", lambda_);
  a.Setting("keep_spectra", keepSpectra_ ? 1.0 : 0.0);
  a.Setting("weighted", squaredWeight_.is_empty() ? 0.0 : 1.0);
  a.Setting("inner_ratio", options_.innerRatio);
  a.Setting("max_sweeps", static_cast<double>(options_.maxSweeps));
  a.Setting("growth", options_.growth);
  a.Setting("min_fraction", options_.minFraction);
  a.Setting("min_added", static_cast<double>(options_.minAdded));
  a.Setting("max_strips", static_cast<double>(options_.maxStrips));
  a.Flag("need_check", needCheck_);
  const double violation = a.Number("violation", violation_);
  a.Require(violation >= 0.0 && std::isfinite(violation), "bad violation");
  a.Number("kkt", kkt_);
  a.Count("iteration", iteration_);
  a.Number("elapsed", elapsed_);
  a.Number("updates", updates_);
  a.Part("record", [&] { DescribeRecord(a, current_); });

  const arma::uword Hm = op_->MapRows(), Wm = op_->MapCols(), K = op_->FilterCount();
  const arma::uword C = op_->Channels(), F = op_->Fft().SpectrumSize();
  const Maps<T>& z = a.Array("z", z_, Hm, Wm, K);
  a.Array("residual", residual_, op_->ImageRows(), op_->ImageCols(), C);
  Maps<T> mask;
  if (!a.Reading()) {
    mask.zeros(Hm, Wm, K);
    for (const Coordinate& c : working_) mask[c.index] = T(1);
  }
  const Maps<T>& read = a.ArrayValue("working_set", mask, Hm, Wm, K);
  if (a.Reading()) {
    std::vector<Coordinate> working;
    bool ok = true;
    for (arma::uword i = 0; i < read.n_elem; ++i) {
      ok = ok && (read[i] == T(0) || read[i] == T(1)) && (read[i] == T(1) || z[i] == T(0));
      if (read[i] == T(1)) working.push_back(MakeCoordinate(i, z[i]));
    }
    a.Require(ok, "'working_set' is not a 0/1 array holding the support of z");
    a.Set(working_, std::move(working));
    // The column norms and the groups follow from the operator the state is restored under:
    // the solver may have been Reset() under other filters (a learner resumed from its
    // checkpoint is made with its initial filters).
    a.OnCommit([this] {
      ComputeNorms();
      MakeGroups();
    });
  }
  if (keepSpectra_) a.ComplexMatrix("spectra", spectra_, F, K);
}

template void CoordinateDescentSolver<float>::Describe(StateArchive<float>&);
template void CoordinateDescentSolver<double>::Describe(StateArchive<double>&);

}  // namespace dn
