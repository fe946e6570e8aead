// The convolutional dictionary operator D of convolutional sparse coding.
//
//   (D z)_c = sum_k d_kc * z_k            c = 1..C channels, k = 1..K filters
//
// Notation map (docs/maths.md): s image (H x W x C), d filters (h x w, K x C), z maps
// (Hm x Wm x K), N = Hm * Wm, hat = 2-D DFT over the map grid, F = (Hm/2 + 1) * Wm half-spectrum
// values (see fft/fft.hpp for the layout).
//
// Boundary modes (Zeiler et al., CVPR 2010; Wohlberg, IEEE TIP 2016):
//  - valid:    Hm = H + h - 1. D z is the valid part of the full convolution: the circular
//              convolution on the Hm x Wm grid cropped to rows h-1..Hm-1, columns w-1..Wm-1
//              (no wrap-around reaches those). Adjoint: zero-pad at that offset, then correlate.
//  - circular: Hm = H. Periodic convolution with filter tap (0,0) at pixel (0,0), as SPORCO.
// Both are computed exactly by FFTs on a grid of GridRows x GridCols >= the map size: for
// circular the grid is the map; for valid it is the next size FFTW has fast codelets for
// (a 263 x 263 transform is 12x slower than 264 x 264), and since the valid part of the output
// and the adjoint's support never meet a wrapped-around term on any grid at least the map's
// size, the result is still exact. Maps are stored at their own size and zero-padded on the way in.
// The Lipschitz constant of z -> D^T D z is
// max_w lambda_max(D(w)^H D(w)), D(w) the C x K matrix of filter spectra: with one channel,
// max_w sum_k |d_k(w)|^2. It is exact for circular and an upper bound for valid (the crop has
// norm 1).
#pragma once

#include <memory>
#include <vector>

#include "core/types.hpp"
#include "fft/fft.hpp"

namespace dn {

template <typename T>
class ConvOperator {
public:
  //! Operator for images of imageRows x imageCols; filters set the channel and filter counts.
  ConvOperator(const FilterBank<T>& filters, arma::uword imageRows, arma::uword imageCols,
               Boundary boundary, PlannerEffort effort = PlannerEffort::Estimate);

  //! Replaces the filters (same K, C, h, w): recomputes their spectra.
  void SetFilters(const FilterBank<T>& filters);
  const FilterBank<T>& Filters() const { return filters_; }

  Boundary BoundaryMode() const { return boundary_; }
  arma::uword FilterCount() const { return filters_.filters; }
  arma::uword Channels() const { return filters_.channels; }
  arma::uword ImageRows() const { return imageRows_; }
  arma::uword ImageCols() const { return imageCols_; }
  arma::uword MapRows() const { return mapRows_; }
  arma::uword MapCols() const { return mapCols_; }
  //! The FFT grid (>= the map size; equal for circular).
  arma::uword GridRows() const { return fft_->Rows(); }
  arma::uword GridCols() const { return fft_->Cols(); }
  //! True when the FFT grid is larger than the maps.
  bool Padded() const { return mapRows_ != fft_->Rows() || mapCols_ != fft_->Cols(); }

  const Fft2d<T>& Fft() const { return *fft_; }
  //! Half spectrum of filter (k, c) zero-padded to the map grid: F values.
  const Complex<T>* FilterSpectrum(arma::uword k, arma::uword c) const {
    return spectra_.colptr(k * filters_.channels + c);
  }
  //! All filter spectra, F x (K*C), column k*C + c.
  const arma::Mat<Complex<T>>& FilterSpectra() const { return spectra_; }
  //! The channels c whose filter (k, c) is not identically zero, ascending; products with the
  //! zero filters (e.g. the unconnected pairs of a network layer) are skipped.
  const std::vector<arma::uword>& ChannelsOf(arma::uword k) const { return channelsOf_[k]; }
  //! The filters k whose channel c is not identically zero, ascending.
  const std::vector<arma::uword>& FiltersOf(arma::uword c) const { return filtersOf_[c]; }

  //! D z: image (H x W x C) from maps (Hm x Wm x K).
  Image<T> Apply(const Maps<T>& maps) const;
  //! The same from the maps' half spectra (F x K, as MapSpectra() gives them): C inverse
  //! transforms instead of K forward and C inverse; the same values as Apply() to the bit.
  Image<T> ApplySpectra(const arma::Mat<Complex<T>>& mapSpectra) const;
  //! D^T r: maps (Hm x Wm x K) from an image-shaped array (H x W x C).
  Maps<T> Adjoint(const Image<T>& residual) const;
  //! Lipschitz constant of the gradient of 1/2 ||D z - s||^2 (see the header comment),
  //! computed once per SetFilters().
  double Lipschitz() const { return lipschitz_; }
  //! D(w) D(w)^H per frequency, F x (C*C): column a + C*b holds sum_k d_ka(w) conj(d_kb(w))
  //! (one channel: sum_k |d_k(w)|^2). Computed once per SetFilters(), with the Lipschitz constant.
  const arma::Mat<Complex<T>>& FilterGram() const { return gram_; }

