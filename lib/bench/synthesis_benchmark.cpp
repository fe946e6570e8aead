#include "bench/synthesis_benchmark.hpp"

#include <omp.h>

#include <cmath>
#include <random>

#include "bench/time_to_target.hpp"
#include "conv/sparse_synthesis.hpp"
#include "core/threads.hpp"
#include "core/timer.hpp"
#include "solvers/kernels.hpp"

namespace dn {
namespace {

template <typename T>
Maps<T> DrawMaps(const ConvOperator<T>& op, double density, std::mt19937_64& random) {
  Maps<T> maps(op.MapRows(), op.MapCols(), op.FilterCount(), arma::fill::zeros);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (arma::uword i = 0; i < maps.n_elem; ++i)
    if (uniform(random) < density) maps[i] = static_cast<T>(normal(random));
  return maps;
}

//! D z by FFT as FISTA forms it: per map a forward transform and its products accumulated per
//! thread, then the accumulators summed over each thread's frequencies.
template <typename T>
void SynthesizeByFft(const ConvOperator<T>& op, const Maps<T>& maps,
                     std::vector<arma::Mat<Complex<T>>>& accumulators,
                     std::vector<arma::Col<Complex<T>>>& spectra,
                     std::vector<arma::Col<T>>& scratch,
                     const std::vector<const Complex<T>*>& partials,
                     arma::Mat<Complex<T>>& synthesis) {
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
#pragma omp parallel num_threads(accumulators.size())
  {
    const int thread = omp_get_thread_num(), threads = omp_get_num_threads();
    bool first = true;
#pragma omp for schedule(static) nowait
    for (arma::uword k = 0; k < K; ++k) {
      op.ForwardMap(maps.slice(k).memptr(), spectra[thread].memptr(),
                    op.Padded() ? scratch[thread].memptr() : nullptr);
      op.AccumulateSynthesis(k, spectra[thread].memptr(), accumulators[thread], first);
      first = false;
    }
    if (first) accumulators[thread].zeros();
#pragma omp barrier
    std::size_t begin, end;
    ThreadRange(F, thread, threads, begin, end);
    const int count = static_cast<int>(accumulators.size());
    for (arma::uword c = 0; c < C; ++c)
      kernels::SumInto(&partials[c * count], count, begin, synthesis.colptr(c), end - begin);
  }
}

template <typename T>
std::vector<SynthesisRow> TimeSynthesis(const CodingBenchmarkOptions& o, const CodingProblem& p) {
  const Image<T> signal = Convert<T>(p.signal, "--coding-image");
  const FilterBank<T> filters = Convert<T>(p.filters, "--coding-dictionary");
  const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, o.boundary, o.effort);
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const double points = static_cast<double>(op.Fft().Size());
  const int threads = ThreadCount();
  std::vector<arma::Mat<Complex<T>>> accumulators(threads, arma::Mat<Complex<T>>(F, C));
  std::vector<arma::Col<Complex<T>>> spectra(threads, arma::Col<Complex<T>>(F));
  std::vector<arma::Col<T>> scratch = PerThread(op.MakeScratch());
  std::vector<const Complex<T>*> partials(C * threads);  // [c * threads + t]
  for (arma::uword c = 0; c < C; ++c)
    for (int t = 0; t < threads; ++t) partials[c * threads + t] = accumulators[t].colptr(c);
  arma::Mat<Complex<T>> synthesis(F, C);
  arma::Mat<T> grid(op.Fft().Size(), C);
  NonzeroColumns<T> nonzeros;
  nonzeros.Resize(op.MapRows(), op.MapCols(), K);

  std::mt19937_64 random(kSynthesisSeed);
  std::vector<SynthesisRow> rows;
  for (double density : o.synthesisDensities) {
    const Maps<T> maps = DrawMaps(op, density, random);
    for (arma::uword k = 0; k < K; ++k) nonzeros.Gather(k, maps.slice(k).memptr());
    SynthesisRow row;
    row.precision = PrecisionOf<T>();
    row.density = density;
    row.nonzeros = static_cast<double>(arma::accu(maps != T(0)));
    row.windowFlops = SparseSynthesisFlops(op, row.nonzeros);
    row.fftFlops = static_cast<double>(K) * 2.5 * points * std::log2(points);
    row.chosen = SparseSynthesisPays(op, row.nonzeros, static_cast<double>(K - C));
    for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
      Timer sparse;
      for (std::size_t i = 0; i < o.fftIterations; ++i) {
#pragma omp parallel
        {
          std::size_t begin, end;
          ThreadRange(op.GridCols(), omp_get_thread_num(), omp_get_num_threads(), begin, end);
          SynthesizeSparseColumns(op, nonzeros, grid, begin, end);
        }
      }
      KeepSmaller(row.sparseSeconds, sparse.Seconds() / static_cast<double>(o.fftIterations));
      Timer byFft;
      for (std::size_t i = 0; i < o.fftIterations; ++i)
        SynthesizeByFft(op, maps, accumulators, spectra, scratch, partials, synthesis);
      KeepSmaller(row.fftSeconds, byFft.Seconds() / static_cast<double>(o.fftIterations));
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

std::vector<SynthesisRow> RunSynthesisBenchmark(const CodingBenchmarkOptions& o,
                                                const CodingProblem& p) {
  o.Validate();
  std::vector<SynthesisRow> rows;
  for (Precision precision : o.precisions) {
    const std::vector<SynthesisRow> part =
        WithPrecision(precision, [&](auto tag) { return TimeSynthesis<decltype(tag)>(o, p); });
    rows.insert(rows.end(), part.begin(), part.end());
  }
  return rows;
}

}  // namespace dn
