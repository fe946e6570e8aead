// dn-bench's synthesis benchmark: the two ways of forming D z on the coding problem's operator,
// timed against each other at a range of map densities, the measurement behind FISTA's choice
// between them (solvers/proximal_gradient.hpp, conv/sparse_synthesis.hpp):
//  - by FFT (SynthesizeByFft, as FISTA forms it): the K forward transforms of the maps and the
//    per-frequency products, accumulated per thread and summed (OpenMP across maps);
//  - in space: each filter added at the non-zeros of the maps, gathered beforehand (FISTA gathers
//    them while each map is in cache), OpenMP across grid columns.
// The maps are drawn once per density (support uniform at that density, values standard normal,
// seed kSynthesisSeed). Each repetition times a block of fftIterations syntheses of each way; the
// fastest block counts. Reported per density: both times, their ratio, the window flops, and the
// exchange rate (FFT flops per second over window flops per second) that
// kWindowFlopsPerFftFlop stands for, beside the way SparseSynthesisPays() picks.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "bench/coding_benchmark.hpp"

namespace dn {

//! The seed of the synthesis benchmark's maps.
constexpr unsigned kSynthesisSeed = 1;

struct SynthesisRow {
  Precision precision = Precision::Single;
  double density = 0;    //!< asked for
  double nonzeros = 0;   //!< drawn
  double windowFlops = 0, fftFlops = 0;  //!< of one synthesis each way
  double sparseSeconds = std::numeric_limits<double>::quiet_NaN();
  double fftSeconds = std::numeric_limits<double>::quiet_NaN();
  bool chosen = false;  //!< SparseSynthesisPays() picks the sparse way for FISTA (no weight)
  double Ratio() const { return sparseSeconds / fftSeconds; }
  //! How many FFT flops take the time of one window flop.
  double Exchange() const { return (fftFlops / fftSeconds) / (windowFlops / sparseSeconds); }
};

//! Per precision and density of options.synthesisDensities, in that order.
std::vector<SynthesisRow> RunSynthesisBenchmark(const CodingBenchmarkOptions& options,
                                                const CodingProblem& problem);

}  // namespace dn
