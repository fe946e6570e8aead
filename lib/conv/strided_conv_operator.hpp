// The dictionary operator of a strided layer: transposed convolution with stride s and padding
// (p, q) (conv/strided_geometry.hpp for the arithmetic and the boundary modes),
//
//   (A z)_c(m, n) = sum_k sum_{a,b} d_kc(a, b) u_k(m + p - a, n + q - b),
//   u_k(s i, s j) = z_k(i, j), zero elsewhere (s - 1 zeros inserted between map entries),
//
// as a LinearOperator (solvers/linear_operator.hpp), so that OperatorFista codes through it.
//
// FFT implementation: the maps are in effect zero-inserted onto a grid of s Lr x s Lc (Lr x Lc the
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
// The maps are transformed on the low-resolution grid (Lr x Lc, s^2 times fewer samples): their
// zero-inserted spectrum on the full grid is the low-resolution one replicated, U(f) =
// Z(f mod (Lr, Lc)), read from the stored half spectra (rows <= Lr/2 of Z stored, the others as
// the conjugate of the mirrored frequency). Since Gc = s Lc, the full half spectrum is s column
// blocks of (Gr/2 + 1) x Lc and U is the same in each: it is gathered once per map, for one
// block, and the adjoint first sums its blocks. Apply: one low-resolution forward FFT per map, one
// full inverse per channel. The adjoint keeps every s-th sample of the full-grid correlation,
// whose low-resolution spectrum is the sum of the s^2 aliases over s^2 (the fold): one full
// forward FFT per channel, one low-resolution inverse per map. FilterGradient: one full forward
// per channel, one low-resolution forward per map and one full inverse per (map, channel) pair.
//
// Threads: the loops over maps and over channels (and, for Apply's sum over the maps, the
// frequencies) are split over ThreadCount() threads with one set of buffers each, when
// (K + C) x the full grid's samples >= 2^20, about a millisecond of transforms on one core
// (roughly 1 ns per sample and transform here). Smaller problems run on one thread: on a loaded
// machine a thread waiting at a barrier for a descheduled partner costs more than such a call
// (tiny operators ran about 40x slower threaded). The thread count can change the last bits of
// Apply (the vectorised kernels split its frequencies differently); a rerun with the same count
// is identical.
#pragma once

#include <memory>
#include <vector>

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
  //! True when Apply, Adjoint and FilterGradient run on ThreadCount() threads (file comment).
  bool Threaded() const { return threaded_; }

private:
  //! Buffers of one thread.
  struct Workspace {
    arma::Mat<T> grid;                  //!< full grid
    arma::Mat<T> lowGrid;               //!< low-resolution grid, zero outside the map (forward)
    arma::Mat<T> lowOut;                //!< low-resolution grid (inverse)
    arma::Col<Complex<T>> spectrum;     //!< full half spectrum
    arma::Col<Complex<T>> block;        //!< one column block of it, Fr x Lc
    arma::Col<Complex<T>> lowSpectrum;  //!< low-resolution half spectrum
  };

  double ComputeLipschitz() const;
  //! out = the low-resolution half spectrum of map k of z (through ws.lowGrid when padded).
  void MapSpectrum(const arma::Cube<T>& z, arma::uword k, Workspace& ws, Complex<T>* out) const;
  //! out[f] = entry f in [begin, end) of a column block of the zero-inserted map's full half
  //! spectrum (the same in every block), from its low-resolution half spectrum `low`.
  void Replicate(const Complex<T>* low, arma::uword begin, arma::uword end, Complex<T>* out) const;
  //! low = the sum of the s^2 aliases of each low-resolution frequency in a full half spectrum
  //! (the spectrum of every s-th sample, times s^2), from `block`, the sum of its column blocks.
  void Fold(const Complex<T>* block, Complex<T>* low) const;
  //! grid = channel c of the image-shaped r at offset (p, q) (modulo the grid), zero elsewhere.
  void PlaceResidual(const arma::Cube<T>& r, arma::uword c, T* grid) const;
  //! Column c of residualSpectra_ = the full half spectrum of channel c of r placed as
  //! PlaceResidual does (through ws.grid).
  void ResidualSpectrum(const arma::Cube<T>& r, arma::uword c, Workspace& ws);
  //! The thread count of a call (1 unless threaded_), with a Workspace for each thread.
  int Team();

  //! (K + C) x full-grid samples from which calls run on ThreadCount() threads (file comment).
  static constexpr arma::uword kThreadedSamples = arma::uword(1) << 20;

  FilterBank<T> filters_;
  arma::uword imageRows_, imageCols_;
  StridedGeometry geometry_;
  Boundary boundary_;
  arma::uword K_, C_, mapRows_, mapCols_, lowRows_, lowCols_;
  std::unique_ptr<Fft2d<T>> fft_;     //!< the full grid, s Lr x s Lc
  std::unique_ptr<Fft2d<T>> lowFft_;  //!< the low-resolution grid, Lr x Lc
  arma::Mat<Complex<T>> spectra_;     //!< F x K*C, column k*C + c
  mutable double lipschitz_ = -1.0;   //!< < 0: not computed for the current filters
  //! Per entry f of a column block (Fr x Lc) of the full half spectrum: 2 x (its
  //! low-resolution half-spectrum entry) + 1 when that entry's conjugate is meant (Replicate).
  std::vector<arma::uword> replicaOf_;
  //! Per low-resolution half-spectrum entry g, s consecutive codes of its row aliases in a
  //! column block, coded as in replicaOf_ (Fold).
  std::vector<arma::uword> aliasesOf_;
  //! Grid row (column) of image row (column) m: (m + p) mod the grid.
  std::vector<arma::uword> gridRowOf_, gridColOf_;
  bool threaded_ = false;
  std::vector<Workspace> workspaces_;      //!< one per thread (Team)
  arma::Mat<Complex<T>> lowSpectra_;       //!< Flow x K: the maps' low-resolution spectra (Apply)
  arma::Mat<Complex<T>> accumulated_;      //!< F x C (Apply)
  arma::Mat<Complex<T>> residualSpectra_;  //!< F x C (Adjoint, FilterGradient)
};

extern template class StridedConvOperator<float>;
extern template class StridedConvOperator<double>;

}  // namespace dn
