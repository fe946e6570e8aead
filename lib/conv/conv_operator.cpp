#include "conv/conv_operator.hpp"

#include <omp.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/complex_kernels.hpp"
#include "core/threads.hpp"

namespace dn {

template <typename T>
ConvOperator<T>::ConvOperator(const FilterBank<T>& filters, arma::uword imageRows,
                              arma::uword imageCols, Boundary boundary, PlannerEffort effort)
    : filters_(filters), imageRows_(imageRows), imageCols_(imageCols), boundary_(boundary) {
  if (filters.filters == 0 || filters.channels == 0 || filters.Rows() == 0 || filters.Cols() == 0)
    throw std::invalid_argument("ConvOperator(): the dictionary has no filters");
  if (filters.data.n_slices != filters.filters * filters.channels)
    throw std::invalid_argument("ConvOperator(): filter bank slices do not match K * C");
  if (imageRows == 0 || imageCols == 0)
    throw std::invalid_argument("ConvOperator(): the image is empty");
  if (filters.Rows() > imageRows || filters.Cols() > imageCols)
    throw std::invalid_argument("ConvOperator(): filters (" + std::to_string(filters.Rows()) + "x" +
                                std::to_string(filters.Cols()) + ") are larger than the image (" +
                                std::to_string(imageRows) + "x" + std::to_string(imageCols) + ")");
  const bool valid = boundary == Boundary::Valid;
  cropRow_ = valid ? filters.Rows() - 1 : 0;
  cropCol_ = valid ? filters.Cols() - 1 : 0;
  mapRows_ = dn::MapRows(imageRows, filters.Rows(), boundary);
  mapCols_ = dn::MapCols(imageCols, filters.Cols(), boundary);
  fft_ = std::make_unique<Fft2d<T>>(valid ? FastFftSize(mapRows_) : mapRows_,
                                    valid ? FastFftSize(mapCols_) : mapCols_, effort);
  SetFilters(filters);
}

template <typename T>
void ConvOperator<T>::SetFilters(const FilterBank<T>& filters) {
  if (filters.filters != filters_.filters || filters.channels != filters_.channels ||
      filters.Rows() != filters_.Rows() || filters.Cols() != filters_.Cols())
    throw std::invalid_argument("ConvOperator::SetFilters(): filter bank shape changed");
  filters_ = filters;
  FilterBankSpectra(*fft_, filters_, spectra_);
  channelsOf_.assign(filters_.filters, {});
  filtersOf_.assign(filters_.channels, {});
  for (arma::uword k = 0; k < filters_.filters; ++k)
    for (arma::uword c = 0; c < filters_.channels; ++c)
      if (arma::any(arma::vectorise(filters_.Filter(k, c)))) {
        channelsOf_[k].push_back(c);
        filtersOf_[c].push_back(k);
      }
  lipschitz_ = ComputeGramAndLipschitz();
}

template <typename T>
void FilterBankSpectra(const Fft2d<T>& fft, const FilterBank<T>& filters,
                       arma::Mat<Complex<T>>& spectra) {
  const arma::uword slices = filters.data.n_slices;
  spectra.set_size(fft.SpectrumSize(), slices);
  // Every filter fills the same h x w corner of a zeroed grid (r2c transforms keep their input).
  std::vector<arma::Mat<T>> grids =
      PerThread(arma::Mat<T>(fft.Rows(), fft.Cols(), arma::fill::zeros));
#pragma omp parallel num_threads(grids.size())
  {
    arma::Mat<T>& grid = grids[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword s = 0; s < slices; ++s) {
      grid.submat(0, 0, filters.Rows() - 1, filters.Cols() - 1) = filters.data.slice(s);
      fft.Forward(grid.memptr(), spectra.colptr(s));
    }
  }
}

template <typename T>
void ConvOperator<T>::CheckMaps(const Maps<T>& maps, const char* who) const {
  if (maps.n_rows != MapRows() || maps.n_cols != MapCols() || maps.n_slices != FilterCount())
    throw std::invalid_argument(std::string(who) + ": maps are " + std::to_string(maps.n_rows) +
                                "x" + std::to_string(maps.n_cols) + "x" +
                                std::to_string(maps.n_slices) + ", expected " +
                                std::to_string(MapRows()) + "x" + std::to_string(MapCols()) + "x" +
                                std::to_string(FilterCount()));
}

template <typename T>
void ConvOperator<T>::CheckImage(const Image<T>& image, const char* who) const {
  if (image.n_rows != imageRows_ || image.n_cols != imageCols_ || image.n_slices != Channels())
    throw std::invalid_argument(std::string(who) + ": image is " + std::to_string(image.n_rows) +
                                "x" + std::to_string(image.n_cols) + "x" +
                                std::to_string(image.n_slices) + ", expected " +
                                std::to_string(imageRows_) + "x" + std::to_string(imageCols_) +
                                "x" + std::to_string(Channels()));
}

arma::uword FastFftSize(arma::uword n) {
  for (arma::uword candidate = std::max<arma::uword>(n, 1);; ++candidate) {
    arma::uword rest = candidate;
    for (arma::uword p : {2u, 3u, 5u, 7u})
      while (rest % p == 0) rest /= p;
    if (rest == 1 || rest == 11 || rest == 13) return candidate;
  }
}

template <typename T>
void ConvOperator<T>::ForwardMap(const T* map, Complex<T>* spectrum, T* scratch) const {
  if (!Padded()) return fft_->Forward(map, spectrum);
  const arma::uword gridRows = GridRows();
  for (arma::uword x = 0; x < mapCols_; ++x)
    std::copy_n(map + x * mapRows_, mapRows_, scratch + x * gridRows);
  fft_->Forward(scratch, spectrum);
}

template <typename T>
void ConvOperator<T>::InverseMap(Complex<T>* spectrum, T* map, T* scratch) const {
  if (!Padded()) return fft_->Inverse(spectrum, map);
  fft_->Inverse(spectrum, scratch);
  const arma::uword gridRows = GridRows();
  for (arma::uword x = 0; x < mapCols_; ++x)
    std::copy_n(scratch + x * gridRows, mapRows_, map + x * mapRows_);
}

template <typename T>
void ConvOperator<T>::AccumulateSynthesis(arma::uword k, const Complex<T>* mapSpectrum,
                                          arma::Mat<Complex<T>>& accumulator, bool first) const {
  const std::vector<arma::uword>& channels = channelsOf_[k];
  const arma::uword F = fft_->SpectrumSize();
  const bool set = first && channels.size() == filters_.channels;  // every column overwritten
  if (first && !set) accumulator.zeros();
  for (arma::uword c : channels) {
    if (set)
      kernels::Product(FilterSpectrum(k, c), mapSpectrum, accumulator.colptr(c), F);
    else
      kernels::MultiplyAccumulate(FilterSpectrum(k, c), mapSpectrum, accumulator.colptr(c), F);
  }
}

template <typename T>
void ConvOperator<T>::Crop(const T* grid, T* image) const {
  const arma::uword gridRows = GridRows();
  for (arma::uword x = 0; x < imageCols_; ++x)
    std::copy_n(grid + (x + cropCol_) * gridRows + cropRow_, imageRows_, image + x * imageRows_);
}

template <typename T>
void ConvOperator<T>::Pad(const T* image, T* grid) const {
  const arma::uword gridRows = GridRows();
  std::fill_n(grid, fft_->Size(), T(0));
  for (arma::uword x = 0; x < imageCols_; ++x)
    std::copy_n(image + x * imageRows_, imageRows_, grid + (x + cropCol_) * gridRows + cropRow_);
}

template <typename T>
void ConvOperator<T>::MapSpectra(const Maps<T>& maps, arma::Mat<Complex<T>>& spectra) const {
  const arma::uword K = FilterCount();
  spectra.set_size(fft_->SpectrumSize(), K);
  std::vector<arma::Col<T>> scratches = PerThread(MakeScratch());
#pragma omp parallel num_threads(scratches.size())
  {
    T* scratch = scratches[omp_get_thread_num()].memptr();
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K; ++k)
      ForwardMap(maps.slice(k).memptr(), spectra.colptr(k), scratch);
  }
}

