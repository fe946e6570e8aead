#include "core/types.hpp"

#include <stdexcept>

namespace dn {

std::string ToString(Boundary boundary) {
  return boundary == Boundary::Valid ? "valid" : "circular";
}

Boundary ParseBoundary(const std::string& name) {
  if (name == "valid") return Boundary::Valid;
  if (name == "circular") return Boundary::Circular;
  throw std::invalid_argument("unknown boundary '" + name + "' (expected valid or circular)");
}

} // namespace dn
