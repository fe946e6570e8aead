#include "bench/synthesis_benchmark.hpp"

#include <cmath>
#include <random>

#include "bench/time_to_target.hpp"
#include "conv/sparse_synthesis.hpp"
#include "core/threads.hpp"
#include "core/timer.hpp"

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

template <typename T>
std::vector<SynthesisRow> TimeSynthesis(const CodingBenchmarkOptions& o, const CodingProblem& p) {
  // Only the image's size matters here.
  const ConvOperator<T> op(Convert<T>(p.filters, "--coding-dictionary"), p.signal.n_rows,
                           p.signal.n_cols, o.boundary, o.effort);
  const arma::uword K = op.FilterCount(), C = op.Channels(), F = op.Fft().SpectrumSize();
  const double points = static_cast<double>(op.Fft().Size());
  FftSynthesisWorkspace<T> workspace;
  workspace.Resize(op, ThreadCount());
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
    row.chosen = SparseSynthesisPays(op, row.nonzeros, o.boundary == Boundary::Valid);
    for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
      Timer sparse;
      for (std::size_t i = 0; i < o.fftIterations; ++i) SynthesizeGathered(op, nonzeros, grid);
      KeepSmaller(row.sparseSeconds, sparse.Seconds() / static_cast<double>(o.fftIterations));
      Timer byFft;
      for (std::size_t i = 0; i < o.fftIterations; ++i)
        SynthesizeByFft(op, maps, workspace, synthesis);
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
