// Reading and writing images.
//
// An image is an Image<double> = arma::Cube<double>(H, W, C): pixel (y, x) of channel c is
// image(y, x, c), row y from the top, column x from the left, values in [0, 1] (8-bit value / 255).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn {

//! The largest image ReadImage accepts and WritePng writes, in pixels (2^28).
constexpr std::size_t kMaxImagePixels = std::size_t(1) << 28;

//! Reads a PNG, JPEG, binary PGM/PPM (P5/P6) or BMP file, recognised by its first bytes rather
//! than its name. With `colour` the result has 3 channels R, G, B (a grey file is replicated into
//! all three); without, 1 channel, 0.299 R + 0.587 G + 0.114 B computed in double (a grey file is
//! taken as is). An alpha channel is ignored. Any other format, an empty, truncated or corrupt
//! file, or more than `maxPixels` pixels: std::runtime_error naming the file. `maxPixels` must be
//! in 1..kMaxImagePixels (else std::invalid_argument); a caller that reads untrusted files on a
//! memory budget lowers it (a few hundred bytes of PNG can declare millions of pixels).
Image<double> ReadImage(const std::string& path, bool colour,
                        std::size_t maxPixels = kMaxImagePixels);

//! Writes an 8-bit PNG (grey for C == 1, RGB for C == 3; other C: std::invalid_argument). Values
//! are clamped to [0, 1] (NaN gives 0) and rounded to the nearest of 0..255. Atomic.
void WritePng(const std::string& path, const Image<double>& image);

//! True when the name ends in .png, .jpg, .jpeg, .pgm, .ppm, .pnm or .bmp (any case).
bool HasImageExtension(const std::string& path);

//! The image files (by HasImageExtension) directly inside `directory`, as paths
//! `directory/name` in sorted order. Throws std::runtime_error if the directory cannot be read.
std::vector<std::string> ListImageFiles(const std::string& directory);

}  // namespace dn
