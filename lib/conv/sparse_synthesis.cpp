#include "conv/sparse_synthesis.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/complex_kernels.hpp"
#include "core/threads.hpp"
#include "core/work_count.hpp"

// Compiled for three instruction sets, chosen at load time (as solvers/kernels.cpp).
#define DN_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace dn {
namespace {

//! o[(start + a) mod rows] += v d[a], a < h (h <= rows).
template <typename T>
inline void AddColumn(T* __restrict o, const T* __restrict d, T v, arma::uword start,
                      arma::uword h, arma::uword rows) {
  if (start + h <= rows) {
    T* __restrict window = o + start;
#pragma omp simd
    for (arma::uword a = 0; a < h; ++a) window[a] += v * d[a];
    return;
  }
  const arma::uword direct = rows - start;
  for (arma::uword a = 0; a < direct; ++a) o[start + a] += v * d[a];
  for (arma::uword a = direct; a < h; ++a) o[a - direct] += v * d[a];
}

//! Output columns [begin, end) of every channel; returns the window operations whose first
//! column lies in the range (each window is counted by exactly one thread).
template <typename T>
DN_KERNEL std::uint64_t AddFilters(const ConvOperator<T>& op, const NonzeroColumns<T>& nonzeros,
                                   arma::Mat<T>& grid, arma::uword begin, arma::uword end) {
  const arma::uword rows = op.GridRows(), cols = op.GridCols(), C = op.Channels();
  const arma::uword h = op.Filters().Rows(), w = op.Filters().Cols();
  const arma::uword mapCols = nonzeros.MapCols();
  for (arma::uword c = 0; c < C; ++c)
    std::fill(grid.colptr(c) + begin * rows, grid.colptr(c) + end * rows, T(0));
  if (begin >= end) return 0;

  // The map columns whose windows (columns j .. j + w - 1 mod cols) reach [begin, end): the
  // cyclic interval from begin - w + 1, as at most two ascending pieces, so that every output
  // value sums its terms in ascending j whatever the ranges are.
  const arma::uword span = std::min(end - begin + w - 1, cols);
  const arma::uword first = (begin + cols - (w - 1)) % cols;
  arma::uword pieces[2][2];
  int pieceCount = 0;
  if (first + span <= cols) {
    pieces[pieceCount][0] = first;
    pieces[pieceCount++][1] = first + span;
  } else {
    pieces[pieceCount][0] = 0;
    pieces[pieceCount++][1] = first + span - cols;
    pieces[pieceCount][0] = first;
    pieces[pieceCount++][1] = cols;
  }

  std::uint64_t windows = 0;
  for (arma::uword k = 0; k < nonzeros.MapCount(); ++k) {
    const std::vector<arma::uword>& channels = op.ChannelsOf(k);
    if (channels.empty()) continue;
    const std::uint32_t* rowOf = nonzeros.Rows(k);
    const T* valueOf = nonzeros.Values(k);
    for (int p = 0; p < pieceCount; ++p) {
      const arma::uword pieceEnd = std::min(pieces[p][1], mapCols);
      for (arma::uword j = pieces[p][0]; j < pieceEnd; ++j) {
        const std::size_t firstNonzero = nonzeros.First(k, j), lastNonzero = nonzeros.Last(k, j);
        if (firstNonzero == lastNonzero) continue;
        // The filter columns b whose output column j + b (mod cols) is in the range: at most
        // one run before the wrap and one after it, b in [from, to) for output column
        // j + b - shift.
        arma::uword from[2], to[2], shift[2];
        int runs = 0;
        const auto addRun = [&](long long lo, long long hi, arma::uword offset) {
          if (lo < hi) {
            from[runs] = static_cast<arma::uword>(lo);
            to[runs] = static_cast<arma::uword>(hi);
            shift[runs++] = offset;
          }
        };
        const long long jj = static_cast<long long>(j), n = static_cast<long long>(cols);
        const long long ww = static_cast<long long>(w);
        const long long lo = static_cast<long long>(begin), hi = static_cast<long long>(end);
        addRun(std::max(lo - jj, 0LL), std::min({hi - jj, ww, n - jj}), 0);
        addRun(std::max(lo + n - jj, n - jj), std::min(hi + n - jj, ww), cols);
        if (runs == 0) continue;
        if (j >= begin && j < end) windows += (lastNonzero - firstNonzero) * channels.size();
        for (arma::uword c : channels) {
          const T* d = op.Filters().Filter(k, c).memptr();
          T* out = grid.colptr(c);
          for (int r = 0; r < runs; ++r)
            for (arma::uword b = from[r]; b < to[r]; ++b) {
              T* outColumn = out + (j + b - shift[r]) * rows;
              const T* filterColumn = d + b * h;
              for (std::size_t e = firstNonzero; e < lastNonzero; ++e)
                AddColumn(outColumn, filterColumn, valueOf[e], rowOf[e], h, rows);
            }
        }
      }
    }
  }
  return windows;
}

//! One map's compressed columns (see NonzeroColumns).
template <typename T>
DN_KERNEL void GatherNonzeros(const T* __restrict map, arma::uword rows, arma::uword cols,
                              std::uint32_t* __restrict start, std::uint32_t* __restrict row,
                              T* __restrict value) {
  std::uint32_t count = 0;
  for (arma::uword j = 0; j < cols; ++j) {
    start[j] = count;
    const T* column = map + j * rows;
    arma::uword i = 0;
    // Blocks of 16 tested at once (a vectorised test): most blocks of sparse maps are all zero.
    for (; i + 16 <= rows; i += 16) {
      bool any = false;
      for (unsigned q = 0; q < 16; ++q) any |= column[i + q] != T(0);
      if (!any) continue;
      for (unsigned q = 0; q < 16; ++q) {
        row[count] = static_cast<std::uint32_t>(i + q);
        value[count] = column[i + q];
        count += column[i + q] != T(0);  // written always, kept when non-zero: no branch
      }
    }
    for (; i < rows; ++i) {
      row[count] = static_cast<std::uint32_t>(i);
      value[count] = column[i];
      count += column[i] != T(0);
    }
  }
  start[cols] = count;
}

}  // namespace

