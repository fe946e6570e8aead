// NumPy arrays to and from the library's column-major cubes, in the axis orders of
// docs/file_formats.md:
//   image        (H, W) or (C, H, W)         <->  Image(H, W, C)
//   feature maps (K, Hm, Wm)                 <->  Maps(Hm, Wm, K)
//   filter bank  (K, h, w) or (K, C, h, w)   <->  FilterBank: Filter(k, c)
// Element [s...][y][x] is cube(y, x, s) with the leading axes flattened in C order. Inputs of
// either dtype (float32, float64) and any memory order (C, Fortran, strided views) are read
// element by element into a new cube: that one copy is the engine's own column-major,
// aligned working array, never an alias of the caller's memory. Outputs are new C-ordered
// arrays.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "core/types.hpp"

namespace dn::python {

namespace py = pybind11;

//! Reads `object` as a float32 or float64 array of rank `minRank` to `maxRank` whose values are
//! finite, into a cube (rows, cols, slices) where slices flattens every leading axis. Throws
//! std::invalid_argument naming `what` for another type, dtype or rank, an empty array or a
//! NaN or infinite value. `shape` receives the array's shape.
arma::Cube<double> CubeFromArray(const py::handle& object, const std::string& what,
                                 std::size_t minRank, std::size_t maxRank,
                                 std::vector<std::size_t>* shape = nullptr);

//! An image (H, W) or (C, H, W).
Image<double> ImageFromArray(const py::handle& object, const std::string& what);
//! A filter bank (K, h, w) or (K, C, h, w). `float32` receives whether it was float32.
FilterBank<double> FilterBankFromArray(const py::handle& object, const std::string& what,
                                       bool* float32 = nullptr);

//! A cube as a C-ordered array (slices, rows, cols), or (rows, cols) when it has one slice and
//! `squeeze` is set, of T's dtype.
template <typename T>
py::array ArrayFromCube(const arma::Cube<T>& cube, bool squeeze);

//! Equally shaped cubes as one array (N, rows, cols), or (N, slices, rows, cols) when they have
//! more than one slice, of T's dtype (filter banks, filter pictures).
template <typename T>
py::array ArrayFromCubes(const std::vector<arma::Cube<T>>& cubes);

//! A filter bank as (K, h, w) when C == 1, else (K, C, h, w), of T's dtype.
template <typename T>
py::array ArrayFromFilterBank(const FilterBank<T>& filters);

}  // namespace dn::python
