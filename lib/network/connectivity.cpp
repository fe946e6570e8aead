#include "network/connectivity.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace dn {

std::string ToString(ConnectivityType type) {
  switch (type) {
    case ConnectivityType::Full:
      return "full";
    case ConnectivityType::SinglesAndDoubles:
      return "singles-and-doubles";
    case ConnectivityType::RandomDoubles:
      return "random-doubles";
  }
  return "unknown";
}

std::vector<std::string> ConnectivityNames() {
  return {"full", "singles-and-doubles", "random-doubles"};
}

ConnectivityType ParseConnectivity(const std::string& name) {
  if (name == "full") return ConnectivityType::Full;
  if (name == "singles-and-doubles") return ConnectivityType::SinglesAndDoubles;
  if (name == "random-doubles") return ConnectivityType::RandomDoubles;
  throw std::invalid_argument("unknown connectivity '" + name +
                              "' (expected full, singles-and-doubles or random-doubles)");
}

std::size_t RequiredMapCount(ConnectivityType type, std::size_t inputs) {
  return type == ConnectivityType::SinglesAndDoubles ? inputs + inputs * (inputs - 1) / 2 : 0;
}

ConnectivityTable::ConnectivityTable(ConnectivityType type, std::size_t inputs, std::size_t maps,
                                     std::uint64_t seed)
    : type_(type) {
  const std::string who = "ConnectivityTable(" + ToString(type) + "): ";
  if (inputs == 0 || maps == 0) throw std::invalid_argument(who + "needs inputs and maps");
  table_.zeros(inputs, maps);
  switch (type) {
    case ConnectivityType::Full:
      table_.ones();
      break;
    case ConnectivityType::SinglesAndDoubles: {
      const std::size_t required = RequiredMapCount(type, inputs);
      if (maps != required)
        throw std::invalid_argument(
            who + std::to_string(inputs) + " input maps need " + std::to_string(inputs) + " + " +
            std::to_string(required - inputs) + " = " + std::to_string(required) + " maps, not " +
            std::to_string(maps));
      std::size_t k = 0;
      for (std::size_t c = 0; c < inputs; ++c) table_(c, k++) = 1;
      for (std::size_t a = 0; a < inputs; ++a)
        for (std::size_t b = a + 1; b < inputs; ++b, ++k) table_(a, k) = table_(b, k) = 1;
      break;
    }
    case ConnectivityType::RandomDoubles: {
      if (inputs < 2) throw std::invalid_argument(who + "needs at least 2 input maps");
      std::mt19937_64 generator(seed);
      std::vector<arma::uword> order(inputs);
      std::iota(order.begin(), order.end(), arma::uword(0));
      std::shuffle(order.begin(), order.end(), generator);
      // Cover every input first: consecutive entries of the permutation (the last one of an odd
      // count pairs with the first), then uniform pairs.
      const std::size_t covering = std::min(maps, (inputs + 1) / 2);
      for (std::size_t k = 0; k < covering; ++k) {
        table_(order[2 * k], k) = 1;
        table_(2 * k + 1 < inputs ? order[2 * k + 1] : order[0], k) = 1;
      }
      std::uniform_int_distribution<arma::uword> first(0, inputs - 1), second(0, inputs - 2);
      for (std::size_t k = covering; k < maps; ++k) {
        const arma::uword a = first(generator);
        arma::uword b = second(generator);
        if (b >= a) ++b;  // uniform over the inputs other than a
        table_(a, k) = table_(b, k) = 1;
      }
      break;
    }
  }
  inputsOf_.assign(maps, {});
  mapsOf_.assign(inputs, {});
  for (std::size_t k = 0; k < maps; ++k)
    for (std::size_t c = 0; c < inputs; ++c)
      if (table_(c, k)) {
        inputsOf_[k].push_back(c);
        mapsOf_[c].push_back(k);
        ++pairs_;
      }
}

namespace {

template <typename T>
void CheckShape(const FilterBank<T>& filters, const ConnectivityTable& table, const char* who) {
  if (filters.filters != table.Maps() || filters.channels != table.Inputs())
    throw std::invalid_argument(
        std::string(who) + ": " + std::to_string(filters.filters) + " filters of " +
        std::to_string(filters.channels) + " channels do not match a connectivity table of " +
        std::to_string(table.Inputs()) + " inputs and " + std::to_string(table.Maps()) + " maps");
}

}  // namespace

template <typename T>
void MaskFilters(FilterBank<T>& filters, const ConnectivityTable& table) {
  CheckShape(filters, table, "MaskFilters()");
  for (std::size_t k = 0; k < table.Maps(); ++k)
    for (std::size_t c = 0; c < table.Inputs(); ++c)
      if (!table.Connected(c, k)) filters.Filter(k, c).zeros();
}

template <typename T>
bool RespectsConnectivity(const FilterBank<T>& filters, const ConnectivityTable& table) {
  CheckShape(filters, table, "RespectsConnectivity()");
  for (std::size_t k = 0; k < table.Maps(); ++k)
    for (std::size_t c = 0; c < table.Inputs(); ++c)
      if (!table.Connected(c, k) && arma::any(arma::vectorise(filters.Filter(k, c)))) return false;
  return true;
}

template void MaskFilters(FilterBank<float>&, const ConnectivityTable&);
template void MaskFilters(FilterBank<double>&, const ConnectivityTable&);
template bool RespectsConnectivity(const FilterBank<float>&, const ConnectivityTable&);
template bool RespectsConnectivity(const FilterBank<double>&, const ConnectivityTable&);

}  // namespace dn
