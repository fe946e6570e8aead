// The size arithmetic of a strided layer: transposed ("fractionally strided") convolution, the
// learned upsampling of FCN (Long et al., CVPR 2015) and DCGAN, as a dictionary operator.
//
// Per axis, an input (the maps) of size i', a kernel (the filter) of size k, stride s and
// padding p give an output of size
//
//   o' = s (i' - 1) + k - 2p,
//
// the stride-1 convolution with padding k - p - 1 of the input with s - 1 zeros inserted between
// neighbouring entries (Dumoulin & Visin, "A guide to convolution arithmetic for deep learning",
// 2016, relationship 14). Map entry i reaches output entries s i - p + a through filter tap a,
// a = 0..k-1; those outside [0, o') are cropped. A 3x3 input with k = 3, s = 2, p = 1 gives 5x5.
//
// Boundary modes (conv/conv_operator.hpp for stride 1):
//  - valid: the image is the first H of the o' outputs, and the maps have the smallest size
//    whose output covers it: i' = max(1, ceil((H - k + 2p) / s) + 1). Stride 1 with p = k - 1 is
//    today's valid model (i' = H + k - 1, o' = H).
//  - circular: maps of N / s (s must divide N); output entry (s i - p + a) mod N. Stride 1 with
//    p = 0 is today's circular model.
#pragma once

#include <cstddef>
#include <string>

#include "core/types.hpp"

namespace dn {

//! A layer's padding as a user gives it: the boundary's ordinary padding ("default": h - 1,
//! w - 1 valid, 0 circular), or rows x columns ("P" or "PxQ").
struct Padding {
  bool ordinary = true;
  std::size_t rows = 0, cols = 0;
  //! "default", "P" or "PxQ"; std::invalid_argument naming `option` (e.g. "--padding").
  static Padding Parse(const std::string& text, const std::string& option = "--padding");
  //! What Parse reads back: "default" or "PxQ".
  std::string ToString() const;
  bool operator==(const Padding& o) const {
    return ordinary == o.ordinary && (ordinary || (rows == o.rows && cols == o.cols));
  }
  bool operator!=(const Padding& o) const { return !(*this == o); }
};

//! Stride (the same on both axes) and padding (rows, columns) of a layer.
struct StridedGeometry {
  std::size_t stride = 1;
  std::size_t paddingRows = 0, paddingCols = 0;

  //! Throws std::invalid_argument, naming --stride and --padding, unless stride >= 1 and each
  //! padding is below the filter's size on its axis (h x w filters).
  void Check(std::size_t filterRows, std::size_t filterCols) const;
  //! o' = s (i' - 1) + k - 2p on one axis (`padding` p); std::invalid_argument when `input` is 0
  //! or o' < 1 (no output).
  std::size_t OutputSize(std::size_t input, std::size_t kernel, std::size_t padding) const;
  //! The map size for an image axis of `image` entries (see the file comment); circular:
  //! std::invalid_argument naming --stride unless it divides `image`.
  std::size_t MapSize(std::size_t image, std::size_t kernel, std::size_t padding,
                      Boundary boundary) const;
  //! Map rows and columns for an image of rows x cols and filters of h x w.
  std::size_t MapRows(std::size_t rows, std::size_t h, Boundary boundary) const {
    return MapSize(rows, h, paddingRows, boundary);
  }
  std::size_t MapCols(std::size_t cols, std::size_t w, Boundary boundary) const {
    return MapSize(cols, w, paddingCols, boundary);
  }
  //! The ordinary (stride-1) layer of `boundary` for filters of h x w: padding h - 1, w - 1
  //! (valid) or 0 (circular).
  static StridedGeometry Ordinary(std::size_t h, std::size_t w, Boundary boundary);
  //! A layer of `stride` and `padding` for filters of h x w under `boundary`.
  static StridedGeometry Of(std::size_t stride, const Padding& padding, std::size_t h,
                            std::size_t w, Boundary boundary);
  //! Whether this is the ordinary layer of `boundary` for h x w filters.
  bool IsOrdinary(std::size_t h, std::size_t w, Boundary boundary) const;
  //! "stride S, padding P" or "stride S, padding PxQ".
  std::string ToString() const;
};

}  // namespace dn
