#include "conv/strided_conv_operator.hpp"

#include <algorithm>
#include <complex>
#include <stdexcept>
#include <string>

#include "conv/conv_operator.hpp"

namespace dn {

template <typename T>
StridedConvOperator<T>::StridedConvOperator(const FilterBank<T>& filters, arma::uword imageRows,
                                            arma::uword imageCols, const StridedGeometry& geometry,
                                            Boundary boundary, PlannerEffort effort)
    : filters_(filters),
      imageRows_(imageRows),
      imageCols_(imageCols),
      geometry_(geometry),
      boundary_(boundary),
      K_(filters.filters),
      C_(filters.channels) {
  if (K_ == 0 || C_ == 0 || filters.Rows() == 0 || filters.Cols() == 0 ||
      filters.data.n_slices != K_ * C_)
    throw std::invalid_argument("StridedConvOperator(): the dictionary has no filters");
  if (imageRows == 0 || imageCols == 0)
    throw std::invalid_argument("StridedConvOperator(): the image is empty");
  const arma::uword h = filters.Rows(), w = filters.Cols(), s = geometry.stride;
  geometry.Check(h, w);
  if (h > imageRows || w > imageCols)
    throw std::invalid_argument("StridedConvOperator(): filters (" + std::to_string(h) + "x" +
                                std::to_string(w) + ") are larger than the image (" +
                                std::to_string(imageRows) + "x" + std::to_string(imageCols) + ")");
  mapRows_ = geometry.MapRows(imageRows, h, boundary);
  mapCols_ = geometry.MapCols(imageCols, w, boundary);
  if (boundary == Boundary::Circular) {
    lowRows_ = mapRows_;
    lowCols_ = mapCols_;
  } else {  // room for the whole linear convolution: s (Hm - 1) + h <= s * low
    lowRows_ = FastFftSize(mapRows_ - 1 + (h + s - 1) / s);
    lowCols_ = FastFftSize(mapCols_ - 1 + (w + s - 1) / s);
  }
  fft_ = std::make_unique<Fft2d<T>>(s * lowRows_, s * lowCols_, effort);
  grid_.zeros(fft_->Rows(), fft_->Cols());
  spectrum_.zeros(fft_->SpectrumSize());
  SetFilters(filters);
}

template <typename T>
void StridedConvOperator<T>::SetFilters(const FilterBank<T>& filters) {
  if (filters.filters != K_ || filters.channels != C_ || filters.Rows() != filters_.Rows() ||
      filters.Cols() != filters_.Cols())
    throw std::invalid_argument("StridedConvOperator::SetFilters(): filter bank shape changed");
  filters_ = filters;
  FilterBankSpectra(*fft_, filters_, spectra_);
  lipschitz_ = -1.0;
}

template <typename T>
double StridedConvOperator<T>::ExactLipschitz() const {
  if (lipschitz_ < 0.0) lipschitz_ = ComputeLipschitz();
  return lipschitz_;
}

template <typename T>
void StridedConvOperator<T>::ZeroInsert(const arma::Cube<T>& z, arma::uword k) {
  const arma::uword s = geometry_.stride;
  grid_.zeros();
  for (arma::uword j = 0; j < mapCols_; ++j)
    for (arma::uword i = 0; i < mapRows_; ++i) grid_(s * i, s * j) = z(i, j, k);
}

template <typename T>
void StridedConvOperator<T>::PlaceResidual(const arma::Cube<T>& r, arma::uword c) {
  const arma::uword Gr = fft_->Rows(), Gc = fft_->Cols();
  grid_.zeros();
  for (arma::uword n = 0; n < imageCols_; ++n)
    for (arma::uword m = 0; m < imageRows_; ++m)
      grid_((m + geometry_.paddingRows) % Gr, (n + geometry_.paddingCols) % Gc) = r(m, n, c);
}

template <typename T>
void StridedConvOperator<T>::Apply(const arma::Cube<T>& z, arma::Cube<T>& out) {
  if (arma::size(z) != DomainSize())
    throw std::invalid_argument("StridedConvOperator::Apply(): the maps are not " +
                                std::to_string(mapRows_) + "x" + std::to_string(mapCols_) + "x" +
                                std::to_string(K_));
  const arma::uword Gr = fft_->Rows(), Gc = fft_->Cols();
  accumulated_.zeros(fft_->SpectrumSize(), C_);
  for (arma::uword k = 0; k < K_; ++k) {
    ZeroInsert(z, k);
    fft_->Forward(grid_.memptr(), spectrum_.memptr());
    for (arma::uword c = 0; c < C_; ++c)
      accumulated_.col(c) += spectra_.col(k * C_ + c) % spectrum_;
  }
  out.set_size(imageRows_, imageCols_, C_);
  const T scale = T(1) / T(Gr * Gc);
  for (arma::uword c = 0; c < C_; ++c) {
    spectrum_ = accumulated_.col(c);
    fft_->Inverse(spectrum_.memptr(), grid_.memptr());
    for (arma::uword n = 0; n < imageCols_; ++n)
      for (arma::uword m = 0; m < imageRows_; ++m)
        out(m, n, c) =
            grid_((m + geometry_.paddingRows) % Gr, (n + geometry_.paddingCols) % Gc) * scale;
  }
}

template <typename T>
void StridedConvOperator<T>::Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) {
  if (arma::size(r) != arma::size(imageRows_, imageCols_, C_))
    throw std::invalid_argument("StridedConvOperator::Adjoint(): the residual is not " +
                                std::to_string(imageRows_) + "x" + std::to_string(imageCols_) +
                                "x" + std::to_string(C_));
  const arma::uword s = geometry_.stride, Gr = fft_->Rows(), Gc = fft_->Cols();
  accumulated_.zeros(fft_->SpectrumSize(), K_);
  for (arma::uword c = 0; c < C_; ++c) {
    PlaceResidual(r, c);
    fft_->Forward(grid_.memptr(), spectrum_.memptr());
    for (arma::uword k = 0; k < K_; ++k)
      accumulated_.col(k) += arma::conj(spectra_.col(k * C_ + c)) % spectrum_;
  }
  out.set_size(mapRows_, mapCols_, K_);
  const T scale = T(1) / T(Gr * Gc);
  for (arma::uword k = 0; k < K_; ++k) {
    spectrum_ = accumulated_.col(k);
    fft_->Inverse(spectrum_.memptr(), grid_.memptr());
    for (arma::uword j = 0; j < mapCols_; ++j)
      for (arma::uword i = 0; i < mapRows_; ++i) out(i, j, k) = grid_(s * i, s * j) * scale;
  }
}

