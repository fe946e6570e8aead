// The element type of a run, chosen at run time: single (float, the default for learning) or
// double precision, and the conversions into it. The numerical core is written once for both
// (explicit instantiations for float and double); WithPrecision() runs such code in the
// precision a configuration names.
#pragma once

#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/types.hpp"

namespace dn {

enum class Precision { Single, Double };

//! "single" or "double".
std::string ToString(Precision precision);
//! Parses "single" or "double"; throws std::invalid_argument otherwise.
Precision ParsePrecision(const std::string& name);

//! The precision of element type T (float: Single, double: Double).
template <typename T>
constexpr Precision PrecisionOf() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "float or double");
  return std::is_same_v<T, float> ? Precision::Single : Precision::Double;
}

//! Calls body(float{}) for Single and body(double{}) for Double, so that a generic lambda
//! `[&](auto tag) { using T = decltype(tag); ... }` runs in that precision.
template <typename Body>
decltype(auto) WithPrecision(Precision precision, Body&& body) {
  if (precision == Precision::Double) return body(double{});
  return body(float{});
}

//! Throws std::runtime_error naming `what`, ending with `advice`, when a value lies beyond the
//! range of T (only float's can be exceeded), where it would become infinite.
template <typename T>
void RequireRepresentable(const arma::Cube<double>& values, const std::string& what,
                          const std::string& advice) {
  if constexpr (std::is_same_v<T, float>) {
    const double largest = values.is_empty() ? 0.0 : arma::abs(values).max();
    if (largest > double(std::numeric_limits<float>::max())) {
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", largest);
      throw std::runtime_error(what + " has values up to " + text +
                               " in magnitude, beyond single precision's range (3.4e+38); " +
                               advice);
    }
  }
}

//! The image in element type T; see RequireRepresentable.
template <typename T>
Image<T> Convert(const Image<double>& image, const std::string& what,
                 const std::string& advice = "use --precision double") {
  RequireRepresentable<T>(image, what, advice);
  return arma::conv_to<Image<T>>::from(image);
}

//! The filter bank in element type T; see RequireRepresentable.
template <typename T>
FilterBank<T> Convert(const FilterBank<double>& filters, const std::string& what,
                      const std::string& advice = "use --precision double") {
  RequireRepresentable<T>(filters.data, what, advice);
  return filters.template Cast<T>();
}

}  // namespace dn
