// ADMM with mask decoupling for convolutional sparse coding with a data weight, either boundary
// (Heide, Heidrich & Wetzstein, "Fast and flexible convolutional sparse coding", CVPR 2015;
// Wohlberg, "Boundary handling for convolutional sparse representations", ICIP 2016):
//
//   minimise_z  1/2 || W (D z - s) ||^2 + lambda || z ||_1
//
// with W a non-negative per-pixel weight (csc_solver.hpp). The data term is split off:
// with the constraints x = y0 and D x - s = y1 (x on the FFT grid, s and W zero-padded to it),
//
//   x   = argmin_x 1/2 ||D x - (s + y1 - u1)||^2 + 1/2 ||x - (y0 - u0)||^2
//   y0' = S_{lambda/rho}(alpha x + (1 - alpha) y0 + u0), restricted to the map region
//   y1' = rho / (W^2 + rho) (alpha (D x - s) + (1 - alpha) y1 + u1)        (per pixel)
//   u0' = u0 + alpha x + (1 - alpha) y0 - y0',   u1' = u1 + alpha (D x - s) + (1 - alpha) y1 - y1'
//
// Both constraints carry the same penalty rho, so the x step is rho-free: per frequency,
// x = w + D^H (I + D D^H)^{-1} (b - D w), w = y0 - u0, b = s + y1 - u1 (Sherman-Morrison for one
// channel, a C x C Cholesky solve otherwise: solvers/admm.hpp's solve with rho = 1). W is
// diagonal in space, so its block is a pixel-wise division. The valid boundary is the circular
// problem on the padded grid with W = 0 outside the image (those pixels are free), and y0 held
// to the map region (the proximal step of lambda ||.||_1 plus that constraint): the exact valid
// problem, with no crop in the x step. One iteration takes 2K + 3C transforms: per map one
// inverse (y0) and one forward (its spectrum), per channel the forward of b, and the inverses
// of D x and D y0' (the objective, 1/2 ||W (D y0' - s)||^2 + lambda ||y0'||_1, is reported at
// the sparse variable, exactly, as AdmmSolver does).
//
// rho: residual balancing as AdmmSolver (same options and defaults), with the residuals of the
// stacked constraint A x - y = c, A = [I; D], y = [y0; y1], c = [0; s] (Boyd et al. 2010, as
// SPORCO's two-block ADMM): primal ||A x - y' - c|| relative to max(||A x||, ||y'||, ||c||),
// dual ||A^T (y' - y)|| relative to ||u'|| (not ||A^T u'||: the x step makes A^T u' equal to
// minus A^T times the primal residual, so it vanishes at the solution and drove rho to zero in
// trials), the A^T term summed per frequency (C more transforms, on balancing iterations only).
#pragma once

#include "solvers/admm.hpp"

namespace dn {

template <typename T>
class MaskDecouplingAdmm : public CscSolver<T> {
public:
  explicit MaskDecouplingAdmm(const AdmmOptions& options = AdmmOptions());
  std::string Name() const override { return "admm"; }
  //! Any boundary; `weight` null means W = 1 on the image.
  void Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
             const Maps<T>* start = nullptr, const Image<T>* weight = nullptr) override;
  SolveReport Solve(const SolveOptions& options, Observer* observer) override;
  IterationRecord OperatorChanged() override;
  //! The sparse variable y0 (map region).
  const Maps<T>& Solution() const override { return y_; }
  //! Half spectra of y0 on the operator's grid (always kept).
  const arma::Mat<Complex<T>>& SolutionSpectra() const override { return ySpectra_; }
  IterationRecord Current() const override { return current_; }
  //! Entries as AdmmSolver's (y, y_spectra, dual_spectra, synthesis_y, synthesis_dual and the
  //! numbers), with mask_decoupling = 1 and the data block's split and dual, data_split and
  //! data_dual ((GridRows*GridCols) x C).
  void Describe(StateArchive<T>& archive) override;
  double Rho() const { return rho_; }

private:
  using CMat = arma::Mat<Complex<T>>;
  void RequireBound(const char* who) const;
  //! 1/2 ||W (D y0 - s)||^2 from synthesisY_.
  double Fidelity();
  //! dataSpectra_ = FFT(s + y1 - u1).
  void DataSpectra();
  //! ||A^T (y' - y)||^2 with A^T [a; b] = a + D^T b (from previousSpectra_, dataChange_ and the
  //! current iterate, by Parseval) and ||[u0; u1]||^2.
  void StackedAdjointEnergies(double& changeEnergy, double& dualEnergy);

  AdmmOptions options_;
  const ConvOperator<T>* op_ = nullptr;
  double lambda_ = 0.0, rhoTarget_ = 1.0;
  IterationRecord current_;

  Maps<T> y_;               //!< y0, Hm x Wm x K
  CMat ySpectra_;           //!< FFT of y0 on the grid, F x K
  CMat dualSpectra_;        //!< FFT of u0 / dualScale_, F x K
  double dualScale_ = 1.0;  //!< u0 = dualScale_ * IFFT(dualSpectra_)
  arma::Mat<T> dataSplit_;  //!< y1 on the grid, (GridRows*GridCols) x C
  arma::Mat<T> dataDual_;   //!< u1 on the grid (true scale)
  double rho_ = 1.0;
  std::size_t iteration_ = 0;
  double elapsed_ = 0.0;

  // Derived: from the signal and weight (Reset), the iterate and the operator.
  arma::Mat<T> paddedSignal_;        //!< s on the grid, zero outside the image
  arma::Mat<T> weightSquared_;       //!< W^2 on the grid, zero outside the image
  CMat dataSpectra_;                 //!< FFT(s + y1 - u1), F x C
  CMat synthesisY_, synthesisDual_;  //!< D Y0, D U0 (true scale), F x C
  CMat synthesisX_, synthesisV_;     //!< D X, D V of the current iteration, F x C
  CMat correction_;                  //!< e = (I + D D^H)^{-1} (b - D w), F x C

  struct MapSums {
    kernels::MapSums maps;
    double xEnergy = 0, primal = 0;
  };
  int threads_ = 1;
  std::vector<MapSums> mapSums_;
  std::vector<CMat> accumulators_;
  std::vector<const Complex<T>*> partials_;
  std::vector<arma::Col<Complex<T>>> transformInput_, xSpectra_;
  std::vector<arma::Col<T>> relaxed_;
  //! Per thread, padded grids: ForwardMap's must stay zero outside the map region.
  std::vector<arma::Col<T>> forwardScratch_, inverseScratch_;
  arma::Mat<T> grid_;               //!< one channel on the grid
  arma::Col<T> synthesisGrid_;      //!< D y0 of one channel on the grid
  arma::Col<Complex<T>> spectrum_;  //!< a copy of one channel's spectrum (inverse FFT input)
  CMat previousSpectra_;            //!< balancing iterations: Y0 before the iteration
  arma::Mat<T> dataChange_;         //!< balancing iterations: y1' - y1 on the grid
};

extern template class MaskDecouplingAdmm<float>;
extern template class MaskDecouplingAdmm<double>;

}  // namespace dn
