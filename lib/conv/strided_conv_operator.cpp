#include "conv/strided_conv_operator.hpp"

#include <omp.h>

#include <algorithm>
#include <complex>
#include <stdexcept>
#include <string>

#include "conv/conv_operator.hpp"
#include "core/complex_kernels.hpp"
#include "core/threads.hpp"

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
  lowFft_ = std::make_unique<Fft2d<T>>(lowRows_, lowCols_, effort);
  const arma::uword Gr = fft_->Rows(), Gc = fft_->Cols(), Fr = fft_->SpectrumRows();
  const arma::uword Lr = lowRows_, Lc = lowCols_, LFr = lowFft_->SpectrumRows();
  // The full half spectrum is s column blocks of Fr x Lc (columns jc Lc .. jc Lc + Lc - 1); a
  // replicated spectrum is the same in every block. Block entry (fr, gc) <- low-resolution
  // (fr mod Lr, gc), or the conjugate of its mirror (Lr - gr, Lc - gc) when that row is outside
  // the stored half.
  replicaOf_.resize(Fr * Lc);
  for (arma::uword gc = 0; gc < Lc; ++gc)
    for (arma::uword fr = 0; fr < Fr; ++fr) {
      const arma::uword gr = fr % Lr;
      replicaOf_[fr + Fr * gc] =
          gr < LFr ? 2 * (gr + LFr * gc) : 2 * ((Lr - gr) + LFr * ((Lc - gc) % Lc)) + 1;
    }
  // Low-resolution entry (gr, gc) <- its s row aliases gr + jr Lr in the block sum of the full
  // half spectrum, mirrored to (Gr - fr, Lc - gc) and conjugated when fr is outside the half
  // (the column aliases gc + jc Lc mirror to all of -gc mod Lc, i.e. the block sum there).
  aliasesOf_.resize(lowFft_->SpectrumSize() * s);
  for (arma::uword gc = 0, a = 0; gc < Lc; ++gc)
    for (arma::uword gr = 0; gr < LFr; ++gr)
      for (arma::uword jr = 0; jr < s; ++jr, ++a) {
        const arma::uword fr = gr + jr * Lr;
        aliasesOf_[a] = fr < Fr ? 2 * (fr + Fr * gc) : 2 * ((Gr - fr) + Fr * ((Lc - gc) % Lc)) + 1;
      }
  gridRowOf_.resize(imageRows_);
  gridColOf_.resize(imageCols_);
  for (arma::uword m = 0; m < imageRows_; ++m) gridRowOf_[m] = (m + geometry.paddingRows) % Gr;
  for (arma::uword n = 0; n < imageCols_; ++n) gridColOf_[n] = (n + geometry.paddingCols) % Gc;
  Workspace ws;
  ws.grid.zeros(Gr, Gc);
  ws.lowGrid.zeros(Lr, Lc);
  ws.lowOut.zeros(Lr, Lc);
  ws.spectrum.zeros(fft_->SpectrumSize());
  ws.block.zeros(Fr * Lc);
  ws.lowSpectrum.zeros(lowFft_->SpectrumSize());
  workspaces_.assign(1, ws);
  threaded_ = (K_ + C_) * fft_->Size() >= kThreadedSamples;
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
void StridedConvOperator<T>::MapSpectrum(const arma::Cube<T>& z, arma::uword k, Workspace& ws,
                                         Complex<T>* out) const {
  const T* map = z.slice_memptr(k);
  if (mapRows_ == lowRows_ && mapCols_ == lowCols_) return lowFft_->Forward(map, out);
  for (arma::uword j = 0; j < mapCols_; ++j)  // the rest of lowGrid stays zero
    std::copy_n(map + j * mapRows_, mapRows_, ws.lowGrid.colptr(j));
  lowFft_->Forward(ws.lowGrid.memptr(), out);
}

template <typename T>
void StridedConvOperator<T>::Replicate(const Complex<T>* low, arma::uword begin, arma::uword end,
                                       Complex<T>* out) const {
  for (arma::uword f = begin; f < end; ++f) {
    const arma::uword code = replicaOf_[f];
    const Complex<T> v = low[code >> 1];
    out[f] = (code & 1) ? std::conj(v) : v;
  }
}

