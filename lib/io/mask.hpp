// Data weights ("masks") for inpainting and learning from incomplete images (issue 15).
//
// A mask is an Image<double>(H, W, C) of per-pixel weights on the data term
//     1/2 || W (D z - s) ||^2 + lambda || z ||_1
// (solvers/weighted_operator.hpp): 0 where the pixel is unknown, 1 where it is known, or any
// other non-negative finite weight. Pixel (y, x) of channel c is mask(y, x, c), as in an image.
//
// Files:
//  * an image file that ReadImage reads (PNG, JPEG, PGM/PPM, BMP): values / 255 (PGM/PPM: /
//  maxval).
//    For an image of 3 channels the file is read in colour, so a colour mask gives each channel
//    its own weights and a grey one is replicated; for any other channel count it is read grey
//    (a colour file is converted with 0.299 R + 0.587 G + 0.114 B, which leaves equal R, G, B
//    unchanged) and replicated into every channel. Save masks losslessly: JPEG's ringing
//    turns 0 and 1 into nearby values.
//  * a .npy array (H, W), one mask for every channel, or (C, H, W), one per channel (io/npy.hpp:
//    element [c][y][x] is mask(y, x, c)). ReadNpy refuses NaN and infinite values itself
//    (std::runtime_error).
//
// A mask directory (dn-learn --mask DIR) holds one mask per training image file, found by the
// image's stem: images/foo.png is masked by DIR/foo.npy or DIR/foo.png (or any image extension).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn {

//! Throws std::invalid_argument, one line naming `name` (a file, or what the caller calls an
//! in-memory mask), unless `mask` fits an image of rows x cols x channels: the same rows and
//! columns, 1 or `channels` channels, finite, non-negative, and not zero everywhere.
void CheckMask(const Image<double>& mask, arma::uword rows, arma::uword cols, arma::uword channels,
               const std::string& name);

//! CheckMask, then the mask with exactly `channels` channels (a one-channel mask replicated).
Image<double> MaskForImage(const Image<double>& mask, arma::uword rows, arma::uword cols,
                           arma::uword channels, const std::string& name);

//! Reads the mask file `path` (see the file comment) for an image of rows x cols x channels and
//! returns it with `channels` channels. A missing, unreadable or corrupt file: std::runtime_error
//! naming the file (as ReadImage and ReadNpy); a .npy of another rank or a mask that does not fit
//! (CheckMask): std::invalid_argument naming the file.
Image<double> ReadMask(const std::string& path, arma::uword rows, arma::uword cols,
                       arma::uword channels);

//! The mask file in `directory` for the image file `imagePath`: the one entry of `directory`
//! whose stem (name without its last extension) is `imagePath`'s and whose extension is .npy or
//! an image extension (any case). Throws std::runtime_error naming the image and the directory
//! when there is none, or naming both candidates when there are several (foo.png and foo.npy),
//! or when the directory cannot be read. Images of the same stem in different folders share a
//! mask.
std::string FindMaskFile(const std::string& directory, const std::string& imagePath);

//! FindMaskFile for every image, in order, reading the directory once.
std::vector<std::string> FindMaskFiles(const std::string& directory,
                                       const std::vector<std::string>& imagePaths);

//! A mask of rows x cols x channels with exactly round(missingFraction rows cols) pixels missing
//! (weight 0 in every channel), the others 1. The missing pixels are the first ones of a partial
//! Fisher-Yates shuffle of the pixel indices y + rows x, driven by std::mt19937_64(seed) with
//! rejection sampling for the uniform integers, so the mask is the same on every platform and
//! compiler. Throws std::invalid_argument for a zero size or a missingFraction outside [0, 1) or
//! one that leaves no pixel known.
Image<double> RandomMask(arma::uword rows, arma::uword cols, arma::uword channels,
                         double missingFraction, std::uint64_t seed);

}  // namespace dn
