// The two ways of forming the synthesis D z: by FFT (SynthesizeByFft), and in space from maps
// that are mostly zero (the rest of this header).
//
// The synthesis D z computed in space from maps that are mostly zero: each filter d_kc is added,
// scaled, at every non-zero of map k (the "sparse" convolution of Zeiler's IPP toolbox for
// deconvolutional networks). Its cost is 2 h w flops per non-zero and connected channel, against
// K forward transforms (and the per-frequency products) for the synthesis by FFT, so it pays
// below a density of the order of log2(grid size) / (h w) (see SparseSynthesisPays()).
//
// The result is the circular convolution on the operator's FFT grid (GridRows x GridCols per
// channel) with tap (0,0) at the map's point, as conv/conv_operator.hpp defines D: equal to the
// inverse transform of sum_k D_kc Z_k divided by the grid size, everywhere on the grid, so the
// valid boundary's crop of it is D z (wrapped terms never reach the crop).
//
// Parallel over the grid's columns: each thread owns a range of output columns and reads the map
// columns whose windows reach it. Every output value is summed in the same order (filter k, then
// map column j, then map row i, ascending) whatever the ranges are, so the result does not
// depend on the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "conv/conv_operator.hpp"

namespace dn {

//! The non-zeros of maps, column by column (compressed sparse columns, one set per map), with
//! room for every value of every map so that gathering never allocates. Gathered while a map is
//! in cache, they let the synthesis read the non-zeros in order: reading the maps themselves
//! instead costs a cache miss per non-zero of maps larger than the cache.
template <typename T>
class NonzeroColumns {
public:
  //! Room for `maps` maps of rows x cols; none gathered.
  void Resize(arma::uword rows, arma::uword cols, arma::uword maps);
  //! Gathers map k (rows x cols, column-major); maps may be gathered concurrently.
  void Gather(arma::uword k, const T* map);
  //! Map k's column j: its non-zeros' rows and values, [First, Last).
  std::size_t First(arma::uword k, arma::uword j) const { return start_[k * (cols_ + 1) + j]; }
  std::size_t Last(arma::uword k, arma::uword j) const { return start_[k * (cols_ + 1) + j + 1]; }
  const std::uint32_t* Rows(arma::uword k) const { return row_.data() + k * rows_ * cols_; }
  const T* Values(arma::uword k) const { return value_.data() + k * rows_ * cols_; }
  arma::uword MapRows() const { return rows_; }
  arma::uword MapCols() const { return cols_; }
  arma::uword MapCount() const { return maps_; }

private:
  arma::uword rows_ = 0, cols_ = 0, maps_ = 0;
  std::vector<std::uint32_t> start_;  //!< per map, cols + 1 offsets into its rows and values
  std::vector<std::uint32_t> row_;
  std::vector<T> value_;
};

//! grid ((GridRows*GridCols) x C, resized) = D z on the FFT grid, from the maps' non-zeros,
//! OpenMP across maps (gathering them into `nonzeros`, resized) and grid columns. Counts its
//! window operations (core/work_count.hpp).
template <typename T>
void SynthesizeSparse(const ConvOperator<T>& op, const Maps<T>& maps, NonzeroColumns<T>& nonzeros,
                      arma::Mat<T>& grid);
//! The same from maps already gathered (`grid` must have its size), OpenMP across grid columns.
template <typename T>
void SynthesizeGathered(const ConvOperator<T>& op, const NonzeroColumns<T>& nonzeros,
                        arma::Mat<T>& grid);

//! The share of one thread of the synthesis from gathered maps, for a caller inside a parallel
//! region: writes output columns [begin, end) of every channel of `grid`, which must have its
//! size. Every column must be written by exactly one thread.
template <typename T>
void SynthesizeSparseColumns(const ConvOperator<T>& op, const NonzeroColumns<T>& nonzeros,
                             arma::Mat<T>& grid, std::size_t begin, std::size_t end);

//! Per-thread buffers of SynthesizeByFft(): an accumulator (F x C), a map spectrum (F) and, for
//! a padded grid, a scratch grid (ConvOperator::ForwardMap).
template <typename T>
struct FftSynthesisWorkspace {
  std::vector<arma::Mat<Complex<T>>> accumulators;
  std::vector<const Complex<T>*> partials;  //!< [c * threads + t]: accumulators[t].colptr(c)
  std::vector<arma::Col<Complex<T>>> spectra;
  std::vector<arma::Col<T>> scratch;
  //! Buffers for `threads` threads.
  void Resize(const ConvOperator<T>& op, int threads);
  int Threads() const { return static_cast<int>(accumulators.size()); }
};

//! synthesis (F x C, resized) = the spectrum of D z by FFT: per map a forward transform and its
//! products accumulated per thread (OpenMP across maps, static schedule), then the accumulators
//! summed in thread order over each thread's frequencies. With `spectra` (F x K, resized) the
//! maps' spectra are kept there.
template <typename T>
void SynthesizeByFft(const ConvOperator<T>& op, const Maps<T>& maps,
                     FftSynthesisWorkspace<T>& workspace, arma::Mat<Complex<T>>& synthesis,
                     arma::Mat<Complex<T>>* spectra = nullptr);

//! The flops of SynthesizeSparse() for `nonzeros` non-zeros spread over the maps: 2 h w taps
//! per non-zero and connected channel (the average over filters).
template <typename T>
double SparseSynthesisFlops(const ConvOperator<T>& op, double nonzeros);

//! Whether the sparse synthesis of maps with `nonzeros` non-zeros is expected to be faster than
//! the synthesis by FFT, for a caller that needs D z in space (`spatialResult`: the valid
//! boundary or a data weight) or in frequency. The FFT way takes K forward transforms more than
//! the sparse way, and C inverse ones more when the result is needed in space; the sparse way
//! takes C forward transforms more when it is needed in frequency. The exchange rate between
//! window flops and FFT flops is kWindowFlopsPerFftFlop.
template <typename T>
bool SparseSynthesisPays(const ConvOperator<T>& op, double nonzeros, bool spatialResult);

//! The time of a flop of the sparse synthesis in units of the time of an FFT flop, measured by
//! `dn-bench --run synthesis` on benchmark B's problem (2 threads, float, densities 0.1% to
//! 10%): 3.3 to 6.7 on the circular 256 x 256 grid (a power of 2, where FFTW is fastest), 1.4 to
//! 2.8 on the valid boundary's 270 x 270 grid. 3 errs towards the spatial way for circular and
//! towards the transforms for valid.
constexpr double kWindowFlopsPerFftFlop = 3.0;

}  // namespace dn