  //! Crops one channel from the FFT grid to the image (H x W): copies.
  void Crop(const T* grid, T* image) const;
  //! Zero-pads one channel from the image (H x W) into the FFT grid.
  void Pad(const T* image, T* grid) const;

  //! FFT of one map (MapRows x MapCols) on the grid. `scratch` (GridRows*GridCols values) is
  //! only used when Padded() and must then be zero outside the map region: take it from
  //! MakeScratch() and use it for nothing else.
  void ForwardMap(const T* map, Complex<T>* spectrum, T* scratch) const;
  //! The half spectra of every map (F x K, column k: map k), by ForwardMap, OpenMP across maps.
  void MapSpectra(const Maps<T>& maps, arma::Mat<Complex<T>>& spectra) const;
  //! Unnormalised inverse FFT (spectrum destroyed) restricted to the map region; `scratch`
  //! (GridRows*GridCols values, any contents) is used when Padded().
  void InverseMap(Complex<T>* spectrum, T* map, T* scratch) const;
  //! Adds map k's share of D x to a per-thread accumulator (F x C): column c += D_kc X, with X
  //! the map's spectrum; zero filters are skipped. With `first`, the accumulator is set instead
  //! of added to (the first map a thread handles).
  void AccumulateSynthesis(arma::uword k, const Complex<T>* mapSpectrum,
                           arma::Mat<Complex<T>>& accumulator, bool first) const;
  //! A zeroed grid-sized scratch buffer for ForwardMap/InverseMap.
  arma::Col<T> MakeScratch() const { return arma::Col<T>(fft_->Size(), arma::fill::zeros); }

  //! Throws std::invalid_argument unless the maps/image have this operator's shape.
  void CheckMaps(const Maps<T>& maps, const char* who) const;
  void CheckImage(const Image<T>& image, const char* who) const;

private:
  FilterBank<T> filters_;
  arma::uword imageRows_, imageCols_;
  Boundary boundary_;
  arma::uword cropRow_, cropCol_;
  arma::uword mapRows_, mapCols_;
  std::unique_ptr<Fft2d<T>> fft_;
  arma::Mat<Complex<T>> spectra_;
  std::vector<std::vector<arma::uword>> channelsOf_, filtersOf_;
  arma::Mat<Complex<T>> gram_;
  double lipschitz_ = 0.0;

  //! Fills gram_ and returns the Lipschitz constant.
  double ComputeGramAndLipschitz();
};

//! Half spectra (F x K*C, column k*C + c) of the filters zero-padded to the FFT's grid, with
//! tap (0,0) at grid point (0,0).
template <typename T>
void FilterBankSpectra(const Fft2d<T>& fft, const FilterBank<T>& filters,
                       arma::Mat<Complex<T>>& spectra);

//! The smallest n' >= n of the form 2^a 3^b 5^c 7^d, times at most one 11 or 13: the sizes FFTW
//! has fast codelets for.
arma::uword FastFftSize(arma::uword n);

//! Weight of half-spectrum row r in Parseval sums over the full spectrum (1 or 2).
inline double SpectrumRowWeight(arma::uword r, arma::uword gridRows) {
  return (r == 0 || (gridRows % 2 == 0 && r == gridRows / 2)) ? 1.0 : 2.0;
}

//! sum |x|^2 of a real grid from its half spectrum (Parseval), accumulated in double.
template <typename T>
double SpectrumEnergy(const Complex<T>* spectrum, arma::uword gridRows, arma::uword gridCols);

//! The correction from an unweighted sum over half-spectrum entries [begin, end) to their
//! Parseval sum (weighted = 2 * unweighted - this): sum of |a - b|^2 (b may be null) over the
//! entries in rows 0 and, for even gridRows, gridRows/2, which stand for one frequency only.
template <typename T>
double EdgeRowsEnergy(const Complex<T>* a, const Complex<T>* b, arma::uword begin, arma::uword end,
                      arma::uword gridRows);

extern template class ConvOperator<float>;
extern template class ConvOperator<double>;

}  // namespace dn
