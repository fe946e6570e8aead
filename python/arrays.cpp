#include "arrays.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace dn::python {
namespace {

std::string ShapeText(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::string Ranks(std::size_t minRank, std::size_t maxRank) {
  if (minRank == maxRank) return std::to_string(minRank);
  return std::to_string(minRank) + (maxRank == minRank + 1 ? " or " : " to ") +
         std::to_string(maxRank);
}

//! Copies the array's elements into `cube`, slice index = leading axes flattened in C order.
template <typename S>
void ReadElements(const py::array& a, arma::Cube<double>& cube, const std::string& what) {
  const std::size_t rank = a.ndim();
  const auto* base = static_cast<const char*>(a.data());
  const py::ssize_t rowStride = a.strides(rank - 2), colStride = a.strides(rank - 1);
  std::vector<std::size_t> index(rank - 2, 0);
  for (arma::uword s = 0; s < cube.n_slices; ++s) {
    py::ssize_t offset = 0;
    for (std::size_t d = 0; d < index.size(); ++d) offset += py::ssize_t(index[d]) * a.strides(d);
    for (arma::uword x = 0; x < cube.n_cols; ++x)
      for (arma::uword y = 0; y < cube.n_rows; ++y) {
        S value;
        std::memcpy(&value, base + offset + py::ssize_t(y) * rowStride + py::ssize_t(x) * colStride,
                    sizeof value);
        if (!std::isfinite(value)) {
          std::string at;
          for (std::size_t i : index) at += std::to_string(i) + ", ";
          throw std::invalid_argument(what + " contains NaN or infinite values (first at [" + at +
                                      std::to_string(y) + ", " + std::to_string(x) + "])");
        }
        cube(y, x, s) = double(value);
      }
    for (std::size_t d = index.size(); d-- > 0;) {  // next leading index, last axis fastest
      if (++index[d] < std::size_t(a.shape(d))) break;
      index[d] = 0;
    }
  }
}

}  // namespace

arma::Cube<double> CubeFromArray(const py::handle& object, const std::string& what,
                                 std::size_t minRank, std::size_t maxRank,
                                 std::vector<std::size_t>* shape) {
  if (!py::isinstance<py::array>(object))
    throw std::invalid_argument(what + " must be a NumPy array (float32 or float64), not " +
                                std::string(py::str(py::type::of(object).attr("__name__"))));
  const auto a = py::reinterpret_borrow<py::array>(object);
  const std::string dtype = py::str(a.dtype().attr("str"));  // byte order and size: "<f4"
  const bool isFloat = dtype == "<f4", isDouble = dtype == "<f8";
  if (!isFloat && !isDouble)
    throw std::invalid_argument(what + " must have dtype float32 or float64, not " +
                                std::string(py::str(a.dtype())));
  std::vector<std::size_t> dims(a.shape(), a.shape() + a.ndim());
  if (dims.size() < minRank || dims.size() > maxRank)
    throw std::invalid_argument(what + " must have " + Ranks(minRank, maxRank) +
                                " dimensions, not shape " + ShapeText(dims));
  if (a.size() == 0) throw std::invalid_argument(what + " is empty: shape " + ShapeText(dims));
  std::size_t slices = 1;
  for (std::size_t d = 0; d + 2 < dims.size(); ++d) slices *= dims[d];
  arma::Cube<double> cube(dims[dims.size() - 2], dims.back(), slices);
  if (isFloat)
    ReadElements<float>(a, cube, what);
  else
    ReadElements<double>(a, cube, what);
  if (shape) *shape = dims;
  return cube;
}

Image<double> ImageFromArray(const py::handle& object, const std::string& what) {
  return CubeFromArray(object, what, 2, 3);
}

FilterBank<double> FilterBankFromArray(const py::handle& object, const std::string& what,
                                       bool* float32) {
  std::vector<std::size_t> shape;
  FilterBank<double> filters;
  filters.data = CubeFromArray(object, what, 3, 4, &shape);
  filters.filters = shape[0];
  filters.channels = shape.size() == 4 ? shape[1] : 1;
  if (float32)
    *float32 = std::string(
                   py::str(py::reinterpret_borrow<py::array>(object).dtype().attr("str"))) == "<f4";
  return filters;
}

template <typename T>
py::array ArrayFromCube(const arma::Cube<T>& cube, bool squeeze) {
  std::vector<py::ssize_t> shape;
  if (!(squeeze && cube.n_slices == 1)) shape.push_back(py::ssize_t(cube.n_slices));
  shape.push_back(py::ssize_t(cube.n_rows));
  shape.push_back(py::ssize_t(cube.n_cols));
  py::array_t<T> out(shape);
  T* data = out.mutable_data();
  for (arma::uword s = 0; s < cube.n_slices; ++s)
    for (arma::uword y = 0; y < cube.n_rows; ++y)
      for (arma::uword x = 0; x < cube.n_cols; ++x) *data++ = cube(y, x, s);
  return out;
}

template <typename T>
py::array ArrayFromCubes(const std::vector<arma::Cube<T>>& cubes) {
  const arma::Cube<T>& first = cubes.front();
  std::vector<py::ssize_t> shape{py::ssize_t(cubes.size())};
  if (first.n_slices > 1) shape.push_back(py::ssize_t(first.n_slices));
  shape.push_back(py::ssize_t(first.n_rows));
  shape.push_back(py::ssize_t(first.n_cols));
  py::array_t<T> out(shape);
  T* data = out.mutable_data();
  for (const arma::Cube<T>& cube : cubes)
    for (arma::uword s = 0; s < cube.n_slices; ++s)
      for (arma::uword y = 0; y < cube.n_rows; ++y)
        for (arma::uword x = 0; x < cube.n_cols; ++x) *data++ = cube(y, x, s);
  return out;
}

template <typename T>
py::array ArrayFromFilterBank(const FilterBank<T>& filters) {
  std::vector<py::ssize_t> shape{py::ssize_t(filters.filters)};
  if (filters.channels > 1) shape.push_back(py::ssize_t(filters.channels));
  shape.push_back(py::ssize_t(filters.Rows()));
  shape.push_back(py::ssize_t(filters.Cols()));
  py::array_t<T> out(shape);
  T* data = out.mutable_data();
  for (arma::uword s = 0; s < filters.data.n_slices; ++s)
    for (arma::uword y = 0; y < filters.Rows(); ++y)
      for (arma::uword x = 0; x < filters.Cols(); ++x) *data++ = filters.data(y, x, s);
  return out;
}

#define DN_INSTANTIATE(T)                                               \
  template py::array ArrayFromCube(const arma::Cube<T>&, bool);         \
  template py::array ArrayFromCubes(const std::vector<arma::Cube<T>>&); \
  template py::array ArrayFromFilterBank(const FilterBank<T>&);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn::python
