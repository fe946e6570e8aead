// Sets of input images: image files, directories of images, or .npy arrays, as the executables
// and the Python module take them.
#pragma once

#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn {

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

//! The centred rows x cols part of `image` (at most its size).
Image<double> CentreCrop(const Image<double>& image, arma::uword rows, arma::uword cols);

//! Centre-crops every image to the smallest row and column counts among them. Returns true when
//! any image was cropped.
bool CropToCommonSize(std::vector<Image<double>>& images);

}  // namespace dn
