// Core types shared by every module.
//
// Array layout (see docs/file_formats.md for files): all in-memory arrays are Armadillo
// column-major cubes indexed (row y, column x, slice).
//   image   : arma::Cube<T>(H, W, C)        slice c = channel c
//   maps    : arma::Cube<T>(Hm, Wm, K)      slice k = feature map of filter k
//   filters : FilterBank<T>                 K filters of C channels, each h x w
#pragma once

#include <armadillo>
#include <complex>
#include <cstddef>
#include <string>
#include <vector>

namespace dn {

template <typename T> using Image = arma::Cube<T>;
template <typename T> using Maps = arma::Cube<T>;
template <typename T> using Complex = std::complex<T>;

//! How a convolution treats the image border.
enum class Boundary {
  Valid,    //!< Zeiler's model: maps are (H+h-1) x (W+w-1); the image is the valid part.
  Circular  //!< SPORCO's model: maps have the image size; convolution is periodic.
};

//! "valid" or "circular".
std::string ToString(Boundary boundary);
//! Parses "valid" or "circular"; throws std::invalid_argument otherwise.
Boundary ParseBoundary(const std::string& name);

//! A bank of K filters with C channels each, every one h x w.
//! Filter (k, c) is slice k*C + c of `data`, an h x w column-major matrix.
template <typename T> struct FilterBank {
  std::size_t filters = 0;   //!< K
  std::size_t channels = 0;  //!< C
  arma::Cube<T> data;        //!< (h, w, K*C)

  FilterBank() = default;
  FilterBank(std::size_t K, std::size_t C, std::size_t h, std::size_t w)
      : filters(K), channels(C), data(h, w, K * C, arma::fill::zeros) {}

  std::size_t Rows() const { return data.n_rows; }
  std::size_t Cols() const { return data.n_cols; }
  arma::Mat<T>& Filter(std::size_t k, std::size_t c) { return data.slice(k * channels + c); }
  const arma::Mat<T>& Filter(std::size_t k, std::size_t c) const {
    return data.slice(k * channels + c);
  }
  //! Converts the element type (float <-> double).
  template <typename U> FilterBank<U> Cast() const {
    FilterBank<U> out;
    out.filters = filters;
    out.channels = channels;
    out.data = arma::conv_to<arma::Cube<U>>::from(data);
    return out;
  }
};

//! Map size for an image of H x W and filters of h x w under a boundary mode.
inline arma::uword MapRows(arma::uword H, arma::uword h, Boundary b) {
  return b == Boundary::Valid ? H + h - 1 : H;
}
inline arma::uword MapCols(arma::uword W, arma::uword w, Boundary b) {
  return b == Boundary::Valid ? W + w - 1 : W;
}

} // namespace dn
