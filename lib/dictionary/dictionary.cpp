#include "dictionary/dictionary.hpp"
#include "solvers/csc_solver.hpp"

#include "core/complex_kernels.hpp"
#include "core/threads.hpp"
#include "core/work_count.hpp"
#include "parallel/exact_sum.hpp"

#include <complex>
#include <algorithm>
#include <cmath>
#include <omp.h>
#include <random>
#include <stdexcept>

namespace dn {

template <typename T> void ProjectFilters(FilterBank<T>& filters, bool zeroMean) {
  const arma::uword K = filters.filters, C = filters.channels;
  for (arma::uword k = 0; k < K; ++k) {
    double norm = 0.0;
    for (arma::uword c = 0; c < C; ++c) {
      arma::Mat<T>& d = filters.Filter(k, c);
      if (zeroMean) d -= static_cast<T>(arma::accu(arma::conv_to<arma::mat>::from(d)) / d.n_elem);
      for (arma::uword i = 0; i < d.n_elem; ++i) norm += double(d[i]) * double(d[i]);
    }
    norm = std::sqrt(norm);
    if (norm > 1.0)
      for (arma::uword c = 0; c < C; ++c) filters.Filter(k, c) /= static_cast<T>(norm);
  }
}

template <typename T>
void ProjectFilters(FilterBank<T>& filters, bool zeroMean, const arma::umat& connectivity) {
  if (!connectivity.is_empty()) {
    if (connectivity.n_rows != filters.channels || connectivity.n_cols != filters.filters)
      throw std::invalid_argument("ProjectFilters(): the connectivity table is not C x K");
    for (arma::uword k = 0; k < filters.filters; ++k)
      for (arma::uword c = 0; c < filters.channels; ++c)
        if (!connectivity(c, k)) filters.Filter(k, c).zeros();
  }
  ProjectFilters(filters, zeroMean);
}

template <typename T>
FilterBank<T> RandomFilters(arma::uword K, arma::uword C, arma::uword h, arma::uword w,
                            std::uint64_t seed, bool zeroMean) {
  if (K == 0 || C == 0 || h == 0 || w == 0)
    throw std::invalid_argument("RandomFilters(): filter count, channels and size must be positive");
  if (zeroMean && h * w == 1)
    throw std::invalid_argument("RandomFilters(): a 1x1 filter cannot have zero mean and unit norm");
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  FilterBank<T> filters(K, C, h, w);
  for (arma::uword i = 0; i < filters.data.n_elem; ++i)
    filters.data[i] = static_cast<T>(normal(generator));
  // Scale every filter up to unit norm, then project (a no-op on the norm but exact zero mean).
  ProjectFilters(filters, zeroMean);
  for (arma::uword k = 0; k < K; ++k) {
    double norm = 0.0;
    for (arma::uword c = 0; c < C; ++c) norm += arma::accu(arma::square(arma::conv_to<arma::mat>::from(filters.Filter(k, c))));
    norm = std::sqrt(norm);
    for (arma::uword c = 0; c < C; ++c) filters.Filter(k, c) /= static_cast<T>(norm);
  }
  return filters;
}

void DictionaryUpdateOptions::Validate() const {
  if (method != "fista" && method != "pgd")
    throw std::invalid_argument("--dictionary-method must be fista or pgd, not '" + method + "'");
  if (iterations == 0)
    throw std::invalid_argument("--dictionary-iterations must be positive");
}

template <typename T>
DictionaryUpdater<T>::DictionaryUpdater(const DictionaryUpdateOptions& options,
                                        Communicator* communicator)
    : options_(options),
      momentum_(options.method == "fista"),
      communicator_(communicator ? communicator : &SerialCommunication()) {
  options_.Validate();
}

template <typename T> void DictionaryUpdater<T>::RestartMomentum() { started_ = false; }

namespace {

template <typename T>
void CheckData(const ConvOperator<T>& op, const CodedSet<T>& data, const FilterBank<T>& filters,
               const arma::umat& connectivity) {
  if (data.mapSpectra.empty() || data.mapSpectra.size() != data.signals.size())
    throw std::invalid_argument("DictionaryUpdater: need one map spectrum per training image");
  if (filters.filters != op.FilterCount() || filters.channels != op.Channels() ||
      filters.Rows() != op.Filters().Rows() || filters.Cols() != op.Filters().Cols())
    throw std::invalid_argument("DictionaryUpdater: filters do not match the operator");
  if (!connectivity.is_empty() &&
      (connectivity.n_rows != op.Channels() || connectivity.n_cols != op.FilterCount()))
    throw std::invalid_argument("DictionaryUpdater: the connectivity table is not C x K");
  if (!data.weights.empty() && data.weights.size() != data.signals.size())
    throw std::invalid_argument("DictionaryUpdater: need one weight (or none) per training image");
  if (!data.maps.empty() && data.maps.size() != data.signals.size())
    throw std::invalid_argument("DictionaryUpdater: need the maps of every training image or none");
  for (const Maps<T>* maps : data.maps)
    if (maps->n_rows != op.MapRows() || maps->n_cols != op.MapCols() ||
        maps->n_slices != op.FilterCount())
      throw std::invalid_argument("DictionaryUpdater: maps do not match the operator");
  for (std::size_t i = 0; i < data.signals.size(); ++i) {
    op.CheckImage(*data.signals[i], "DictionaryUpdater");
    if (!data.weights.empty() && data.weights[i])
      op.CheckImage(*data.weights[i], "DictionaryUpdater (weight)");
    if (data.mapSpectra[i]->n_rows != op.Fft().SpectrumSize() ||
        data.mapSpectra[i]->n_cols != op.FilterCount())
      throw std::invalid_argument("DictionaryUpdater: map spectra do not match the operator");
  }
}

//! extended (rows + h - 1 x cols + w - 1, its size) = scale * grid with its first h - 1 rows
//! and w - 1 columns repeated after the last ones: extended(x, y) = grid(x mod rows, y mod cols).
template <typename T> void ExtendGrid(const arma::Mat<T>& grid, T scale, arma::Mat<T>& extended) {
  const arma::uword rows = grid.n_rows, cols = grid.n_cols;
  for (arma::uword y = 0; y < extended.n_cols; ++y) {
    const T* from = grid.colptr(y % cols);
    T* to = extended.colptr(y);
    for (arma::uword x = 0; x < rows; ++x) to[x] = scale * from[x];
    for (arma::uword x = rows; x < extended.n_rows; ++x) to[x] = to[x - rows];
  }
}

//! Calls visit(p, j, z) for every non-zero z = map(p, j), column by column; returns their number.
template <typename T, typename Visit>
std::uint64_t ForEachNonzero(const arma::Mat<T>& map, Visit&& visit) {
  std::uint64_t nonzeros = 0;
  for (arma::uword j = 0; j < map.n_cols; ++j) {
    const T* column = map.colptr(j);
    for (arma::uword p = 0; p < map.n_rows; ++p)
      if (column[p] != T(0)) {
        ++nonzeros;
        visit(p, j, column[p]);
      }
  }
  return nonzeros;
}

//! max |x| over the elements of x; +infinity when one is not finite.
template <typename T> double LargestAbsolute(const arma::Mat<T>& x) {
  double largest = 0.0;
  for (arma::uword i = 0; i < x.n_elem; ++i) {
    const double a = std::abs(double(x[i]));
    if (!(a <= largest)) largest = std::isfinite(a) ? a : HUGE_VAL;
  }
  return largest;
}

//! term (h x w) = sum over the non-zeros p of `map` of map(p) extended(p + a), a < (h, w),
//! `extended` a grid extended as ExtendGrid() makes it; returns the non-zeros.
template <typename T>
std::uint64_t CorrelateAtNonzeros(const arma::Mat<T>& map, const arma::Mat<T>& extended,
                                  arma::uword h, arma::uword w, T* __restrict term) {
  std::fill_n(term, h * w, T(0));
  return ForEachNonzero(map, [&](arma::uword p, arma::uword j, T z) {
    for (arma::uword b = 0; b < w; ++b) {
      const T* __restrict window = extended.colptr(j + b) + p;
      T* __restrict g = term + b * h;
#pragma omp simd
      for (arma::uword a = 0; a < h; ++a) g[a] += z * window[a];
    }
  });
}

//! unfolded (rows + h - 1 x cols + w - 1) += map(p) filter(a) at p + a for every non-zero p of
//! `map` and a < (h, w) (filter: h x w); returns the non-zeros.
template <typename T>
std::uint64_t AddAtNonzeros(const arma::Mat<T>& map, const T* __restrict filter, arma::uword h,
                            arma::uword w, arma::Mat<T>& unfolded) {
  return ForEachNonzero(map, [&](arma::uword p, arma::uword j, T z) {
    for (arma::uword b = 0; b < w; ++b) {
      T* __restrict window = unfolded.colptr(j + b) + p;
      const T* __restrict d = filter + b * h;
#pragma omp simd
      for (arma::uword a = 0; a < h; ++a) window[a] += z * d[a];
    }
  });
}

//! Folds the last h - 1 rows and w - 1 columns of `unfolded` (rows + h - 1 x cols + w - 1) onto
//! its first ones (the circular wrap), then makes it the extension of the folded grid again
//! (ExtendGrid); returns the folded grid's sum of squares.
template <typename T> double FoldAndExtend(arma::Mat<T>& unfolded, arma::uword rows, arma::uword cols) {
  const arma::uword extraRows = unfolded.n_rows - rows, extraCols = unfolded.n_cols - cols;
  for (arma::uword y = 0; y < extraCols; ++y) {
    T* to = unfolded.colptr(y);
    const T* from = unfolded.colptr(cols + y);
    for (arma::uword x = 0; x < unfolded.n_rows; ++x) to[x] += from[x];
  }
  double squares = 0.0;
  for (arma::uword y = 0; y < cols; ++y) {
    T* column = unfolded.colptr(y);
    for (arma::uword x = 0; x < extraRows; ++x) column[x] += column[rows + x];
    for (arma::uword x = 0; x < rows; ++x) squares += double(column[x]) * double(column[x]);
    for (arma::uword x = 0; x < extraRows; ++x) column[rows + x] = column[x];
  }
  for (arma::uword y = 0; y < extraCols; ++y)
    std::copy_n(unfolded.colptr(y), unfolded.n_rows, unfolded.colptr(cols + y));
  return squares;
}

} // namespace

template <typename T>
double DictionaryUpdater<T>::Residuals(const ConvOperator<T>& op, const CodedSet<T>& data,
                                       const arma::Mat<Complex<T>>& filterSpectra,
                                       bool wantFidelity) {
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const std::size_t images = data.signals.size();
  const bool circular = op.BoundaryMode() == Boundary::Circular;
  residualSpectra_.resize(images);
  for (auto& r : residualSpectra_) r.set_size(F, C);
  const arma::uword h = op.Filters().Rows(), w = op.Filters().Cols();
  if (sparseGradient_) {
    residualGrids_.resize(images);
    for (auto& r : residualGrids_) r.set_size(op.GridRows() + h - 1, op.GridCols() + w - 1, C);
  } else {
    residualGrids_.clear();
  }

  // R_ic = sum_k Z_ik D_kc (- S_ic when circular), parallel over blocks of frequencies whose
  // bounds do not depend on the thread count: the vectorised complex products round some
  // elements differently from the scalar remainder of a range.
  const std::size_t blocks = (F + kFrequencyBlock - 1) / kFrequencyBlock;
#pragma omp parallel for schedule(static)
  for (std::size_t block = 0; block < blocks; ++block) {
    const std::size_t begin = block * kFrequencyBlock;
    const std::size_t end = std::min<std::size_t>(F, begin + kFrequencyBlock);
    for (std::size_t i = 0; i < images; ++i)
      for (arma::uword c = 0; c < C; ++c) {
        Complex<T>* r = residualSpectra_[i].colptr(c);
        if (circular) {
          const Complex<T>* s = signalSpectra_[i].colptr(c);
          for (std::size_t f = begin; f < end; ++f) r[f] = -s[f];
        } else {
          for (std::size_t f = begin; f < end; ++f) r[f] = Complex<T>(0);
        }
        for (arma::uword k = 0; k < K; ++k) {
          if (!options_.connectivity.is_empty() && !options_.connectivity(c, k)) continue;
          kernels::MultiplyAccumulate(data.mapSpectra[i]->colptr(k) + begin,
                                      filterSpectra.colptr(k * C + c) + begin, r + begin,
                                      end - begin);
        }
      }
  }

  // Per (image, channel): the fidelity, and for valid or a weight the round trip through space
  // (crop and subtract for valid, multiply by W^2 for a weight, pad, transform; with the sparse
  // gradient the residual stays in space).
  const std::size_t pairs = images * C;
  std::vector<double> energy(pairs, 0.0);
  const auto weightOf = [&data](std::size_t i) {
    return data.weights.empty() ? nullptr : data.weights[i];
  };
  // Decided per image (not per rank), so that an image's residual is the same whichever rank
  // holds it.
  const T scale = T(1) / static_cast<T>(op.Fft().Size());
  const arma::uword pixels = op.ImageRows() * op.ImageCols();
  std::vector<arma::Mat<T>> grids = PerThread(arma::Mat<T>(op.GridRows(), op.GridCols()));
  std::vector<arma::Col<T>> crops = PerThread(arma::Col<T>(pixels));
#pragma omp parallel num_threads(grids.size())
  {
    arma::Mat<T>& grid = grids[omp_get_thread_num()];
    arma::Col<T>& image = crops[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (std::size_t p = 0; p < pairs; ++p) {
      const std::size_t i = p / C, c = p % C;
      Complex<T>* r = residualSpectra_[i].colptr(c);
      const Image<T>* weight = weightOf(i);
      if (circular && !weight) {  // the residual's spectrum is final
        if (wantFidelity) energy[p] = SpectrumEnergy(r, op.GridRows(), op.GridCols());
        if (sparseGradient_) {
          op.Fft().Inverse(r, grid.memptr());
          ExtendGrid(grid, scale, residualGrids_[i].slice(c));
        }
        continue;
      }
      op.Fft().Inverse(r, grid.memptr());
      op.Crop(grid.memptr(), image.memptr());
      // circular: s is already subtracted in the spectrum
      const T* s = circular ? nullptr : data.signals[i]->slice(c).memptr();
      double sum = 0.0;
      if (weight) {
        const T* w = weight->slice(c).memptr();
        for (arma::uword j = 0; j < pixels; ++j) {
          // W^2 (D z - s), exactly 0 where W = 0 whatever s holds there
          const T difference = w[j] > T(0) ? image[j] * scale - (s ? s[j] : T(0)) : T(0);
          image[j] = w[j] * w[j] * difference;
          sum += double(image[j]) * double(difference);
        }
      } else {
        for (arma::uword j = 0; j < pixels; ++j) {
          image[j] = image[j] * scale - (s ? s[j] : T(0));
          sum += double(image[j]) * double(image[j]);
        }
      }
      energy[p] = sum;
      op.Pad(image.memptr(), grid.memptr());
      if (sparseGradient_)
        ExtendGrid(grid, T(1), residualGrids_[i].slice(c));
      else
        op.Fft().Forward(grid.memptr(), r);
    }
  }
  double fidelity = 0.0;
  for (double e : energy) fidelity += 0.5 * e;
  return fidelity;
}

namespace {

//! The largest |x| of n complex values (0 for n = 0).
template <typename T> double LargestMagnitude(const Complex<T>* x, std::size_t n) {
  double largest = 0.0;
  for (std::size_t f = 0; f < n; ++f)
    largest = std::max(largest, double(x[f].real()) * x[f].real() + double(x[f].imag()) * x[f].imag());
  return std::sqrt(largest);
}

//! sums[2f], sums[2f + 1] += the fixed-point real and imaginary parts of x[f].
template <typename T>
void AddFixed(const Complex<T>* x, const FixedPoint& fixed, std::int64_t* sums, std::size_t n) {
  for (std::size_t f = 0; f < n; ++f) {
    sums[2 * f] += fixed(x[f].real());
    sums[2 * f + 1] += fixed(x[f].imag());
  }
}

//! Images over all ranks.
template <typename T> double TotalImages(Communicator& communicator, const CodedSet<T>& data) {
  std::int64_t images = static_cast<std::int64_t>(data.signals.size());
  communicator.SumInPlace(&images, 1);
  return static_cast<double>(images);
}

} // namespace

template <typename T>
void DictionaryUpdater<T>::GradientFromResiduals(const ConvOperator<T>& op, const CodedSet<T>& data,
                                                 FilterBank<T>& gradient) {
  if (sparseGradient_) {
    SparseGradient(op, data, gradient);
    return;
  }
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const arma::uword h = op.Filters().Rows(), w = op.Filters().Cols();
  const std::size_t images = data.signals.size();
  const T scale = T(1) / static_cast<T>(op.Fft().Size());
  gradient = FilterBank<T>(K, C, h, w);
  const arma::uword slices = gradient.data.n_slices;
  const auto connected = [&](arma::uword s) {
    return options_.connectivity.is_empty() || options_.connectivity(s % C, s / C);
  };
  // Bounds of the terms conj(Z_ik) R_ic over every rank's images: max |Z_ik| per filter times
  // max |R_ic| per channel.
  std::vector<double> largest(K + C, 0.0);
  for (std::size_t i = 0; i < images; ++i) {
    for (arma::uword k = 0; k < K; ++k)
      largest[k] = std::max(largest[k], LargestMagnitude(data.mapSpectra[i]->colptr(k), F));
    for (arma::uword c = 0; c < C; ++c)
      largest[K + c] = std::max(largest[K + c], LargestMagnitude(residualSpectra_[i].colptr(c), F));
  }
  communicator_->MaxInPlace(largest.data(), largest.size());
  const double total = TotalImages(*communicator_, data);
  std::vector<FixedPoint> fixed(slices);
  for (arma::uword s = 0; s < slices; ++s) {
    const double bound = largest[s / C] * largest[K + s % C];
    if (!std::isfinite(bound))
      throw DivergenceError("DictionaryUpdater: the maps or residuals are not finite");
    fixed[s] = FixedPointFor(bound, total);
  }

  // sum_i conj(Z_ik) R_ic per slice, exactly (parallel/exact_sum.hpp), then over the ranks.
  gradientSums_.assign(2 * F * slices, 0);
  std::vector<arma::Col<Complex<T>>> terms = PerThread(arma::Col<Complex<T>>(F));
  std::vector<arma::Mat<T>> grids = PerThread(arma::Mat<T>(op.GridRows(), op.GridCols()));
#pragma omp parallel num_threads(terms.size())
  {
    Complex<T>* term = terms[omp_get_thread_num()].memptr();
#pragma omp for schedule(static)
    for (arma::uword s = 0; s < slices; ++s) {
      if (!connected(s)) continue;
      for (std::size_t i = 0; i < images; ++i) {
        kernels::ConjugateProduct(data.mapSpectra[i]->colptr(s / C),
                                  residualSpectra_[i].colptr(s % C), term, F);
        AddFixed(term, fixed[s], gradientSums_.data() + 2 * F * s, F);
      }
    }
  }
  communicator_->SumInPlace(gradientSums_.data(), gradientSums_.size());
#pragma omp parallel num_threads(terms.size())
  {
    Complex<T>* sum = terms[omp_get_thread_num()].memptr();
    arma::Mat<T>& grid = grids[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword s = 0; s < slices; ++s) {
      if (!connected(s)) {
        gradient.data.slice(s).zeros();
        continue;
      }
      const std::int64_t* sums = gradientSums_.data() + 2 * F * s;
      for (arma::uword f = 0; f < F; ++f)
        sum[f] = Complex<T>(static_cast<T>(fixed[s].Value(sums[2 * f])),
                            static_cast<T>(fixed[s].Value(sums[2 * f + 1])));
      op.Fft().Inverse(sum, grid.memptr());
      gradient.data.slice(s) = grid.submat(0, 0, h - 1, w - 1) * scale;
    }
  }
}

template <typename T>
void DictionaryUpdater<T>::ChooseGradient(const ConvOperator<T>& op, const CodedSet<T>& data) {
  using Way = DictionaryUpdateOptions::Gradient;
  sparseGradient_ = false;
  if (options_.gradient == Way::Spectral) return;
  if (data.maps.empty()) {
    if (options_.gradient == Way::Sparse)
      throw std::invalid_argument("DictionaryUpdater: the sparse gradient needs the maps in space");
    return;
  }
  const arma::uword K = op.FilterCount(), C = op.Channels();
  mapNorms_.assign(K, 0.0);
  // Non-zeros and images over every rank: the choice is the same on every rank and split.
  std::int64_t counts[2] = {0, static_cast<std::int64_t>(data.maps.size())};
  for (const Maps<T>* maps : data.maps)
    for (arma::uword k = 0; k < K; ++k) {
      const T* z = maps->slice(k).memptr();
      double norm = 0.0;
      std::int64_t nonzeros = 0;
      for (arma::uword p = 0; p < maps->n_rows * maps->n_cols; ++p) {
        norm += std::abs(double(z[p]));
        nonzeros += z[p] != T(0);
      }
      // not finite: +infinity, which the bounds turn into a DivergenceError
      mapNorms_[k] = std::isfinite(norm) ? std::max(mapNorms_[k], norm) : HUGE_VAL;
      counts[0] += nonzeros;
    }
  communicator_->SumInPlace(counts, 2);
  images_ = static_cast<double>(counts[1]);
  if (options_.gradient == Way::Sparse) {
    sparseGradient_ = true;
    communicator_->MaxInPlace(mapNorms_.data(), K);
    return;
  }
  // Per gradient, flops of the sparse way (2 h w per non-zero and channel; the C inverse
  // transforms of the residual when circular, minus the C forward ones it saves otherwise)
  // against the spectral products (8 per frequency and filter pair).
  const double pairs = options_.connectivity.is_empty() ? double(K * C)
                                                        : double(arma::accu(options_.connectivity));
  const double n = double(op.Fft().Size());
  const double transforms = 2.5 * n * std::log2(n) * double(C) * images_;
  const double sparse = 2.0 * double(op.Filters().Rows() * op.Filters().Cols()) * double(counts[0]) *
                            pairs / double(K) +
                        (op.BoundaryMode() == Boundary::Circular ? transforms : -transforms);
  const double spectral = 8.0 * double(op.Fft().SpectrumSize()) * pairs * images_;
  sparseGradient_ = sparse < spectral;
  if (sparseGradient_) communicator_->MaxInPlace(mapNorms_.data(), K);
}

template <typename T>
void DictionaryUpdater<T>::SparseGradient(const ConvOperator<T>& op, const CodedSet<T>& data,
                                          FilterBank<T>& gradient) {
  const arma::uword K = op.FilterCount(), C = op.Channels();
  const arma::uword h = op.Filters().Rows(), w = op.Filters().Cols(), hw = h * w;
  const std::size_t images = data.signals.size();
  gradient = FilterBank<T>(K, C, h, w);
  const auto connected = [&](arma::uword k, arma::uword c) {
    return options_.connectivity.is_empty() || options_.connectivity(c, k);
  };
  // |grad_ikc(a)| <= ||z_ik||_1 max |r_ic|: bounds over every rank's images.
  std::vector<double> largest(C, 0.0);
  for (const arma::Cube<T>& r : residualGrids_)
    for (arma::uword c = 0; c < C; ++c)
      largest[c] = std::max(largest[c], LargestAbsolute(r.slice(c)));
  communicator_->MaxInPlace(largest.data(), largest.size());
  std::vector<FixedPoint> fixed(K * C);
  for (arma::uword s = 0; s < K * C; ++s) {
    const double bound = mapNorms_[s / C] * largest[s % C];
    if (!std::isfinite(bound))
      throw DivergenceError("DictionaryUpdater: the maps or residuals are not finite");
    fixed[s] = FixedPointFor(bound, images_);
  }

  // Per filter k (one thread each) and image: the terms z_ik(p) r_ic(p + a) of every non-zero
  // p in a fixed order, then the exact sums over images and ranks.
  sparseSums_.assign(hw * K * C, 0);
  std::vector<arma::Col<T>> terms = PerThread(arma::Col<T>(hw));
  std::uint64_t windows = 0;
#pragma omp parallel num_threads(terms.size()) reduction(+ : windows)
  {
    T* term = terms[omp_get_thread_num()].memptr();
#pragma omp for schedule(dynamic, 1)
    for (arma::uword k = 0; k < K; ++k)
      for (std::size_t i = 0; i < images; ++i)
        for (arma::uword c = 0; c < C; ++c) {
          if (!connected(k, c)) continue;
          windows += CorrelateAtNonzeros(data.maps[i]->slice(k), residualGrids_[i].slice(c), h, w, term);
          const FixedPoint& f = fixed[k * C + c];
          std::int64_t* sums = sparseSums_.data() + (k * C + c) * hw;
          for (arma::uword a = 0; a < hw; ++a) sums[a] += f(term[a]);
        }
  }
  CountWindowOps(windows, hw);
  communicator_->SumInPlace(sparseSums_.data(), sparseSums_.size());
  for (arma::uword s = 0; s < K * C; ++s) {
    T* g = gradient.data.slice(s).memptr();
    const std::int64_t* sums = sparseSums_.data() + s * hw;
    for (arma::uword a = 0; a < hw; ++a) g[a] = static_cast<T>(fixed[s].Value(sums[a]));
  }
}

template <typename T>
double DictionaryUpdater<T>::SparseLipschitz(const ConvOperator<T>& op, const CodedSet<T>& data,
                                             int steps) {
  const arma::uword K = op.FilterCount(), h = op.Filters().Rows(), w = op.Filters().Cols();
  const arma::uword hw = h * w, rows = op.GridRows(), cols = op.GridCols();
  const std::size_t images = data.signals.size();
  if (powerFilters_.n_rows != h || powerFilters_.n_cols != w || powerFilters_.n_slices != K)
    powerFilters_.ones(h, w, K);
  // Per step: u_i = sum_k z_ik * v_k on the grid and next_k = sum_i sum_p z_ik(p) u_i(p + .)
  // on the support, with ||u||^2 = sum_i ||u_i||^2, summed exactly over images and ranks
  // (K h w + 1 integers); then the Rayleigh quotient ||u||^2 / ||v||^2 <= lambda_max and
  // v = next / ||next||, the same on every rank. Per image one thread (images in parallel),
  // whose exact sums are added in thread order.
  const int threads = ThreadCount();
  std::vector<arma::Mat<T>> grids = PerThread(arma::Mat<T>(rows + h - 1, cols + w - 1));
  std::vector<arma::Col<T>> terms = PerThread(arma::Col<T>(hw));
  std::vector<std::vector<std::int64_t>> partials(threads, std::vector<std::int64_t>(K * hw + 1));
  std::vector<std::int64_t> sums(K * hw + 1);
  std::vector<FixedPoint> fixedNext(K);
  double best = 0.0;
  for (int step = 0; step < steps; ++step) {
    // |u_i| <= sum_k ||z_ik||_1 max |v_k| =: U, |next_ik| <= ||z_ik||_1 U, ||u_i||^2 <= n U^2.
    double vNorm = 0.0, bound = 0.0;
    for (arma::uword k = 0; k < K; ++k) {
      vNorm += arma::accu(arma::square(arma::conv_to<arma::vec>::from(arma::vectorise(powerFilters_.slice(k)))));
      bound += mapNorms_[k] * double(arma::abs(powerFilters_.slice(k)).max());
    }
    if (!std::isfinite(double(rows * cols) * bound * bound))
      throw DivergenceError("DictionaryUpdater: the maps are not finite");
    for (arma::uword k = 0; k < K; ++k) fixedNext[k] = FixedPointFor(mapNorms_[k] * bound, images_);
    const FixedPoint fixedU = FixedPointFor(double(rows * cols) * bound * bound, images_);
    for (auto& partial : partials) std::fill(partial.begin(), partial.end(), 0);
    std::uint64_t windows = 0;
#pragma omp parallel num_threads(threads) reduction(+ : windows)
    {
      const int thread = omp_get_thread_num();
      arma::Mat<T>& u = grids[thread];
      T* term = terms[thread].memptr();
      std::vector<std::int64_t>& partial = partials[thread];
#pragma omp for schedule(dynamic, 1)
      for (std::size_t i = 0; i < images; ++i) {
        const Maps<T>& maps = *data.maps[i];
        u.zeros();
        for (arma::uword k = 0; k < K; ++k)
          windows += AddAtNonzeros(maps.slice(k), powerFilters_.slice(k).memptr(), h, w, u);
        partial[K * hw] += fixedU(FoldAndExtend(u, rows, cols));
        for (arma::uword k = 0; k < K; ++k) {
          windows += CorrelateAtNonzeros(maps.slice(k), u, h, w, term);
          std::int64_t* next = partial.data() + k * hw;
          for (arma::uword a = 0; a < hw; ++a) next[a] += fixedNext[k](term[a]);
        }
      }
    }
    CountWindowOps(windows, hw);
    std::fill(sums.begin(), sums.end(), 0);
    for (const auto& partial : partials)
      for (std::size_t j = 0; j < sums.size(); ++j) sums[j] += partial[j];
    communicator_->SumInPlace(sums.data(), sums.size());
    if (vNorm > 0) best = std::max(best, fixedU.Value(sums[K * hw]) / vNorm);
    double next2 = 0.0;
    for (arma::uword k = 0; k < K; ++k)
      for (arma::uword a = 0; a < hw; ++a) {
        const double v = fixedNext[k].Value(sums[k * hw + a]);
        next2 += v * v;
      }
    if (!(next2 > 0)) {  // next = 0: start again from ones
      powerFilters_.ones();
      continue;
    }
    const double inverse = 1.0 / std::sqrt(next2);
    for (arma::uword k = 0; k < K; ++k)
      for (arma::uword a = 0; a < hw; ++a)
        powerFilters_.slice(k)[a] = static_cast<T>(fixedNext[k].Value(sums[k * hw + a]) * inverse);
  }
  return best;
}

template <typename T>
double DictionaryUpdater<T>::EstimateLipschitz(const ConvOperator<T>& op, const CodedSet<T>& data,
                                               int steps) {
  const arma::uword K = op.FilterCount(), F = op.Fft().SpectrumSize();
  const std::size_t images = data.signals.size();
  if (powerVectors_.n_rows != F || powerVectors_.n_cols != K) powerVectors_.ones(F, K);
  // M_f = max over every rank's images and filters of |Z_ik(f)| bounds the terms of the sums
  // over images: |u_i| <= sqrt(K) M_f ||v||, so |conj(Z_ik) u_i| <= sqrt(K) M_f^2 ||v|| and
  // |u_i|^2 <= K M_f^2 ||v||^2.
  std::vector<double> largest(F, 0.0);
  for (std::size_t i = 0; i < images; ++i)
    for (arma::uword k = 0; k < K; ++k) {
      const Complex<T>* z = data.mapSpectra[i]->colptr(k);
      for (arma::uword f = 0; f < F; ++f)
        largest[f] = std::max(largest[f], double(z[f].real()) * z[f].real() +
                                              double(z[f].imag()) * z[f].imag());
    }
  communicator_->MaxInPlace(largest.data(), F);
  const double total = TotalImages(*communicator_, data);
  for (double& m : largest) {
    if (!std::isfinite(m)) throw DivergenceError("DictionaryUpdater: the maps are not finite");
    m = std::sqrt(m);
  }

  // Per step: next_k(f) = sum_i conj(Z_ik) u_i and ||u(f)||^2 = sum_i |u_i|^2 with
  // u_i = sum_k Z_ik v_k, summed exactly over images and ranks ((2K + 1) F integers), then
  // the Rayleigh quotient ||u||^2 / ||v||^2 <= lambda_max and v = next / ||next||, the same on
  // every rank.
  constexpr std::size_t kBlock = 256;  // frequencies per block: u and a term stay in cache
  std::vector<FixedPoint> fixedNext(F), fixedU(F);
  std::vector<double> vNorm(F);
  lipschitzSums_.resize((2 * K + 1) * F);
  std::int32_t* uSums = lipschitzSums_.data() + 2 * K * F;
  std::vector<arma::Col<Complex<T>>> us = PerThread(arma::Col<Complex<T>>(kBlock));
  std::vector<arma::Col<Complex<T>>> terms = PerThread(arma::Col<Complex<T>>(kBlock));
  std::vector<arma::Col<T>> norms = PerThread(arma::Col<T>(kBlock));
  double best = 0.0;
  for (int step = 0; step < steps; ++step) {
    for (arma::uword f = 0; f < F; ++f) {
      double v2 = 0.0;
      for (arma::uword k = 0; k < K; ++k) v2 += std::norm(std::complex<double>(powerVectors_(f, k)));
      vNorm[f] = v2;
      const double m2 = largest[f] * largest[f];
      fixedNext[f] = FixedPointFor(std::sqrt(double(K) * v2) * m2, total, kFixedPointBits32);
      fixedU[f] = FixedPointFor(double(K) * v2 * m2, total, kFixedPointBits32);
    }
    std::fill(lipschitzSums_.begin(), lipschitzSums_.end(), 0);
#pragma omp parallel num_threads(us.size())
    {
      const int thread = omp_get_thread_num();
      Complex<T>* u = us[thread].memptr();
      Complex<T>* term = terms[thread].memptr();
      T* uNorm = norms[thread].memptr();
      // Blocks whose bounds do not depend on the thread count (as in Residuals()).
#pragma omp for schedule(static)
      for (std::size_t b0 = 0; b0 < F; b0 += kBlock) {
        const std::size_t n = std::min<std::size_t>(kBlock, F - b0);
        for (std::size_t i = 0; i < images; ++i) {
          const arma::Mat<Complex<T>>& z = *data.mapSpectra[i];
          kernels::Product(z.colptr(0) + b0, powerVectors_.colptr(0) + b0, u, n);
          for (arma::uword k = 1; k < K; ++k)
            kernels::MultiplyAccumulate(z.colptr(k) + b0, powerVectors_.colptr(k) + b0, u, n);
          for (arma::uword k = 0; k < K; ++k) {
            kernels::ConjugateProduct(z.colptr(k) + b0, u, term, n);
            std::int32_t* sums = lipschitzSums_.data() + 2 * (k * F + b0);
            for (std::size_t f = 0; f < n; ++f) {
              sums[2 * f] += static_cast<std::int32_t>(fixedNext[b0 + f](term[f].real()));
              sums[2 * f + 1] += static_cast<std::int32_t>(fixedNext[b0 + f](term[f].imag()));
            }
          }
          std::fill_n(uNorm, n, T(0));
          kernels::AccumulateNorms(u, uNorm, n);
          for (std::size_t f = 0; f < n; ++f)
            uSums[b0 + f] += static_cast<std::int32_t>(fixedU[b0 + f](uNorm[f]));
        }
      }
    }
    communicator_->SumInPlace(lipschitzSums_.data(), lipschitzSums_.size());
    for (arma::uword f = 0; f < F; ++f) {
      if (vNorm[f] > 0) best = std::max(best, fixedU[f].Value(uSums[f]) / vNorm[f]);
      double next2 = 0.0;
      for (arma::uword k = 0; k < K; ++k) {
        const std::int32_t* sums = lipschitzSums_.data() + 2 * (k * F + f);
        next2 += std::norm(
            std::complex<double>(fixedNext[f].Value(sums[0]), fixedNext[f].Value(sums[1])));
      }
      const double inverse = next2 > 0 ? 1.0 / std::sqrt(next2) : 0.0;
      for (arma::uword k = 0; k < K; ++k) {
        const std::int32_t* sums = lipschitzSums_.data() + 2 * (k * F + f);
        // next = 0: start again from ones
        powerVectors_(f, k) =
            next2 > 0 ? Complex<T>(static_cast<T>(fixedNext[f].Value(sums[0]) * inverse),
                                   static_cast<T>(fixedNext[f].Value(sums[1]) * inverse))
                      : Complex<T>(1);
      }
    }
  }
  return best;
}

template <typename T>
double DictionaryUpdater<T>::FidelityAndGradient(const ConvOperator<T>& op,
                                                 const CodedSet<T>& data,
                                                 const FilterBank<T>& filters,
                                                 FilterBank<T>& gradient) {
  CheckData(op, data, filters, options_.connectivity);
  ChooseGradient(op, data);
  SignalSpectra(op, data);
  arma::Mat<Complex<T>> spectra;
  FilterBankSpectra(op.Fft(), filters, spectra);
  const double fidelity = Residuals(op, data, spectra, true);
  GradientFromResiduals(op, data, gradient);
  return fidelity;
}

template <typename T>
void DictionaryUpdater<T>::SignalSpectra(const ConvOperator<T>& op, const CodedSet<T>& data) {
  if (op.BoundaryMode() != Boundary::Circular) return;
  const arma::uword C = op.Channels();
  const std::size_t pairs = data.signals.size() * C;
  signalSpectra_.resize(data.signals.size());
  for (auto& s : signalSpectra_) s.set_size(op.Fft().SpectrumSize(), C);
#pragma omp parallel for schedule(static)
  for (std::size_t p = 0; p < pairs; ++p)
    op.Fft().Forward(data.signals[p / C]->slice(p % C).memptr(),
                     signalSpectra_[p / C].colptr(p % C));
}

template <typename T>
void DictionaryUpdater<T>::Step(const ConvOperator<T>& op, const CodedSet<T>& data,
                                FilterBank<T>& filters) {
  CheckData(op, data, filters, options_.connectivity);
  ChooseGradient(op, data);
  SignalSpectra(op, data);
  // A safety margin over the power-iteration estimate, which approaches L from below.
  double maxWeight = 1.0;  // over every rank's images
  if (!data.weights.empty()) {
    maxWeight = 0.0;
    for (const Image<T>* w : data.weights) maxWeight = std::max(maxWeight, w ? MaxWeight(*w) : 1.0);
  }
  communicator_->MaxInPlace(&maxWeight, 1);
  // Each way warm-starts its own power iteration; the other's vector is dropped, as it would
  // be stale by the time the way changes back.
  double estimate;
  if (sparseGradient_) {
    powerStarted_ = false;
    powerVectors_.reset();
    estimate = SparseLipschitz(op, data, powerFilters_.is_empty() ? 40 : 2);
  } else {
    powerFilters_.reset();
    estimate = EstimateLipschitz(op, data, powerStarted_ ? 2 : 40);
    powerStarted_ = true;
  }
  const double lipschitz = kLipschitzMargin * maxWeight * maxWeight * estimate;
  lipschitz_ = lipschitz;
  if (!(lipschitz > 0.0) || !std::isfinite(lipschitz)) return;  // all maps zero: nothing to fit
  if (!started_) {
    extrapolated_ = filters;
    t_ = 1.0;
    started_ = true;
  }
  const T step = static_cast<T>(1.0 / lipschitz);
  arma::Mat<Complex<T>> spectra;
  FilterBank<T> gradient;
  for (std::size_t it = 0; it < options_.iterations; ++it) {
    FilterBankSpectra(op.Fft(), extrapolated_, spectra);
    Residuals(op, data, spectra, false);
    GradientFromResiduals(op, data, gradient);
    FilterBank<T> fresh = extrapolated_;
    fresh.data -= step * gradient.data;
    ProjectFilters(fresh, options_.zeroMean, options_.connectivity);
    if (momentum_) {
      const double tNext = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t_ * t_));
      const T beta = static_cast<T>((t_ - 1.0) / tNext);
      extrapolated_.data = fresh.data + beta * (fresh.data - filters.data);
      t_ = tNext;
    } else {
      extrapolated_ = fresh;
    }
    filters = std::move(fresh);
  }
}

template void ProjectFilters(FilterBank<float>&, bool);
template void ProjectFilters(FilterBank<double>&, bool);
template void ProjectFilters(FilterBank<float>&, bool, const arma::umat&);
template void ProjectFilters(FilterBank<double>&, bool, const arma::umat&);
template FilterBank<float> RandomFilters(arma::uword, arma::uword, arma::uword, arma::uword,
                                         std::uint64_t, bool);
template FilterBank<double> RandomFilters(arma::uword, arma::uword, arma::uword, arma::uword,
                                          std::uint64_t, bool);
template class DictionaryUpdater<float>;
template class DictionaryUpdater<double>;

} // namespace dn
