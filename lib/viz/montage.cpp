#include "viz/montage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace dn {
namespace {

constexpr std::size_t kMaxPixels = std::size_t(1) << 28;
constexpr std::size_t kAutoTarget = 48;
constexpr std::size_t kAutoMaxScale = 16;

std::string ShapeText(const Image<double>& tile) {
  return "(" + std::to_string(tile.n_rows) + ", " + std::to_string(tile.n_cols) + ", " +
         std::to_string(tile.n_slices) + ")";
}

//! a * b + c, or throws if it overflows.
std::size_t MulAdd(std::size_t a, std::size_t b, std::size_t c) {
  const std::size_t max = std::numeric_limits<std::size_t>::max();
  if (b != 0 && a > (max - c) / b) throw std::invalid_argument("Montage(): montage too large");
  return a * b + c;
}

}  // namespace

Image<double> Montage(const std::vector<Image<double>>& tiles, const MontageOptions& options) {
  if (tiles.empty()) throw std::invalid_argument("Montage(): no tiles");
  const std::size_t h = tiles[0].n_rows, w = tiles[0].n_cols, channels = tiles[0].n_slices;
  if (h == 0 || w == 0 || channels == 0) {
    throw std::invalid_argument("Montage(): empty tile of shape " + ShapeText(tiles[0]));
  }
  for (std::size_t i = 1; i < tiles.size(); ++i) {
    if (tiles[i].n_rows != h || tiles[i].n_cols != w || tiles[i].n_slices != channels) {
      throw std::invalid_argument("Montage(): tile " + std::to_string(i) + " has shape " +
                                  ShapeText(tiles[i]) + ", tile 0 has " + ShapeText(tiles[0]));
    }
  }
  if (!std::isfinite(options.background)) {
    throw std::invalid_argument("Montage(): background must be finite");
  }

  std::size_t scale = options.scale;
  if (scale == 0) {
    const std::size_t longer = std::max(h, w);
    scale = std::min(kAutoMaxScale, std::max<std::size_t>(1, (kAutoTarget + longer - 1) / longer));
  }
  const std::size_t n = tiles.size();
  std::size_t columns = options.columns;
  if (columns == 0) {
    columns = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    while (columns * columns < n) ++columns;  // guard against rounding
    while (columns > 1 && (columns - 1) * (columns - 1) >= n) --columns;
  }
  columns = std::min(columns, n);
  const std::size_t rows = (n + columns - 1) / columns;
  const std::size_t sep = options.separator;
  const std::size_t tileH = MulAdd(h, scale, 0), tileW = MulAdd(w, scale, 0);
  const std::size_t outH = MulAdd(rows, tileH, MulAdd(rows + 1, sep, 0));
  const std::size_t outW = MulAdd(columns, tileW, MulAdd(columns + 1, sep, 0));
  if (outH == 0 || outW == 0 || outH > kMaxPixels || outW > kMaxPixels / outH) {
    throw std::invalid_argument("Montage(): montage of " + std::to_string(outH) + "x" +
                                std::to_string(outW) + " pixels is too large");
  }

  Image<double> out(outH, outW, channels);
  out.fill(options.background);
  for (std::size_t t = 0; t < n; ++t) {
    const Image<double>& tile = tiles[t];
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    for (const double v : tile) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    const bool constant = !(hi > lo);
    const double range = constant ? 1.0 : hi - lo;
    const std::size_t top = sep + (t / columns) * (tileH + sep);
    const std::size_t left = sep + (t % columns) * (tileW + sep);
    for (std::size_t c = 0; c < channels; ++c) {
      for (std::size_t x = 0; x < w; ++x) {
        for (std::size_t y = 0; y < h; ++y) {
          const double v = tile(y, x, c);
          double shown;
          if (std::isnan(v)) {
            shown = 0.0;
          } else if (std::isinf(v)) {
            shown = v > 0 ? 1.0 : 0.0;
          } else if (options.stretch) {
            shown = constant ? 0.5 : (v - lo) / range;
          } else {
            shown = std::clamp(v, 0.0, 1.0);
          }
          for (std::size_t dx = 0; dx < scale; ++dx) {
            for (std::size_t dy = 0; dy < scale; ++dy) {
              out(top + y * scale + dy, left + x * scale + dx, c) = shown;
            }
          }
        }
      }
    }
  }
  return out;
}

template <typename T>
Image<double> FilterMontage(const FilterBank<T>& filters, const MontageOptions& options) {
  const std::size_t K = filters.filters, C = filters.channels;
  if (K == 0 || C == 0 || filters.data.n_elem == 0) {
    throw std::invalid_argument("FilterMontage(): empty filter bank");
  }
  if (filters.data.n_slices != K * C) {
    throw std::invalid_argument("FilterMontage(): filter bank has " +
                                std::to_string(filters.data.n_slices) +
                                " slices, expected K*C = " + std::to_string(K * C));
  }
  std::vector<Image<double>> tiles;
  if (C == 1 || C == 3) {
    tiles.reserve(K);
    for (std::size_t k = 0; k < K; ++k) {
      Image<double> tile(filters.Rows(), filters.Cols(), C);
      for (std::size_t c = 0; c < C; ++c) {
        tile.slice(c) = arma::conv_to<arma::mat>::from(filters.Filter(k, c));
      }
      tiles.push_back(std::move(tile));
    }
  } else {
    tiles.reserve(K * C);
    for (std::size_t k = 0; k < K; ++k) {
      for (std::size_t c = 0; c < C; ++c) {
        Image<double> tile(filters.Rows(), filters.Cols(), 1);
        tile.slice(0) = arma::conv_to<arma::mat>::from(filters.Filter(k, c));
        tiles.push_back(std::move(tile));
      }
    }
  }
  return Montage(tiles, options);
}

template <typename T>
Image<double> MapsMontage(const Maps<T>& maps, const MontageOptions& options) {
  if (maps.n_elem == 0) throw std::invalid_argument("MapsMontage(): empty maps");
  std::vector<Image<double>> tiles;
  tiles.reserve(maps.n_slices);
  for (arma::uword k = 0; k < maps.n_slices; ++k) {
    Image<double> tile(maps.n_rows, maps.n_cols, 1);
    tile.slice(0) = arma::abs(arma::conv_to<arma::mat>::from(maps.slice(k)));
    const double peak = tile.max();
    if (peak > 0) tile = arma::sqrt(tile / peak);
    tiles.push_back(std::move(tile));
  }
  MontageOptions magnitude = options;
  magnitude.stretch = false;
  return Montage(tiles, magnitude);
}

template Image<double> FilterMontage<float>(const FilterBank<float>&, const MontageOptions&);
template Image<double> FilterMontage<double>(const FilterBank<double>&, const MontageOptions&);
template Image<double> MapsMontage<float>(const Maps<float>&, const MontageOptions&);
template Image<double> MapsMontage<double>(const Maps<double>&, const MontageOptions&);

}  // namespace dn
