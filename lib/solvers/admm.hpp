// ADMM for convolutional sparse coding (Wohlberg, "Efficient Algorithms for
// Convolutional Sparse Representations", IEEE TIP 25(1), 2016; see csc_solver.hpp for the
// problem). With the split x = y, scaled dual u, penalty rho and over-relaxation alpha:
//
//   x  = argmin_x 1/2 ||D x - s||^2 + rho/2 ||x - (y - u)||^2
//   xr = alpha x + (1 - alpha) y
//   y' = S_{lambda/rho}(xr + u)
//   u' = u + xr - y'
//
// The x step is solved exactly per frequency w, where D(w) is the C x K matrix of filter
// spectra. With w = y - u, x = w + D^H (rho I + D D^H)^{-1} (s - D w): for one channel the
// Sherman-Morrison solution x = w + conj(d) (s - d^T w) / (rho + ||d||^2), for C channels the
// Woodbury identity with a C x C solve per frequency.
//
// Everything but y lives in the frequency domain, so one iteration is one pass over the maps
// with one inverse and one forward FFT each (2K transforms, as FISTA): per map k,
//   X_k = Y_k - U_k + sum_c conj(D_kc) e_c,   e = (rho I + D D^H)^{-1} (S - D Y + D U)
//   V_k = alpha X_k + (1 - alpha) Y_k + U_k,  y_k' = S_{lambda/rho}(IFFT(V_k)),
//   Y_k' = FFT(y_k'),  U_k' = V_k - Y_k'
// accumulating D Y' (per thread, summed in thread order) for the objective and the next e. D U' = D
// V - D Y' needs no second accumulation: D V = D Y + (1 - alpha) D U + alpha (D D^H) e per
// frequency. The objective is reported at the sparse variable y (as SPORCO with AuxVarObj),
// exactly, from D Y'.
//
// rho follows residual balancing (Boyd et al. 2010) with the adaptive factor and target ratio of
// Wohlberg, "ADMM Penalty Parameter Selection by Residual Balancing", arXiv:1704.06209, 2017:
// relative residuals r = ||x - y'|| / max(||x||, ||y'||), s = ||y' - y|| / ||u'||; when
// r > xi mu s, rho *= f, when s > (mu / xi) r, rho /= f, with f = min(sqrt(r / (xi s)) or its
// inverse, tau); u is rescaled by the inverse factor. Defaults are SPORCO's for ConvBPDN except
// the period: SPORCO balances after every iteration, which near convergence can make rho
// oscillate and the iterates drift away again (seen with SPORCO itself on small random problems,
// after ~300 iterations); every 10th iteration (SPORCO's choice inside dictionary learning) is
// stable there and costs 2 more iterations to 0.1% on the benchmark B problem (67 instead of 65).
//
// Filters that are identically zero (the unconnected pairs of a network layer) are skipped in
// every sum over filters (ConvOperator::ChannelsOf / FiltersOf); the x step stays exact, since
// D D^H (the operator's FilterGram) and D^H e have no terms from them, and a map all of whose
// filters are zero just shrinks towards zero, as it does in the problem.
//
// The valid boundary and a data weight need an extra split of the data term (mask decoupling):
// Reset() then hands the problem to MaskDecouplingAdmm (solvers/admm_mask_decoupling.hpp) and
// every call goes to it; this class's own iteration is the circular, unweighted one.
#pragma once

#include <memory>

#include "solvers/csc_solver.hpp"
#include "solvers/kernels.hpp"

namespace dn {

template <typename T>
class MaskDecouplingAdmm;

//! Solves (shift I + G) e = b at frequency f, with G = gram row f viewed as the C x C Hermitian
//! matrix D(f) D(f)^H (ConvOperator::FilterGram(), column a + C b), by Cholesky; shift > 0.
//! `system`: C * C values of workspace; `rhs`: b on entry, e on return.
template <typename T>
void SolveShiftedGram(const arma::Mat<Complex<T>>& gram, arma::uword f, double shift,
                      Complex<double>* system, Complex<double>* rhs);

//! D Y and D U (true scale: dualScale times D of `dualSpectra`), F x C, from the half spectra of
//! y and of u / dualScale (F x K), parallel over frequencies; zero filters skipped.
template <typename T>
void SynthesizeIterateAndDual(const ConvOperator<T>& op, const arma::Mat<Complex<T>>& ySpectra,
                              const arma::Mat<Complex<T>>& dualSpectra, double dualScale,
                              arma::Mat<Complex<T>>& synthesisY,
                              arma::Mat<Complex<T>>& synthesisDual);

struct AdmmOptions {
  double rho = 0.0;               //!< initial penalty; 0 = 50 lambda + 1
  double relaxation = 1.8;        //!< alpha, in (0, 2); 1 = no over-relaxation
  bool autoRho = true;            //!< residual balancing
  std::size_t rhoPeriod = 10;     //!< balance after every rhoPeriod-th iteration (see above)
  double rhoRatio = 1.2;          //!< mu > 1: rebalance when one residual exceeds the other so much
  double rhoScalingMax = 1000.0;  //!< tau >= 1: the largest factor of one update
  double rhoTarget = 0.0;         //!< xi > 0: target of r / s; 0 = 1 + 18.3^(log10(lambda) + 1)
  void Validate() const;
};

//! The entries of every ADMM state (admm_state.cpp): "admm", lambda and the options as
//! settings, and the penalty rho, rho_target and dual_scale (read into them, checked positive).
template <typename T>
void DescribeAdmmSettings(StateArchive<T>& archive, const AdmmOptions& options, double lambda,
                          double& rho, double& rhoTarget, double& dualScale);

//! Residual balancing (see above): the factor rho is multiplied by for the relative primal and
//! dual residuals r and s and the target xi (1: no change).
double RhoBalancingChange(double r, double s, double xi, const AdmmOptions& options);

template <typename T>
class AdmmSolver : public CscSolver<T> {
public:
  explicit AdmmSolver(const AdmmOptions& options = AdmmOptions());
  ~AdmmSolver() override;

