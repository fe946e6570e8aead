// Pictures and file names of multi-layer networks shared by dn-learn and dn-inspect.
#pragma once

#include <string>
#include <vector>

#include "network/network.hpp"
#include "network/top_down.hpp"

namespace dn {

//! "layerN_dictionary.npy": layer N's filters in dn-learn's output directory (N >= 2).
std::string NetworkArrayName(std::size_t layer);
//! "layerN_filters.png": the montage of layer N's filters.
std::string NetworkMontageName(std::size_t layer);

//! Layer `layer`'s filters as a montage: layer 1's as they are (as FilterMontage), those above
//! in pixel space (FilterPictures), each tile stretched to its own range.
template <typename T>
Image<double> LayerFilterMontage(const Network<T>& network, std::size_t layer);

//! A montage of pixel-space pictures (image channels: 1 or 3 give one tile each, other counts
//! one grey tile per channel), each stretched to its own range.
template <typename T>
Image<double> PicturesMontage(const std::vector<Image<T>>& pictures);

}  // namespace dn
