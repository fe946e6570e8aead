#include "conv/direct_conv.hpp"

#include <stdexcept>

namespace dn {

template <typename T>
Image<T> DirectApply(const FilterBank<T>& filters, const Maps<T>& maps, arma::uword imageRows,
                     arma::uword imageCols, Boundary boundary) {
  const arma::uword K = filters.filters, C = filters.channels;
  const arma::uword h = filters.Rows(), w = filters.Cols();
  const arma::uword Hm = MapRows(imageRows, h, boundary), Wm = MapCols(imageCols, w, boundary);
  if (maps.n_rows != Hm || maps.n_cols != Wm || maps.n_slices != K)
    throw std::invalid_argument("DirectApply(): maps do not match the filters and image size");
  Image<T> out(imageRows, imageCols, C, arma::fill::zeros);
  for (arma::uword c = 0; c < C; ++c)
    for (arma::uword k = 0; k < K; ++k) {
      const arma::Mat<T>& d = filters.Filter(k, c);
      for (arma::uword j = 0; j < imageCols; ++j)
        for (arma::uword i = 0; i < imageRows; ++i) {
          double sum = 0.0;
          for (arma::uword q = 0; q < w; ++q)
            for (arma::uword p = 0; p < h; ++p) {
              const arma::uword zi =
                  boundary == Boundary::Valid ? i + h - 1 - p : (i + Hm - p) % Hm;
              const arma::uword zj =
                  boundary == Boundary::Valid ? j + w - 1 - q : (j + Wm - q) % Wm;
              sum += double(d(p, q)) * double(maps(zi, zj, k));
            }
          out(i, j, c) += static_cast<T>(sum);
        }
    }
  return out;
}

template <typename T>
Maps<T> DirectAdjoint(const FilterBank<T>& filters, const Image<T>& residual, Boundary boundary) {
  const arma::uword K = filters.filters, C = filters.channels;
  const arma::uword h = filters.Rows(), w = filters.Cols();
  const arma::uword H = residual.n_rows, W = residual.n_cols;
  if (residual.n_slices != C)
    throw std::invalid_argument("DirectAdjoint(): residual channels do not match the filters");
  const arma::uword Hm = MapRows(H, h, boundary), Wm = MapCols(W, w, boundary);
  Maps<T> maps(Hm, Wm, K, arma::fill::zeros);
  for (arma::uword k = 0; k < K; ++k)
    for (arma::uword c = 0; c < C; ++c) {
      const arma::Mat<T>& d = filters.Filter(k, c);
      for (arma::uword j = 0; j < W; ++j)
        for (arma::uword i = 0; i < H; ++i)
          for (arma::uword q = 0; q < w; ++q)
            for (arma::uword p = 0; p < h; ++p) {
              const arma::uword zi =
                  boundary == Boundary::Valid ? i + h - 1 - p : (i + Hm - p) % Hm;
              const arma::uword zj =
                  boundary == Boundary::Valid ? j + w - 1 - q : (j + Wm - q) % Wm;
              maps(zi, zj, k) += d(p, q) * residual(i, j, c);
            }
    }
  return maps;
}

namespace {

//! The image index on one axis (of `size` entries) that map entry `index` reaches through tap
//! `tap`: s index - padding + tap, wrapped (circular), or -1 outside the image (valid).
long long TapTarget(arma::uword index, std::size_t stride, std::size_t padding, arma::uword tap,
                    arma::uword size, Boundary boundary) {
  const long long n = static_cast<long long>(size);
  const long long target =
      static_cast<long long>(stride * index + tap) - static_cast<long long>(padding);
  if (boundary == Boundary::Circular) return (target % n + n) % n;
  return target < 0 || target >= n ? -1 : target;
}

//! Calls visit(out_row, out_col, a, b) for the taps (a, b) by which map entry (i, j) reaches an
//! image pixel (dropping the others under valid, wrapping under circular).
template <typename Visit>
void ForEachTap(arma::uword i, arma::uword j, arma::uword h, arma::uword w, arma::uword H,
                arma::uword W, const StridedGeometry& g, Boundary boundary, Visit&& visit) {
  for (arma::uword b = 0; b < w; ++b) {
    const long long col = TapTarget(j, g.stride, g.paddingCols, b, W, boundary);
    if (col < 0) continue;
    for (arma::uword a = 0; a < h; ++a) {
      const long long row = TapTarget(i, g.stride, g.paddingRows, a, H, boundary);
      if (row >= 0) visit(arma::uword(row), arma::uword(col), a, b);
    }
  }
}

}  // namespace

template <typename T>
Image<T> DirectStridedApply(const FilterBank<T>& filters, const Maps<T>& maps,
                            arma::uword imageRows, arma::uword imageCols,
                            const StridedGeometry& geometry, Boundary boundary) {
  const arma::uword K = filters.filters, C = filters.channels;
  const arma::uword h = filters.Rows(), w = filters.Cols();
  geometry.Check(h, w);
  if (maps.n_rows != geometry.MapRows(imageRows, h, boundary) ||
      maps.n_cols != geometry.MapCols(imageCols, w, boundary) || maps.n_slices != K)
    throw std::invalid_argument(
        "DirectStridedApply(): maps do not match the filters, the "
        "geometry and the image size");
  arma::Cube<double> out(imageRows, imageCols, C, arma::fill::zeros);
  for (arma::uword k = 0; k < K; ++k)
    for (arma::uword j = 0; j < maps.n_cols; ++j)
      for (arma::uword i = 0; i < maps.n_rows; ++i) {
        const double z = maps(i, j, k);
        if (z == 0) continue;
        ForEachTap(i, j, h, w, imageRows, imageCols, geometry, boundary,
                   [&](arma::uword row, arma::uword col, arma::uword a, arma::uword b) {
                     for (arma::uword c = 0; c < C; ++c)
                       out(row, col, c) += double(filters.Filter(k, c)(a, b)) * z;
                   });
      }
  return arma::conv_to<Image<T>>::from(out);
}

template <typename T>
Maps<T> DirectStridedAdjoint(const FilterBank<T>& filters, const Image<T>& residual,
                             const StridedGeometry& geometry, Boundary boundary) {
  const arma::uword K = filters.filters, C = filters.channels;
  const arma::uword h = filters.Rows(), w = filters.Cols();
  const arma::uword H = residual.n_rows, W = residual.n_cols;
  geometry.Check(h, w);
  if (residual.n_slices != C)
    throw std::invalid_argument(
        "DirectStridedAdjoint(): residual channels do not match the filters");
  const arma::uword Hm = geometry.MapRows(H, h, boundary), Wm = geometry.MapCols(W, w, boundary);
  Maps<T> maps(Hm, Wm, K, arma::fill::zeros);
  for (arma::uword k = 0; k < K; ++k)
    for (arma::uword j = 0; j < Wm; ++j)
      for (arma::uword i = 0; i < Hm; ++i) {
        double sum = 0;
        ForEachTap(i, j, h, w, H, W, geometry, boundary,
                   [&](arma::uword row, arma::uword col, arma::uword a, arma::uword b) {
                     for (arma::uword c = 0; c < C; ++c)
                       sum += double(filters.Filter(k, c)(a, b)) * double(residual(row, col, c));
                   });
        maps(i, j, k) = static_cast<T>(sum);
      }
  return maps;
}

template Image<float> DirectStridedApply(const FilterBank<float>&, const Maps<float>&, arma::uword,
                                         arma::uword, const StridedGeometry&, Boundary);
template Image<double> DirectStridedApply(const FilterBank<double>&, const Maps<double>&,
                                          arma::uword, arma::uword, const StridedGeometry&,
                                          Boundary);
template Maps<float> DirectStridedAdjoint(const FilterBank<float>&, const Image<float>&,
                                          const StridedGeometry&, Boundary);
template Maps<double> DirectStridedAdjoint(const FilterBank<double>&, const Image<double>&,
                                           const StridedGeometry&, Boundary);

template Image<float> DirectApply(const FilterBank<float>&, const Maps<float>&, arma::uword,
                                  arma::uword, Boundary);
template Image<double> DirectApply(const FilterBank<double>&, const Maps<double>&, arma::uword,
                                   arma::uword, Boundary);
template Maps<float> DirectAdjoint(const FilterBank<float>&, const Image<float>&, Boundary);
template Maps<double> DirectAdjoint(const FilterBank<double>&, const Image<double>&, Boundary);

}  // namespace dn
