// Montages: many small images (filters, feature maps, image patches) tiled into one image for
// display, each tile contrast-stretched on its own.
#pragma once

#include <cstddef>
#include <vector>

#include "core/types.hpp"

namespace dn {

//! Layout of a montage.
struct MontageOptions {
  //! Integer nearest-neighbour enlargement of each tile; 0 = automatic: the smallest factor
  //! that makes a tile at least 48 px on its longer side, at most 16.
  std::size_t scale = 0;
  std::size_t separator = 2;  //!< Pixels between tiles and around the border.
  double background = 1.0;    //!< Value of the separator pixels (1 = white).
  std::size_t columns = 0;    //!< Tiles per row; 0 = ceil(sqrt(n)). Capped at n.
  bool stretch = true;        //!< Stretch each tile to its range; false: show values as given.
};

//! Tiles `tiles` (all the same shape h x w x C, C >= 1) row-major into a grid. With `stretch`,
//! each tile is mapped linearly from its own [min, max] (over all its channels) to [0, 1] and a
//! constant tile becomes 0.5; without, values are shown as they are, clamped to [0, 1]. Non-finite values are ignored for the range and shown as 0 (NaN, -inf) or 1
//! (+inf). The result has C channels and is
//!   rows * h * scale + (rows + 1) * separator  by  columns * w * scale + (columns + 1) * separator
//! pixels, with rows = ceil(n / columns); unused grid cells are background.
//! Throws std::invalid_argument for an empty list, mismatched or empty tiles, a non-finite
//! background, or an output above 2^28 pixels.
Image<double> Montage(const std::vector<Image<double>>& tiles, const MontageOptions& options = {});

//! One tile per filter k with its C channels when C is 1 or 3; otherwise one grey tile per
//! (k, c) pair, k-major (k = 0: c = 0, 1, ...; then k = 1; ...).
template <typename T>
Image<double> FilterMontage(const FilterBank<T>& filters, const MontageOptions& options = {});

//! One grey tile per slice (feature map) showing sqrt(|z| / max |z|) of that map: zero is black,
//! so sparse activity stands out whatever its sign, weak activity stays visible next to the
//! strongest, and an unused map is a black tile.
template <typename T>
Image<double> MapsMontage(const Maps<T>& maps, const MontageOptions& options = {});

}  // namespace dn
