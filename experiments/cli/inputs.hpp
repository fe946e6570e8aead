// Input images of the executables: image files, directories of images, or .npy arrays.
#pragma once

#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/types.hpp"

namespace dn::cli {

//! The images named by INPUT arguments, in order: an image file (PNG, JPEG, PGM/PPM, BMP) gives
//! one image, a directory its image files in sorted order, a .npy array (H, W) or (N, H, W)
//! (with `colour` also (C, H, W) and (N, C, H, W); see io/npy.hpp). Pixel values as stored
//! (image files: [0, 1]). Throws std::runtime_error naming the input for a missing path, an
//! empty directory, an unreadable, corrupt or unsupported file, or images whose channel counts
//! differ.
std::vector<Image<double>> ReadInputImages(const std::vector<std::string>& inputs, bool colour);

//! Exactly one image from an image file or a .npy array holding one image.
Image<double> ReadInputImage(const std::string& path, bool colour);

//! The filter bank that option `option` (e.g. "--init") names: a .npy array (K, h, w) or
//! (K, C, h, w). Throws std::runtime_error naming the option and file for a missing, corrupt or
//! wrongly shaped array, or one whose filters are all zero.
FilterBank<double> ReadFilterBank(const std::string& option, const std::string& path);

//! Centre-crops every image to the smallest row and column counts among them. Returns true when
//! any image was cropped.
bool CropToCommonSize(std::vector<Image<double>>& images);

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

}  // namespace dn::cli
