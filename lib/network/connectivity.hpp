// Connectivity tables of a deconvolutional network layer (Zeiler et al., CVPR 2010;
// the connectivity types of Zeiler's toolbox).
//
// Layer l reconstructs its C input maps y_c from its K feature maps z_k through the filters f_kc
// of the pairs that the binary table g (C x K) connects:
//
//   y_c  ~  sum_k g_ck ( f_kc * z_k )
//
// Types:
//  - full:                every map sees every input map (g = 1);
//  - singles-and-doubles: one map per input map, then one per unordered pair of input maps,
//                         K = C + C (C - 1) / 2 (9 inputs give 9 + 36 = 45 maps);
//  - random-doubles:      every map sees a pair of distinct input maps drawn from the seed; the
//                         first ceil(C / 2) maps take the inputs of a random permutation in
//                         pairs, so that every input map is seen when K >= ceil(C / 2); the rest
//                         draw pairs uniformly.
// Unconnected filters are held at zero (MaskFilters) and skipped by the network's transforms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn {

enum class ConnectivityType { Full, SinglesAndDoubles, RandomDoubles };

//! "full", "singles-and-doubles" or "random-doubles".
std::string ToString(ConnectivityType type);
//! Parses the names above; throws std::invalid_argument otherwise.
ConnectivityType ParseConnectivity(const std::string& name);
//! The names ParseConnectivity accepts.
std::vector<std::string> ConnectivityNames();

//! The map count a type requires for `inputs` input maps (singles-and-doubles:
//! C + C (C - 1) / 2), or 0 when any count is allowed.
std::size_t RequiredMapCount(ConnectivityType type, std::size_t inputs);

//! A binary table, inputs x maps: Connected(c, k) says whether map k reconstructs input c.
class ConnectivityTable {
public:
  ConnectivityTable() = default;
  //! Builds the table of `type`; throws std::invalid_argument when the type cannot connect
  //! `inputs` inputs to `maps` maps (no inputs or maps; singles-and-doubles with another map
  //! count; random-doubles with fewer than 2 inputs).
  ConnectivityTable(ConnectivityType type, std::size_t inputs, std::size_t maps,
                    std::uint64_t seed);

  ConnectivityType Type() const { return type_; }
  std::size_t Inputs() const { return table_.n_rows; }
  std::size_t Maps() const { return table_.n_cols; }
  bool Connected(std::size_t input, std::size_t map) const { return table_(input, map) != 0; }
  //! The inputs map k reconstructs, ascending.
  const std::vector<arma::uword>& InputsOf(std::size_t map) const { return inputsOf_[map]; }
  //! The maps that reconstruct input c, ascending.
  const std::vector<arma::uword>& MapsOf(std::size_t input) const { return mapsOf_[input]; }
  //! Number of connected pairs.
  std::size_t Pairs() const { return pairs_; }
  //! The table itself, inputs x maps, 1 = connected.
  const arma::umat& Table() const { return table_; }

private:
  ConnectivityType type_ = ConnectivityType::Full;
  arma::umat table_;
  std::vector<std::vector<arma::uword>> inputsOf_, mapsOf_;
  std::size_t pairs_ = 0;
};

//! Sets the filters of unconnected pairs to zero. The bank must be maps x inputs (K x C).
template <typename T>
void MaskFilters(FilterBank<T>& filters, const ConnectivityTable& table);

//! True when every filter of an unconnected pair is exactly zero.
template <typename T>
bool RespectsConnectivity(const FilterBank<T>& filters, const ConnectivityTable& table);

}  // namespace dn