template <typename T>
void StridedConvOperator<T>::FilterGradient(const arma::Cube<T>& z, const arma::Cube<T>& residual,
                                            FilterBank<T>& gradient) {
  if (arma::size(z) != DomainSize() ||
      arma::size(residual) != arma::size(imageRows_, imageCols_, C_))
    throw std::invalid_argument(
        "StridedConvOperator::FilterGradient(): the maps or the residual do not fit");
  const arma::uword Gr = fft_->Rows(), Gc = fft_->Cols();
  const arma::uword h = filters_.Rows(), w = filters_.Cols();
  // The residual placed at offset (p, q), as Adjoint places it, per channel.
  residualSpectra_.set_size(fft_->SpectrumSize(), C_);
  for (arma::uword c = 0; c < C_; ++c) {
    PlaceResidual(residual, c);
    fft_->Forward(grid_.memptr(), residualSpectra_.colptr(c));
  }
  gradient = FilterBank<T>(K_, C_, h, w);
  const T scale = T(1) / T(Gr * Gc);
  arma::Col<Complex<T>> mapSpectrum(fft_->SpectrumSize());
  for (arma::uword k = 0; k < K_; ++k) {
    ZeroInsert(z, k);
    fft_->Forward(grid_.memptr(), mapSpectrum.memptr());
    for (arma::uword c = 0; c < C_; ++c) {  // correlation of the residual with u_k: taps (a, b)
      spectrum_ = arma::conj(mapSpectrum) % residualSpectra_.col(c);
      fft_->Inverse(spectrum_.memptr(), grid_.memptr());
      gradient.Filter(k, c) = grid_.submat(0, 0, h - 1, w - 1) * scale;
    }
  }
}

template <typename T>
double StridedConvOperator<T>::ComputeLipschitz() const {
  const arma::uword s = geometry_.stride, Gr = fft_->Rows(), Gc = fft_->Cols();
  const arma::uword Fr = fft_->SpectrumRows();
  arma::cx_mat aliases(C_ * s * s, K_);
  double best = 0.0;
  for (arma::uword gc = 0; gc < lowCols_; ++gc)
    for (arma::uword gr = 0; gr < lowRows_; ++gr) {
      arma::uword row = 0;
      for (arma::uword jc = 0; jc < s; ++jc)
        for (arma::uword jr = 0; jr < s; ++jr, row += C_) {
          // Alias (fr, fc) of g; the half spectrum holds rows <= Gr/2, the others by symmetry.
          const arma::uword fr = gr + jr * lowRows_, fc = gc + jc * lowCols_;
          const bool mirrored = fr >= Fr;
          const arma::uword r = mirrored ? Gr - fr : fr, cc = mirrored ? (Gc - fc) % Gc : fc;
          for (arma::uword k = 0; k < K_; ++k)
            for (arma::uword c = 0; c < C_; ++c) {
              const Complex<T> v = spectra_(r + Fr * cc, k * C_ + c);
              const std::complex<double> d(double(v.real()), double(v.imag()));
              aliases(row + c, k) = mirrored ? std::conj(d) : d;
            }
        }
      // lambda_max(M^H M) = lambda_max(M M^H): the smaller Gram (C s^2 or K square).
      const arma::cx_mat gram = aliases.n_rows < aliases.n_cols
                                    ? arma::cx_mat(aliases * aliases.t())
                                    : arma::cx_mat(aliases.t() * aliases);
      best = std::max(best, arma::max(arma::eig_sym(gram)));
    }
  return best / double(s * s);
}

template class StridedConvOperator<float>;
template class StridedConvOperator<double>;

}  // namespace dn