template <typename T>
Image<T> ConvOperator<T>::Apply(const Maps<T>& maps) const {
  CheckMaps(maps, "ConvOperator::Apply()");
  arma::Mat<Complex<T>> mapSpectra;
  MapSpectra(maps, mapSpectra);
  return ApplySpectra(mapSpectra);
}

template <typename T>
Image<T> ConvOperator<T>::ApplySpectra(const arma::Mat<Complex<T>>& mapSpectra) const {
  const arma::uword C = Channels(), F = fft_->SpectrumSize();
  if (mapSpectra.n_rows != F || mapSpectra.n_cols != FilterCount())
    throw std::invalid_argument("ConvOperator::ApplySpectra(): the spectra are not F x K");
  Image<T> image(imageRows_, imageCols_, C);
  std::vector<arma::Col<Complex<T>>> sums = PerThread(arma::Col<Complex<T>>(F));
  std::vector<arma::Mat<T>> grids = PerThread(arma::Mat<T>(GridRows(), GridCols()));
#pragma omp parallel num_threads(sums.size())
  {
    arma::Col<Complex<T>>& sum = sums[omp_get_thread_num()];
    arma::Mat<T>& grid = grids[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword c = 0; c < C; ++c) {
      sum.zeros();
      for (arma::uword k : filtersOf_[c]) {
        const Complex<T>* d = FilterSpectrum(k, c);
        const Complex<T>* z = mapSpectra.colptr(k);
        for (arma::uword f = 0; f < F; ++f) sum[f] += d[f] * z[f];
      }
      fft_->Inverse(sum.memptr(), grid.memptr());
      grid /= static_cast<T>(fft_->Size());
      Crop(grid.memptr(), image.slice(c).memptr());
    }
  }
  return image;
}

