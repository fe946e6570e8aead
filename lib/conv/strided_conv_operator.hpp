// The dictionary operator of a strided layer: transposed convolution with stride s and padding
// (p, q) (conv/strided_geometry.hpp for the arithmetic and the boundary modes),
//
//   (A z)_c(m, n) = sum_k sum_{a,b} d_kc(a, b) u_k(m + p - a, n + q - b),
//   u_k(s i, s j) = z_k(i, j), zero elsewhere (s - 1 zeros inserted between map entries),
//
// as a LinearOperator (solvers/linear_operator.hpp), so that OperatorFista codes through it.
//
// FFT implementation: the maps are zero-inserted onto a grid of s Lr x s Lc (Lr x Lc the
// low-resolution grid: the maps for circular, the next fast size >= Hm - 1 + ceil(h/s) for
// valid, so that the linear convolution never wraps), convolved with the filters there, and the
// image read at offset (p, q) (modulo the grid for circular). The adjoint places the residual at
// that offset, correlates with the filters and keeps every s-th entry. Zero insertion replicates
// the maps' low-resolution spectrum s^2 times; the operator therefore acts on each low-resolution
// frequency g separately, as the C s^2 x K matrix M_g of the filter spectra at g's s^2 aliases,
// and
//
//   ||A||^2 = max_g lambda_max(M_g^H M_g) / s^2,
//
// exact for circular and an upper bound for valid (the crop and the zero padding have norm <= 1).
// Stride 1 gives max_w lambda_max(D(w)^H D(w)) of conv/conv_operator.hpp.
//
// The transforms run at the grid's resolution: one forward FFT per map and one inverse per
// channel in Apply, the reverse in the adjoint. Transforming the maps at low resolution and
// replicating their spectra would save s^2 in the maps' transforms (not done yet).
#pragma once

#include <memory>

#include "conv/strided_geometry.hpp"
#include "core/types.hpp"
#include "fft/fft.hpp"
#include "solvers/linear_operator.hpp"

namespace dn {

template <typename T>
class StridedConvOperator : public LinearOperator<T> {
public:
  //! For images of imageRows x imageCols: std::invalid_argument for a geometry the filters or
  //! the image do not allow (StridedGeometry::Check, MapSize).
  StridedConvOperator(const FilterBank<T>& filters, arma::uword imageRows, arma::uword imageCols,
                      const StridedGeometry& geometry, Boundary boundary,
                      PlannerEffort effort = PlannerEffort::Estimate);

  //! Replaces the filters (same shape): their spectra and the Lipschitz constant.
  void SetFilters(const FilterBank<T>& filters);
  const FilterBank<T>& Filters() const { return filters_; }

  arma::SizeCube DomainSize() const override { return arma::size(mapRows_, mapCols_, K_); }
  //! out = A z: z of DomainSize(), out (H, W, C).
  void Apply(const arma::Cube<T>& z, arma::Cube<T>& out) override;
  //! out = A^T r: r (H, W, C), out of DomainSize().
  void Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) override;
  //! The gradient with respect to the filters of 1/2 ||A z - s||^2 at maps `z`, given the
  //! residual r = A z - s (H, W, C): g_kc(a, b) = sum_{i,j} z_k(i, j) r_c(s i - p + a,
  //! s j - q + b) over the taps inside the image (valid) or modulo its size (circular); the
  //! dictionary step of learning through a strided layer.
  void FilterGradient(const arma::Cube<T>& z, const arma::Cube<T>& residual,
                      FilterBank<T>& gradient);
  //! The exact ||A||^2 of the file comment (an upper bound for valid); ignores its arguments.
  double Lipschitz(arma::Cube<T>& /*powerVector*/, int /*powerSteps*/) override {
    return ExactLipschitz();
  }
  //! Computed on the first call after the filters changed (a learner's trial filters need none).
  double ExactLipschitz() const;

  arma::uword MapRows() const { return mapRows_; }
  arma::uword MapCols() const { return mapCols_; }
  arma::uword GridRows() const { return fft_->Rows(); }
  arma::uword GridCols() const { return fft_->Cols(); }

private:
  double ComputeLipschitz() const;
  //! grid_ = map k of z with s - 1 zeros inserted between its entries.
  void ZeroInsert(const arma::Cube<T>& z, arma::uword k);
  //! grid_ = channel c of the image-shaped r at offset (p, q) (modulo the grid).
  void PlaceResidual(const arma::Cube<T>& r, arma::uword c);

  FilterBank<T> filters_;
  arma::uword imageRows_, imageCols_;
  StridedGeometry geometry_;
  Boundary boundary_;
  arma::uword K_, C_, mapRows_, mapCols_, lowRows_, lowCols_;
  std::unique_ptr<Fft2d<T>> fft_;
  arma::Mat<Complex<T>> spectra_;    //!< F x K*C, column k*C + c
  mutable double lipschitz_ = -1.0;  //!< < 0: not computed for the current filters
  // Buffers reused by Apply and Adjoint.
  arma::Mat<T> grid_;
  arma::Col<Complex<T>> spectrum_;
  arma::Mat<Complex<T>> accumulated_;      //!< F x C (Apply) or F x K (Adjoint)
  arma::Mat<Complex<T>> residualSpectra_;  //!< F x C (FilterGradient)
};

extern template class StridedConvOperator<float>;
extern template class StridedConvOperator<double>;

}  // namespace dn
