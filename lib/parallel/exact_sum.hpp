// Floating-point sums whose result does not depend on the order or grouping of their terms, so
// that a sum over images is the same bit for bit however the images are split across ranks
// (parallel/communicator.hpp) or threads.
//
// Each term is rounded to a multiple of 2^-s and added as a 64-bit integer; integer addition is
// associative, so partial sums can be combined in any order (Communicator::SumInPlace). The
// scale 2^s is chosen from a bound B on |term| and the number of terms N, both the same on
// every rank: N B 2^s <= 2^60, leaving a factor 4 for rounding in the terms themselves. A term
// keeps about 60 - log2(N) bits relative to B: finer than single precision for any N, and about
// double precision's own rounding of a sequential sum of N terms.
#pragma once

#include <cmath>
#include <cstdint>

namespace dn {

//! The scale 2^s and its inverse for summing `terms` terms of magnitude at most `bound`.
struct FixedPoint {
  double scale = 1.0, inverse = 1.0;

  std::int64_t operator()(double x) const { return std::llrint(x * scale); }
  double Value(std::int64_t sum) const { return static_cast<double>(sum) * inverse; }
};

//! The fixed point for `terms` terms bounded by `bound` (>= 0, finite; 0: every term is 0).
//! std::invalid_argument otherwise.
FixedPoint FixedPointFor(double bound, double terms);

}  // namespace dn
