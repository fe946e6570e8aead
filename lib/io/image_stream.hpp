// Training images streamed from disk, one at a time (issue 11: learning from thousands of images
// in bounded memory).
//
// An ImageSource knows at opening how many images it holds and the shape of each (read from the
// file headers, which are all checked then), and reads an image's pixels only when asked, so
// memory does not grow with the number of images. Images are Image<double> (H, W, C) as in
// io/image.hpp; .npy axis orders are those of io/npy.hpp.
//
// Threads: Load, Shape, Count and Name may be called from several threads at once (Load opens the
// file anew on each call; nothing shared is modified).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn {

//! The shape of one image: rows H, columns W, channels C.
struct ImageShape {
  std::size_t rows = 0, cols = 0, channels = 0;
};

//! Training images read one at a time, so memory does not grow with their number.
class ImageSource {
public:
  virtual ~ImageSource() = default;
  //! The number of images (at least 1).
  virtual std::size_t Count() const = 0;
  //! Image i's shape, known without decoding its pixels (from the header, checked at opening).
  virtual ImageShape Shape(std::size_t i) const = 0;
  //! Reads image i: pixel values as stored (image files in [0, 1]), grey or colour as opened.
  //! std::runtime_error naming the file (and index in a stack) when reading fails.
  virtual Image<double> Load(std::size_t i) const = 0;
  //! How messages name image i: "dir/a.png", "stack.npy[12]".
  virtual std::string Name(std::size_t i) const = 0;
};

//! The images that dn-learn's INPUT arguments name, in order: image files; directories (their
//! image files in sorted order, as io/image.hpp lists them); text files ending in .txt listing
//! one path per line (relative paths relative to the list's directory; blank lines and lines
//! starting with '#' skipped); .npy arrays (H, W), (N, H, W), (N, C, H, W) (and (C, H, W) with
//! colour), with the same rules as ImagesFromNpy in io/npy.hpp, read lazily: one image's bytes
//! per Load() by seeking, never the whole array. Every header is read and checked at opening,
//! so that a missing, unreadable, corrupt-header or unsupported file fails at once with
//! std::runtime_error naming it; an empty directory or list also fails. Also refuses
//! (runtime_error) channel counts that differ between images.
//!
//! Details. A list's lines are stripped of surrounding white space; a line may name an image
//! file, a directory or a .npy array, not another list. What opening checks of an image file
//! (PNG, JPEG, binary PGM/PPM, BMP, recognised by their first bytes as ReadImage does): the
//! header's fields, at most kMaxImagePixels pixels, and that the file is long enough for what
//! its header declares (the chunk sequence of a PNG up to IEND, the data of a PGM/PPM or BMP, one
//! bit per 8x8 block of a JPEG). Damage inside compressed data is found by Load. A .npy array is
//! checked as ReadNpy checks it (version, dtype '<f4' or '<f8', C order, file size against the
//! shape), and each of its images must have at most kMaxImagePixels pixels; its values are
//! checked when an image is loaded (NaN or infinite: std::runtime_error naming "file[i]"), so
//! unlike ReadInputImages a stack with a NaN in one image opens and its other images load.
//! Load gives exactly what ReadInputImages gives for the same image, and throws
//! std::runtime_error if the file no longer matches the header read at opening.
std::unique_ptr<ImageSource> OpenImageSource(const std::vector<std::string>& inputs, bool colour);

//! Images already in memory (the Python module's arrays); Load copies. Named "image 0",
//! "image 1", ... Throws std::invalid_argument for no images, an empty image, a non-finite value,
//! or channel counts that differ between images.
std::unique_ptr<ImageSource> MemoryImageSource(std::vector<Image<double>> images);

}  // namespace dn