template <typename T>
void NonzeroColumns<T>::Resize(arma::uword rows, arma::uword cols, arma::uword maps) {
  rows_ = rows;
  cols_ = cols;
  maps_ = maps;
  start_.assign(maps * (cols + 1), 0);
  row_.resize(maps * rows * cols);
  value_.resize(maps * rows * cols);
}

template <typename T>
void NonzeroColumns<T>::Gather(arma::uword k, const T* map) {
  const arma::uword offset = k * rows_ * cols_;
  GatherNonzeros(map, rows_, cols_, start_.data() + k * (cols_ + 1), row_.data() + offset,
                 value_.data() + offset);
}

template <typename T>
void SynthesizeSparseColumns(const ConvOperator<T>& op, const NonzeroColumns<T>& nonzeros,
                             arma::Mat<T>& grid, std::size_t begin, std::size_t end) {
  const std::uint64_t windows = AddFilters(op, nonzeros, grid, begin, end);
  CountWindowOps(windows, op.Filters().Rows() * op.Filters().Cols());
}

template <typename T>
void SynthesizeGathered(const ConvOperator<T>& op, const NonzeroColumns<T>& nonzeros,
                        arma::Mat<T>& grid) {
#pragma omp parallel
  {
    std::size_t begin, end;
    ThreadRange(op.GridCols(), omp_get_thread_num(), omp_get_num_threads(), begin, end);
    SynthesizeSparseColumns(op, nonzeros, grid, begin, end);
  }
}

template <typename T>
void SynthesizeSparse(const ConvOperator<T>& op, const Maps<T>& maps, NonzeroColumns<T>& nonzeros,
                      arma::Mat<T>& grid) {
  op.CheckMaps(maps, "SynthesizeSparse()");
  grid.set_size(op.Fft().Size(), op.Channels());
  if (nonzeros.MapRows() != maps.n_rows || nonzeros.MapCols() != maps.n_cols ||
      nonzeros.MapCount() != maps.n_slices)
    nonzeros.Resize(maps.n_rows, maps.n_cols, maps.n_slices);
#pragma omp parallel for schedule(static)
  for (arma::uword k = 0; k < maps.n_slices; ++k) nonzeros.Gather(k, maps.slice(k).memptr());
  SynthesizeGathered(op, nonzeros, grid);
}