template <typename T>
Maps<T> ConvOperator<T>::Adjoint(const Image<T>& residual) const {
  CheckImage(residual, "ConvOperator::Adjoint()");
  const arma::uword K = FilterCount(), C = Channels(), F = fft_->SpectrumSize();
  arma::Mat<Complex<T>> channelSpectra(F, C);
  {
    arma::Mat<T> grid(GridRows(), GridCols());
    for (arma::uword c = 0; c < C; ++c) {
      Pad(residual.slice(c).memptr(), grid.memptr());
      fft_->Forward(grid.memptr(), channelSpectra.colptr(c));
    }
  }
  Maps<T> maps(MapRows(), MapCols(), K);
  std::vector<arma::Col<Complex<T>>> sums = PerThread(arma::Col<Complex<T>>(F));
  std::vector<arma::Col<T>> scratches = PerThread(MakeScratch());
#pragma omp parallel num_threads(sums.size())
  {
    arma::Col<Complex<T>>& sum = sums[omp_get_thread_num()];
    arma::Col<T>& scratch = scratches[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K; ++k) {
      sum.zeros();
      for (arma::uword c : channelsOf_[k]) {
        const Complex<T>* d = FilterSpectrum(k, c);
        const Complex<T>* r = channelSpectra.colptr(c);
        for (arma::uword f = 0; f < F; ++f) sum[f] += std::conj(d[f]) * r[f];
      }
      InverseMap(sum.memptr(), maps.slice(k).memptr(), scratch.memptr());
      maps.slice(k) /= static_cast<T>(fft_->Size());
    }
  }
  return maps;
}

