#include "core/precision.hpp"

namespace dn {

std::string ToString(Precision precision) {
  return precision == Precision::Double ? "double" : "single";
}

Precision ParsePrecision(const std::string& name) {
  if (name == "single") return Precision::Single;
  if (name == "double") return Precision::Double;
  throw std::invalid_argument("precision must be single or double, not '" + name + "'");
}

}  // namespace dn
