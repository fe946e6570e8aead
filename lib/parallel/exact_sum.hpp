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

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/types.hpp"
#include "parallel/communicator.hpp"

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

//! The sum of every rank's `parts` (arrays of rows x cols x slices; `terms` of them over all
//! ranks, a rank may hold none), exact in 64-bit fixed point: the same for every split of the
//! parts. Every rank calls it together and gets the sum. Parts that are not finite give a sum
//! of NaN (for the caller's divergence check).
template <typename T>
arma::Cube<T> ExactSum(const std::vector<arma::Cube<T>>& parts, arma::uword rows, arma::uword cols,
                       arma::uword slices, double terms, Communicator& communicator) {
  double bound = 0.0;
  for (const arma::Cube<T>& part : parts)
    for (const T x : part) bound = std::max(bound, std::isfinite(double(x)) ? std::abs(double(x))
                                                          : std::numeric_limits<double>::infinity());
  communicator.MaxInPlace(&bound, 1);
  const arma::uword n = rows * cols * slices;
  std::vector<std::int64_t> sums(n, 0);
  const FixedPoint fixed =
      std::isfinite(bound) ? FixedPointFor(bound, terms) : FixedPoint{};
  if (std::isfinite(bound))
    for (const arma::Cube<T>& part : parts)
      for (arma::uword i = 0; i < n; ++i) sums[i] += fixed(part[i]);
  communicator.SumInPlace(sums.data(), n);
  arma::Cube<T> sum(rows, cols, slices);
  for (arma::uword i = 0; i < n; ++i)
    sum[i] = std::isfinite(bound) ? static_cast<T>(fixed.Value(sums[i]))
                                  : std::numeric_limits<T>::quiet_NaN();
  return sum;
}

}  // namespace dn