template <typename T>
void StridedConvOperator<T>::Fold(const Complex<T>* block, Complex<T>* low) const {
  const arma::uword aliases = geometry_.stride, G = lowFft_->SpectrumSize();
  const arma::uword* code = aliasesOf_.data();
  for (arma::uword g = 0; g < G; ++g) {
    Complex<T> sum(0);
    for (arma::uword a = 0; a < aliases; ++a, ++code) {
      const Complex<T> v = block[*code >> 1];
      sum += (*code & 1) ? std::conj(v) : v;
    }
    low[g] = sum;
  }
}

template <typename T>
void StridedConvOperator<T>::PlaceResidual(const arma::Cube<T>& r, arma::uword c, T* grid) const {
  const arma::uword Gr = fft_->Rows();
  std::fill_n(grid, fft_->Size(), T(0));
  for (arma::uword n = 0; n < imageCols_; ++n) {
    const T* column = r.slice_memptr(c) + n * imageRows_;
    T* target = grid + Gr * gridColOf_[n];
    for (arma::uword m = 0; m < imageRows_; ++m) target[gridRowOf_[m]] = column[m];
  }
}

template <typename T>
void StridedConvOperator<T>::ResidualSpectrum(const arma::Cube<T>& r, arma::uword c,
                                              Workspace& ws) {
  PlaceResidual(r, c, ws.grid.memptr());
  fft_->Forward(ws.grid.memptr(), residualSpectra_.colptr(c));
}

template <typename T>
int StridedConvOperator<T>::Team() {
  const std::size_t threads = threaded_ ? static_cast<std::size_t>(ThreadCount()) : 1;
  if (workspaces_.size() < threads) {
    const Workspace prototype = workspaces_.front();  // lowGrid is zero outside the map
    workspaces_.resize(threads, prototype);
  }
  return static_cast<int>(threads);
}

template <typename T>
void StridedConvOperator<T>::Apply(const arma::Cube<T>& z, arma::Cube<T>& out) {
  if (arma::size(z) != DomainSize())
    throw std::invalid_argument("StridedConvOperator::Apply(): the maps are not " +
                                std::to_string(mapRows_) + "x" + std::to_string(mapCols_) + "x" +
                                std::to_string(K_));
  const arma::uword F = fft_->SpectrumSize(), B = replicaOf_.size();
  lowSpectra_.set_size(lowFft_->SpectrumSize(), K_);
  accumulated_.set_size(F, C_);
  out.set_size(imageRows_, imageCols_, C_);
  const T scale = T(1) / T(fft_->Size());
#pragma omp parallel num_threads(Team())
  {
    Workspace& ws = workspaces_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K_; ++k) MapSpectrum(z, k, ws, lowSpectra_.colptr(k));
    // Per channel, the sum over the maps of filter spectrum times replicated map spectrum; each
    // thread owns a range of every column block (one channel alone would leave the others idle).
    std::size_t begin, end;
    ThreadRange(B, omp_get_thread_num(), omp_get_num_threads(), begin, end);
    const Complex<T>* replica = ws.block.memptr() + begin;
    for (arma::uword k = 0; k < K_; ++k) {
      Replicate(lowSpectra_.colptr(k), begin, end, ws.block.memptr());
      for (arma::uword c = 0; c < C_; ++c)
        for (arma::uword f = begin; f < F; f += B) {
          const Complex<T>* d = spectra_.colptr(k * C_ + c) + f;
          if (k == 0)
            kernels::Product(d, replica, accumulated_.colptr(c) + f, end - begin);
          else
            kernels::MultiplyAccumulate(d, replica, accumulated_.colptr(c) + f, end - begin);
        }
    }
#pragma omp barrier
#pragma omp for schedule(static)
    for (arma::uword c = 0; c < C_; ++c) {
      fft_->Inverse(accumulated_.colptr(c), ws.grid.memptr());
      for (arma::uword n = 0; n < imageCols_; ++n) {
        const T* source = ws.grid.colptr(gridColOf_[n]);
        T* column = out.slice_memptr(c) + n * imageRows_;
        for (arma::uword m = 0; m < imageRows_; ++m) column[m] = source[gridRowOf_[m]] * scale;
      }
    }
  }
}

