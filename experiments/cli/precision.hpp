// Runs code written once for both element types in the precision chosen at run time.
#pragma once

#include <string>

namespace dn::cli {

//! Calls body(float{}) for "single" and body(double{}) for "double" (validated beforehand), so a
//! generic lambda `[&](auto tag) { using T = decltype(tag); ... }` runs in that precision.
template <typename Body>
decltype(auto) WithPrecision(const std::string& precision, Body&& body) {
  if (precision == "double") return body(double{});
  return body(float{});
}

}  // namespace dn::cli