template <typename T>
double ConvOperator<T>::ComputeGramAndLipschitz() {
  const arma::uword K = FilterCount(), C = Channels(), F = fft_->SpectrumSize();
  gram_.set_size(F, C * C);
  double best = 0.0;
  if (C == 1) {
    // Column by column (contiguous), each thread over its own frequencies.
    std::vector<arma::vec> sums = PerThread(arma::vec(F / ThreadCount() + 1));
#pragma omp parallel num_threads(sums.size()) reduction(max : best)
    {
      std::size_t begin, end;
      ThreadRange(F, omp_get_thread_num(), omp_get_num_threads(), begin, end);
      double* sum = sums[omp_get_thread_num()].memptr();
      std::fill_n(sum, end - begin, 0.0);
      for (arma::uword k = 0; k < K; ++k) {
        const T* d = reinterpret_cast<const T*>(spectra_.colptr(k) + begin);
        for (std::size_t f = 0; f < end - begin; ++f)
          sum[f] +=
              double(d[2 * f]) * double(d[2 * f]) + double(d[2 * f + 1]) * double(d[2 * f + 1]);
      }
      for (std::size_t f = 0; f < end - begin; ++f) {
        gram_[begin + f] = Complex<T>(static_cast<T>(sum[f]));
        best = std::max(best, sum[f]);
      }
    }
    return best;
  }
  // lambda_max(D^H D) = lambda_max(D D^H), the C x C Gram of the channel rows.
  std::vector<arma::cx_mat> grams = PerThread(arma::cx_mat(C, C));
  std::vector<arma::vec> eigenvalues = PerThread(arma::vec(C));
  ExceptionTrap trap;
#pragma omp parallel num_threads(grams.size()) reduction(max : best)
  {
    arma::cx_mat& gram = grams[omp_get_thread_num()];
    arma::vec& values = eigenvalues[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword f = 0; f < F; ++f) {
      gram.zeros();
      for (arma::uword k = 0; k < K; ++k)
        for (arma::uword a = 0; a < C; ++a)
          for (arma::uword b = 0; b < C; ++b)
            gram(a, b) += Complex<double>(spectra_(f, k * C + a)) *
                          std::conj(Complex<double>(spectra_(f, k * C + b)));
      for (arma::uword a = 0; a < C; ++a)
        for (arma::uword b = 0; b < C; ++b) gram_(f, a + C * b) = Complex<T>(gram(a, b));
      trap.Run([&] {
        if (!arma::eig_sym(values, gram))
          throw std::runtime_error("ConvOperator::SetFilters(): eigendecomposition failed");
      });
      best = std::max(best, values.max());
    }
  }
  trap.Rethrow();
  return best;
}

template <typename T>
double SpectrumEnergy(const Complex<T>* spectrum, arma::uword gridRows, arma::uword gridCols) {
  const arma::uword halfRows = gridRows / 2 + 1;
  double sum = 0.0;
  for (arma::uword x = 0; x < gridCols; ++x)
    for (arma::uword r = 0; r < halfRows; ++r)
      sum +=
          SpectrumRowWeight(r, gridRows) * std::norm(Complex<double>(spectrum[x * halfRows + r]));
  return sum / static_cast<double>(gridRows * gridCols);
}

template <typename T>
double EdgeRowsEnergy(const Complex<T>* a, const Complex<T>* b, arma::uword begin, arma::uword end,
                      arma::uword gridRows) {
  const arma::uword halfRows = gridRows / 2 + 1;
  double sum = 0.0;
  const auto add = [&](arma::uword f) {
    if (f >= begin && f < end) sum += std::norm(Complex<double>(b ? a[f] - b[f] : a[f]));
  };
  for (arma::uword first = begin - begin % halfRows; first < end; first += halfRows) {
    add(first);
    if (gridRows % 2 == 0) add(first + gridRows / 2);
  }
  return sum;
}

template class ConvOperator<float>;
template class ConvOperator<double>;
template void FilterBankSpectra(const Fft2d<float>&, const FilterBank<float>&,
                                arma::Mat<Complex<float>>&);
template void FilterBankSpectra(const Fft2d<double>&, const FilterBank<double>&,
                                arma::Mat<Complex<double>>&);
template double SpectrumEnergy(const Complex<float>*, arma::uword, arma::uword);
template double SpectrumEnergy(const Complex<double>*, arma::uword, arma::uword);
template double EdgeRowsEnergy(const Complex<float>*, const Complex<float>*, arma::uword,
                               arma::uword, arma::uword);
template double EdgeRowsEnergy(const Complex<double>*, const Complex<double>*, arma::uword,
                               arma::uword, arma::uword);

}  // namespace dn