template <typename T>
void StridedConvOperator<T>::Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) {
  if (arma::size(r) != arma::size(imageRows_, imageCols_, C_))
    throw std::invalid_argument("StridedConvOperator::Adjoint(): the residual is not " +
                                std::to_string(imageRows_) + "x" + std::to_string(imageCols_) +
                                "x" + std::to_string(C_));
  const arma::uword F = fft_->SpectrumSize(), B = replicaOf_.size();
  residualSpectra_.set_size(F, C_);
  out.set_size(mapRows_, mapCols_, K_);
  const T scale = T(1) / T(fft_->Size());
#pragma omp parallel num_threads(Team())
  {
    Workspace& ws = workspaces_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword c = 0; c < C_; ++c) ResidualSpectrum(r, c, ws);
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K_; ++k) {
      // The correlation's spectrum summed over the column blocks, folded over the rows: every
      // s-th sample, at low resolution.
      for (arma::uword c = 0; c < C_; ++c)
        for (arma::uword f = 0; f < F; f += B) {
          const Complex<T>* d = spectra_.colptr(k * C_ + c) + f;
          if (c == 0 && f == 0)
            kernels::ConjugateProduct(d, residualSpectra_.colptr(c) + f, ws.block.memptr(), B);
          else
            kernels::MultiplyAccumulate(d, residualSpectra_.colptr(c) + f, ws.block.memptr(), B,
                                        true);
        }
      Fold(ws.block.memptr(), ws.lowSpectrum.memptr());
      lowFft_->Inverse(ws.lowSpectrum.memptr(), ws.lowOut.memptr());
      for (arma::uword j = 0; j < mapCols_; ++j) {
        const T* source = ws.lowOut.colptr(j);
        T* column = out.slice_memptr(k) + j * mapRows_;
        for (arma::uword i = 0; i < mapRows_; ++i) column[i] = source[i] * scale;
      }
    }
  }
}

template <typename T>
void StridedConvOperator<T>::FilterGradient(const arma::Cube<T>& z, const arma::Cube<T>& residual,
                                            FilterBank<T>& gradient) {
  if (arma::size(z) != DomainSize() ||
      arma::size(residual) != arma::size(imageRows_, imageCols_, C_))
    throw std::invalid_argument(
        "StridedConvOperator::FilterGradient(): the maps or the residual do not fit");
  const arma::uword F = fft_->SpectrumSize(), B = replicaOf_.size();
  const arma::uword h = filters_.Rows(), w = filters_.Cols();
  residualSpectra_.set_size(F, C_);
  gradient = FilterBank<T>(K_, C_, h, w);
  const T scale = T(1) / T(fft_->Size());
#pragma omp parallel num_threads(Team())
  {
    Workspace& ws = workspaces_[omp_get_thread_num()];
    // The residual placed at offset (p, q), as Adjoint places it, per channel.
#pragma omp for schedule(static)
    for (arma::uword c = 0; c < C_; ++c) ResidualSpectrum(residual, c, ws);
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K_; ++k) {
      MapSpectrum(z, k, ws, ws.lowSpectrum.memptr());
      Replicate(ws.lowSpectrum.memptr(), 0, B, ws.block.memptr());
      for (arma::uword c = 0; c < C_; ++c) {  // correlation of the residual with u_k: taps (a, b)
        for (arma::uword f = 0; f < F; f += B)
          kernels::ConjugateProduct(ws.block.memptr(), residualSpectra_.colptr(c) + f,
                                    ws.spectrum.memptr() + f, B);
        fft_->Inverse(ws.spectrum.memptr(), ws.grid.memptr());
        T* tap = gradient.data.slice_memptr(k * C_ + c);
        for (arma::uword b = 0; b < w; ++b)
          for (arma::uword a = 0; a < h; ++a) tap[a + h * b] = ws.grid(a, b) * scale;
      }
    }
  }
}

template <typename T>
double StridedConvOperator<T>::ComputeLipschitz() const {
  const arma::uword s = geometry_.stride, Gr = fft_->Rows(), Gc = fft_->Cols();
  const arma::uword Fr = fft_->SpectrumRows();
  // The aliases of -g are those of g negated, and real filters have conjugate-symmetric
  // spectra: M_{-g} is conj(M_g) with its rows permuted, with the same eigenvalues. So the columns
  // gc <= Lc/2 of the low-resolution grid give every one.
  const arma::uword columns = lowCols_ / 2 + 1;
  double best = 0.0;
#pragma omp parallel num_threads(threaded_ ? ThreadCount() : 1) reduction(max : best)
  {
    arma::cx_mat aliases(C_ * s * s, K_);
#pragma omp for schedule(static)
    for (arma::uword gc = 0; gc < columns; ++gc)
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
  }
  return best / double(s * s);
}

template class StridedConvOperator<float>;
template class StridedConvOperator<double>;

}  // namespace dn
