// Work counted as it is done, so that solvers can be compared by what they compute rather than
// by wall-clock time, which a shared machine distorts (dn-bench reports both).
//
// Two kinds of work dominate every solver of this library:
//  - FFTs: real 2-D transforms (forward or inverse) of n = rows x cols points, counted by
//    fft/fft.hpp; their flops are estimated as 2.5 n log2 n, the convention of FFTW's benchFFT
//    for real transforms (half the 5 n log2 n of a complex one);
//  - window operations: the h x w (x channels) dot products and scaled additions of coordinate
//    descent (solvers/coordinate_descent.hpp), 2 flops per filter tap.
// The elementwise passes (thresholding, per-frequency products and solves) are not counted: they
// are linear in the maps' size and small beside either kind.
//
// The counters are process-wide and atomic (relaxed: a count, not a synchronisation), so that any
// thread adds to them; a caller measures a piece of work as the difference of two WorkDone().
#pragma once

#include <cstdint>

namespace dn {

struct WorkCount {
  std::uint64_t ffts = 0;           //!< 2-D real transforms, forward and inverse
  double fftFlops = 0.0;            //!< their estimated flops, 2.5 n log2 n each
  std::uint64_t windowOps = 0;      //!< window correlations and window updates
  std::uint64_t windowTaps = 0;     //!< filter taps over those windows (2 flops each)

  double Flops() const { return fftFlops + 2.0 * static_cast<double>(windowTaps); }
  WorkCount operator-(const WorkCount& earlier) const;
};

//! The work counted so far in this process.
WorkCount WorkDone();
//! Counts `count` transforms of `points` points each.
void CountFfts(std::uint64_t count, std::uint64_t points);
//! Counts `count` window operations of `taps` filter taps each.
void CountWindowOps(std::uint64_t count, std::uint64_t taps);

}  // namespace dn
