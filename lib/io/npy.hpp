// NumPy .npy files: reading, writing, and conversion to and from our column-major arrays.
//
// Supported files: NPY format versions 1.0, 2.0 and 3.0, dtype '<f4' (float32) or '<f8'
// (float64), C order (fortran_order False), rank >= 1, finite values only. Everything else is
// refused with std::runtime_error naming the file.
//
// Axis orders (C order, last index fastest; see docs/file_formats.md):
//   one image          (H, W) grey, or (C, H, W)
//   image set          (N, H, W) grey, or (N, C, H, W)
//   filter bank        (K, h, w) when C == 1, else (K, C, h, w)
//   feature maps       (K, Hm, Wm)
// In memory, element [n][c][y][x] is images[n](y, x, c) and element [k][c][y][x] is
// filters.Filter(k, c)(y, x); element [s][y][x] of a cube file is cube(y, x, s).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn {

//! The contents of a .npy file.
struct NpyArray {
  std::vector<std::size_t> shape;  //!< NumPy shape, outermost axis first.
  bool isFloat32 = false;          //!< True when stored as '<f4', false for '<f8'.
  std::vector<double> values;      //!< All elements in C order (last index fastest).

  //! Product of the shape (the number of elements).
  std::size_t Size() const;
};

//! What a .npy file's header says, checked: the supported subset above, and data of the
//! shape's size present in the file.
struct NpyHeader {
  std::vector<std::size_t> shape;  //!< NumPy shape, outermost axis first (rank >= 1)
  std::size_t itemSize = 0;        //!< 4 ('<f4') or 8 ('<f8')
  std::uint64_t dataOffset = 0;    //!< where element 0 starts in the file
  //! Product of the shape (the number of elements).
  std::size_t Size() const;
};

//! Reads and checks the header of the .npy file `path` without reading its data. Throws
//! std::runtime_error "<who>: <path>: <what>" for a missing, unreadable, malformed, unsupported
//! or truncated file.
NpyHeader ReadNpyHeader(const std::string& who, const std::string& path);

//! The little-endian float32 / float64 value at `p`, whatever the host's byte order.
inline double DecodeNpyF4(const unsigned char* p) {
  const std::uint32_t bits = std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) |
                             (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}
inline double DecodeNpyF8(const unsigned char* p) {
  std::uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | p[i];
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

//! Reads a .npy file (see the supported subset above). Throws std::runtime_error for a missing,
//! unreadable, malformed, unsupported or truncated file, or one holding NaN or infinite values.
//! The file size is checked against the header before anything is allocated.
NpyArray ReadNpy(const std::string& path);

//! Writes a C-order float32 ('<f4') array of the given shape (rank >= 1), atomically.
//! The version 1.0 header is padded so the data starts at a multiple of 64 bytes. Returns the
//! checksum (core/checksum.hpp) of the bytes written, the file's
//! FileChecksum(), computed while writing (so does the cube writer below).
std::uint64_t WriteNpy(const std::string& path, const std::vector<std::size_t>& shape,
                       const float* data);
//! Writes a C-order float64 ('<f8') array of the given shape (rank >= 1), atomically.
std::uint64_t WriteNpy(const std::string& path, const std::vector<std::size_t>& shape,
                       const double* data);

//! Images from an array. Without `colour`: (H, W) is one grey image, (N, H, W) N grey images,
//! (N, 1, H, W) likewise, and (N, 3, H, W) colour images converted to grey with
//! 0.299 R + 0.587 G + 0.114 B. With `colour`: (C, H, W) with C == 3 is one image with 3
//! channels; other rank-3 arrays are (N, H, W), N images with C = 1; (H, W) is one image with
//! C = 1; (N, C, H, W) is N images with C channels. Any other shape (rank 1 or above 4, a zero
//! dimension) throws std::invalid_argument quoting the shape.
template <typename T>
std::vector<Image<T>> ImagesFromNpy(const NpyArray& a, bool colour);

//! A filter bank from (K, h, w) (C = 1) or (K, C, h, w). Other shapes: std::invalid_argument.
template <typename T>
FilterBank<T> FilterBankFromNpy(const NpyArray& a);

//! Writes a filter bank as (K, h, w) when C == 1, else (K, C, h, w), in T's dtype.
template <typename T>
void WriteNpy(const std::string& path, const FilterBank<T>& filters);

//! Writes a cube (rows, cols, slices) as (slices, rows, cols), or as (rows, cols) when it has
//! one slice and `squeezeSingleSlice` is set, in T's dtype. For maps (K, Hm, Wm) and images.
//! Transposes a chunk of rows at a time: no copy of the whole cube.
template <typename T>
std::uint64_t WriteNpy(const std::string& path, const arma::Cube<T>& cube, bool squeezeSingleSlice);

//! Inverse of the cube writer: (H, W) gives one slice, (S, H, W) S slices. Other ranks or a
//! zero dimension: std::invalid_argument.
template <typename T>
arma::Cube<T> CubeFromNpy(const NpyArray& a);

//! "(2, 3, 4)" — a shape the way NumPy prints it, for messages.
std::string ShapeToString(const std::vector<std::size_t>& shape);

}  // namespace dn