  std::string Name() const override { return "admm"; }
  void Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
             const Maps<T>* start = nullptr, const Image<T>* weight = nullptr) override;
  SolveReport Solve(const SolveOptions& options, Observer* observer) override;
  IterationRecord OperatorChanged() override;
  //! The sparse variable y.
  const Maps<T>& Solution() const override;
  //! Half spectra of y (always kept: the iteration needs them).
  const arma::Mat<Complex<T>>& SolutionSpectra() const override;
  IterationRecord Current() const override;
  //! Entries: y (maps), y_spectra, dual_spectra (F x K), synthesis_y, synthesis_dual (F x C);
  //! numbers admm, lambda, the options (relaxation, auto_rho, rho_period, rho_ratio,
  //! rho_scaling_max), rho, rho_target, dual_scale, iteration, elapsed, primal_residual,
  //! dual_residual and the statistics of the current iterate (record/...). See admm_state.cpp.
  void Describe(StateArchive<T>& archive) override;

  //! The penalty parameter in force.
  double Rho() const;
  //! True after a Reset() with a weight or the valid boundary (mask decoupling).
  bool MaskDecoupling() const { return decoupled_ != nullptr; }
  //! Relative primal residual of the last iteration that balanced rho (computed only then; 0
  //! before, and always without autoRho).
  double PrimalResidual() const { return primalResidual_; }

private:
  using CMat = arma::Mat<Complex<T>>;

  void RequireBound(const char* who) const;
  //! synthesisY_ = D Y and synthesisDual_ = D U (true scale); returns 1/2 ||D y - s||^2.
  double Resynthesise();
  //! 1/2 ||D y - s||^2 from synthesisY_ (residual_ as workspace).
  double Fidelity();
  //! Scales u by `factor`, lazily: dualScale_ applies to dualSpectra_ at the next pass.
  void ScaleDual(double factor);

  AdmmOptions options_;
  std::unique_ptr<MaskDecouplingAdmm<T>> decoupled_;  //!< set by Reset() when it is needed
  const ConvOperator<T>* op_ = nullptr;
  const Image<T>* signal_ = nullptr;
  double lambda_ = 0.0, rhoTarget_ = 1.0;
  IterationRecord current_;

  // The iterate: everything the next iteration depends on (y, its spectra, the scaled dual u,
  // rho, the iteration count and time), with D Y and D U below: all saved by SaveState().
  Maps<T> y_;               //!< the sparse variable, Hm x Wm x K
  CMat ySpectra_;           //!< FFT of y, F x K
  CMat dualSpectra_;        //!< FFT of u / dualScale_, F x K
  double dualScale_ = 1.0;  //!< u = dualScale_ * IFFT(dualSpectra_)
  double rho_ = 1.0;
  std::size_t iteration_ = 0;
  double elapsed_ = 0.0;
  double primalResidual_ = 0.0, dualResidual_ = 0.0;

  // Derived from the iterate and the operator (recomputed by Reset / OperatorChanged / rho);
  // D D^H per frequency is the operator's FilterGram().
  // D Y and D U are saved too: after an iteration they come from its own sums (D U = D V - D Y'),
  // which Resynthesise() would not reproduce to the last bit.
  CMat signalSpectra_;  //!< FFT of s, F x C
  CMat synthesisY_;     //!< D Y, F x C
  CMat synthesisDual_;  //!< D U (true scale), F x C
  CMat correction_;     //!< e = (rho I + D D^H)^{-1} (S - D Y + D U), F x C
  CMat synthesisV_;     //!< D V = D Y + (1 - alpha) D U + alpha D D^H e, F x C

  // Per-thread workspace (allocated in Reset).
  struct MapSums {
    kernels::MapSums maps;                     //!< of y'
    double xEnergy = 0, primal = 0, dual = 0;  //!< Parseval sums of X, X - Y', U'
  };
  int threads_ = 1;
  std::vector<MapSums> mapSums_;             //!< per map, summed in map order
  std::vector<CMat> accumulators_;           //!< per thread: F x C partial sums of D Y'
  std::vector<const Complex<T>*> partials_;  //!< [c * threads + t]: accumulators_[t].colptr(c)
  CMat residual_;                            //!< D Y - S, F x C
  std::vector<arma::Col<Complex<T>>> transformInput_;  //!< V_k, destroyed by the inverse FFT
  std::vector<arma::Col<Complex<T>>> xSpectra_;        //!< X_k, for the primal residual
  std::vector<arma::Col<T>> relaxed_;                  //!< IFFT(V_k), one map
};

extern template class AdmmSolver<float>;
extern template class AdmmSolver<double>;

}  // namespace dn
