// Input images of the executables: image files, directories of images, or .npy arrays.
#pragma once

#include <string>
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

//! A filter bank from a .npy array (K, h, w) or (K, C, h, w). Throws std::runtime_error naming
//! the file for a missing, corrupt or wrongly shaped array.
FilterBank<double> ReadFilterBank(const std::string& path);

//! Centre-crops every image to the smallest row and column counts among them. Returns true when
//! any image was cropped.
bool CropToCommonSize(std::vector<Image<double>>& images);

//! The image in element type T.
template <typename T>
Image<T> Convert(const Image<double>& image) {
  return arma::conv_to<Image<T>>::from(image);
}

}  // namespace dn::cli
