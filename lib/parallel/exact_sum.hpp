// Floating-point sums whose result does not depend on the order or grouping of their terms, so
// that a sum over images is the same bit for bit however the images are split across ranks
// (parallel/communicator.hpp) or threads.
//
// Each term is rounded to a multiple of 2^-s and added as a 64-bit integer; integer addition is
// associative, so partial sums can be combined in any order (Communicator::SumInPlace). The
// scale 2^s is chosen from a bound B on |term| and the number of terms N, both the same on
// every rank: N B 2^s <= 2^b, b = 60 for 64-bit sums (a factor 4 left for rounding in the terms
// themselves). A term keeps about b - log2(N) bits relative to B: finer than single precision
// for any N, and about double precision's own rounding of a sequential sum of N terms. Sums that
// need less (an estimate) can be 32-bit, b = 28, to halve what the ranks exchange.
#pragma once

#include <cmath>
#include <cstdint>

namespace dn {

//! The scale 2^s and its inverse for summing `terms` terms of magnitude at most `bound`.
struct FixedPoint {
  double scale = 1.0, inverse = 1.0;

  //! x in units of 2^-s, rounded half away from zero; branch-free and inline (signs are
  //! random, and llrint is a library call).
  std::int64_t operator()(double x) const {
    const double y = x * scale;
    return static_cast<std::int64_t>(y + std::copysign(0.5, y));
  }
  double Value(std::int64_t sum) const { return static_cast<double>(sum) * inverse; }
};

//! Bits of the sums: 64-bit integers, and 32-bit ones.
constexpr int kFixedPointBits = 60;
constexpr int kFixedPointBits32 = 28;

//! The fixed point for `terms` terms bounded by `bound` (>= 0, finite; 0: every term is 0)
//! whose sums stay below 2^bits. std::invalid_argument otherwise.
FixedPoint FixedPointFor(double bound, double terms, int bits = kFixedPointBits);

}  // namespace dn
