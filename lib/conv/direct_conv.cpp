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
              const arma::uword zi = boundary == Boundary::Valid ? i + h - 1 - p : (i + Hm - p) % Hm;
              const arma::uword zj = boundary == Boundary::Valid ? j + w - 1 - q : (j + Wm - q) % Wm;
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
              const arma::uword zi = boundary == Boundary::Valid ? i + h - 1 - p : (i + Hm - p) % Hm;
              const arma::uword zj = boundary == Boundary::Valid ? j + w - 1 - q : (j + Wm - q) % Wm;
              maps(zi, zj, k) += d(p, q) * residual(i, j, c);
            }
    }
  return maps;
}

template Image<float> DirectApply(const FilterBank<float>&, const Maps<float>&, arma::uword,
                                  arma::uword, Boundary);
template Image<double> DirectApply(const FilterBank<double>&, const Maps<double>&, arma::uword,
                                   arma::uword, Boundary);
template Maps<float> DirectAdjoint(const FilterBank<float>&, const Image<float>&, Boundary);
template Maps<double> DirectAdjoint(const FilterBank<double>&, const Image<double>&, Boundary);

} // namespace dn