template <typename T>
void FftSynthesisWorkspace<T>::Resize(const ConvOperator<T>& op, int threads) {
  const arma::uword C = op.Channels(), F = op.Fft().SpectrumSize();
  accumulators.assign(threads, arma::Mat<Complex<T>>(F, C));
  partials.resize(C * threads);
  for (arma::uword c = 0; c < C; ++c)
    for (int t = 0; t < threads; ++t) partials[c * threads + t] = accumulators[t].colptr(c);
  spectra.assign(threads, arma::Col<Complex<T>>(F));
  scratch.assign(op.Padded() ? threads : 0, op.MakeScratch());
}

template <typename T>
void SynthesizeByFft(const ConvOperator<T>& op, const Maps<T>& maps,
                     FftSynthesisWorkspace<T>& workspace, arma::Mat<Complex<T>>& synthesis,
                     arma::Mat<Complex<T>>* spectra) {
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const int threads = workspace.Threads();
  if (spectra) spectra->set_size(F, K);
  synthesis.set_size(F, C);
#pragma omp parallel num_threads(threads)
  {
    const int thread = omp_get_thread_num();
    arma::Mat<Complex<T>>& accumulator = workspace.accumulators[thread];
    bool first = true;  // the thread's first map sets its accumulator
    T* scratch = op.Padded() ? workspace.scratch[thread].memptr() : nullptr;
#pragma omp for schedule(static) nowait
    for (arma::uword k = 0; k < K; ++k) {
      Complex<T>* X = spectra ? spectra->colptr(k) : workspace.spectra[thread].memptr();
      op.ForwardMap(maps.slice(k).memptr(), X, scratch);
      op.AccumulateSynthesis(k, X, accumulator, first);
      first = false;
    }
    if (first) accumulator.zeros();
#pragma omp barrier
    std::size_t begin, end;
    ThreadRange(F, thread, omp_get_num_threads(), begin, end);
    for (arma::uword c = 0; c < C; ++c)
      kernels::SumInto(&workspace.partials[c * threads], threads, begin, synthesis.colptr(c),
                       end - begin);
  }
}

template <typename T>
double SparseSynthesisFlops(const ConvOperator<T>& op, double nonzeros) {
  double connected = 0.0;
  for (arma::uword k = 0; k < op.FilterCount(); ++k)
    connected += static_cast<double>(op.ChannelsOf(k).size());
  const double channelsPerFilter = connected / static_cast<double>(op.FilterCount());
  return 2.0 * nonzeros * channelsPerFilter *
         static_cast<double>(op.Filters().Rows() * op.Filters().Cols());
}

template <typename T>
bool SparseSynthesisPays(const ConvOperator<T>& op, double nonzeros, bool spatialResult) {
  const double K = static_cast<double>(op.FilterCount()), C = static_cast<double>(op.Channels());
  const double transformsSaved = spatialResult ? K + C : K - C;
  const double points = static_cast<double>(op.Fft().Size());
  const double transformFlops = 2.5 * points * std::log2(points);
  return kWindowFlopsPerFftFlop * SparseSynthesisFlops(op, nonzeros) <
         transformsSaved * transformFlops;
}

#define DN_INSTANTIATE(T)                                                                          \
  template class NonzeroColumns<T>;                                                                \
  template struct FftSynthesisWorkspace<T>;                                                        \
  template void SynthesizeByFft(const ConvOperator<T>&, const Maps<T>&, FftSynthesisWorkspace<T>&, \
                                arma::Mat<Complex<T>>&, arma::Mat<Complex<T>>*);                   \
  template void SynthesizeSparse(const ConvOperator<T>&, const Maps<T>&, NonzeroColumns<T>&,      \
                                 arma::Mat<T>&);                                                   \
  template void SynthesizeSparseColumns(const ConvOperator<T>&, const NonzeroColumns<T>&,          \
                                        arma::Mat<T>&, std::size_t, std::size_t);                  \
  template double SparseSynthesisFlops(const ConvOperator<T>&, double);                            \
  template bool SparseSynthesisPays(const ConvOperator<T>&, double, bool);                         \
  template void SynthesizeGathered(const ConvOperator<T>&, const NonzeroColumns<T>&, arma::Mat<T>&);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn
