#include "parallel/exact_sum.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dn {

FixedPoint FixedPointFor(double bound, double terms, int bits) {
  if (!(bound >= 0.0) || !std::isfinite(bound))
    throw std::invalid_argument("FixedPointFor(): the bound " + std::to_string(bound) +
                                " is not finite and >= 0");
  if (!(terms >= 1.0) || !std::isfinite(terms))
    throw std::invalid_argument("FixedPointFor(): bad term count");
  FixedPoint fixed;
  if (bound == 0.0) return fixed;
  if (bits < 1 || bits > kFixedPointBits)
    throw std::invalid_argument("FixedPointFor(): bits must be in [1, 60]");
  // N B < 2^e (frexp: N B = m 2^e, 0.5 <= m < 1), so s = bits - e gives N B 2^s < 2^bits.
  int e = 0;
  std::frexp(bound * terms, &e);
  const int s = std::min(bits - e, 1000);  // 2^1000 and 2^-1000 are normal doubles
  fixed.scale = std::ldexp(1.0, s);
  fixed.inverse = std::ldexp(1.0, -s);
  return fixed;
}

}  // namespace dn
