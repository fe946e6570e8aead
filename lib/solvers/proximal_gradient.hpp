// ISTA and FISTA for convolutional sparse coding (see csc_solver.hpp for the problem).
//
// One iteration, fused per map k so that each map is touched while it is in cache (OpenMP across
// maps, static schedule):
//   g_k    = D_k^T r_y                        (frequency domain, one inverse FFT)
//   x_k'   = soft(y_k - g_k / L, lambda / L)
//   y_k    = x_k' + beta (x_k' - x_k)          beta = (t - 1) / t_next (0 for ISTA)
//   X_k'   = FFT(x_k'),  accumulate D X'       (one forward FFT; per-thread accumulators)
// then the accumulators are summed in thread order, each thread over its own frequencies, and
// the residual r' = D x' - s (in the frequency domain for circular, after a crop for
// valid) gives the objective at x' exactly, and r_y = r' + beta (r' - r) is the residual at the
// new y by linearity, so no FFT of y is ever needed: 2K transforms per iteration (+2C valid).
//
// With a data weight W the gradient is D^T W^2 (D y - s): the residual is formed in space (as
// for valid), multiplied by W^2 there, and transformed back; r_y = r' + beta (r' - r) holds for
// the weighted residuals too. The step is 1/(max(W)^2 L), from the bound ||W D|| <= max W ||D||.
// 2K + 2C transforms per iteration for either boundary.
//
// Sparse synthesis: when the iterate is sparse enough (conv/sparse_synthesis.hpp weighs the two
// ways by the non-zeros of the last iterate, so the choice is made per iteration, and again by
// those of x' once it is known: a dense x' goes the FFT way after all), D x' is
// formed in space by adding each filter at the non-zeros of x' instead of by K forward
// transforms: then x' = prox(...) for every map first, D x' in space (parallel over grid
// columns), and C forward transforms of it for the circular residual (none for the spatial one,
// which also saves the C inverse transforms): K + C transforms per iteration. Each map's
// non-zeros are gathered right after its update, while it is in cache. Not with keepSpectra,
// whose caller needs the spectra of x' that the K forward transforms give.
#pragma once

#include "conv/sparse_synthesis.hpp"
#include "solvers/csc_solver.hpp"
#include "solvers/kernels.hpp"

namespace dn {

//! How D x' is formed: chosen per iteration by the density, always by FFT, or always in space
//! from the non-zeros (refused with keepSpectra).
enum class SynthesisChoice { Auto, Fft, Sparse };

template <typename T>
class ProximalGradientSolver : public CscSolver<T> {
public:
  ProximalGradientSolver(bool momentum, bool keepSpectra,
                         SynthesisChoice synthesis = SynthesisChoice::Auto);

  std::string Name() const override { return momentum_ ? "fista" : "ista"; }
  void Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
             const Maps<T>* start = nullptr, const Image<T>* weight = nullptr) override;
  SolveReport Solve(const SolveOptions& options, Observer* observer) override;
  IterationRecord OperatorChanged() override;
  const Maps<T>& Solution() const override { return x_; }
  const arma::Mat<Complex<T>>& SolutionSpectra() const override;
  IterationRecord Current() const override { return current_; }
  void Describe(StateArchive<T>& archive) override;

private:
  using CMat = arma::Mat<Complex<T>>;
  using Sums = kernels::MapSums;

  void RequireBound(const char* who) const;
  void SetupWorkspace();
  //! Turns the synthesis spectrum D x (F x C, destroyed) into the residual at x, forms r_y and
  //! returns the fidelity 1/2 ||D x - s||^2. A spatial residual is taken from `spatial` (D x on
  //! the grid in space, (grid size) x C) instead when given, and `synthesis` is then unused.
  double FinishResidual(CMat& synthesis, double beta, const arma::Mat<T>* spatial = nullptr);
  //! Whether D x is formed in space for an iterate of `nonzeros` non-zeros.
  bool UseSparseSynthesis(double nonzeros) const;
  void UpdateStatistics(double fidelity, const Sums& sums);
  //! Spectra and residuals of x_ with no momentum (y = x, t = 1); returns the fidelity.
  double StartFromIterate();
  //! The residual is kept in space: valid boundary, or a weight.
  bool SpatialResidual() const { return op_->BoundaryMode() == Boundary::Valid || weight_; }
  //! The Lipschitz constant of the (weighted) problem's gradient.
  double ProblemLipschitz() const;

  bool momentum_, keepSpectra_;
  SynthesisChoice synthesisChoice_;
  const ConvOperator<T>* op_ = nullptr;
  const Image<T>* signal_ = nullptr;
  const Image<T>* weight_ = nullptr;  //!< the data weight W, or null
  arma::Mat<T> weightSquared_;        //!< W^2, (H*W) x C (with a weight)
  double lambda_ = 0.0, lipschitz_ = 0.0;
  double t_ = 1.0, lastBeta_ = 0.0;
  std::size_t iteration_ = 0;
  double elapsed_ = 0.0;
  IterationRecord current_;

  Maps<T> x_, y_;
  CMat spectra_, previousSpectra_;    //!< FFT of x and of the previous x (keepSpectra only)
  CMat signalSpectra_;                //!< circular: FFT of s
  CMat residual_, previousResidual_;  //!< circular: r = D x - s in frequency, F x C
  //! Spatial residual (valid or weighted): W^2 (D x - s) in space, (H*W) x C
  arma::Mat<T> residualImage_, previousResidualImage_;
  CMat residualAtY_;                                    //!< r_y in frequency, F x C
  // Workspace.
  int threads_ = 1;
  std::vector<kernels::MapSums> mapSums_;    //!< per map, summed in map order
  FftSynthesisWorkspace<T> fft_;  //!< per thread: D X' accumulators, map spectra, grids
  std::vector<arma::Col<Complex<T>>> gradientSpectra_;  //!< per thread
  std::vector<arma::Col<T>> gradients_;                              //!< per thread: one map
  std::vector<arma::Col<T>> inverseScratch_;
  CMat synthesis_;                 //!< spatial residual: D x' in frequency, F x C
  arma::Mat<T> gridSynthesis_;     //!< sparse synthesis: D x' in space, (grid size) x C
  NonzeroColumns<T> nonzeros_;     //!< sparse synthesis: the non-zeros of x'
  arma::Mat<T> grid_;              //!< spatial residual: one channel on the FFT grid
  arma::Col<T> residualImageAtY_;  //!< spatial residual: r_y of one channel in space
};

extern template class ProximalGradientSolver<float>;
extern template class ProximalGradientSolver<double>;

}  // namespace dn
