#include "network/pooling.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace dn {

void PoolingShape::Validate() const {
  if (rows == 0 || cols == 0 || maps == 0)
    throw std::invalid_argument("PoolingShape: block sizes must be positive");
}

std::string ToString(const PoolingShape& shape) {
  if (!shape.Active()) return "none";
  return std::to_string(shape.rows) + "x" + std::to_string(shape.cols) + "x" +
         std::to_string(shape.maps);
}

PoolingShape ParsePooling(const std::string& text) {
  if (text == "none") return PoolingShape();
  const auto bad = [&text]() {
    return std::invalid_argument(
        "pooling must be none, P, PxQ or PxQxM with positive integers "
        "(rows x columns x maps), like 2x2x2, not '" +
        text + "'");
  };
  std::vector<arma::uword> sizes;
  std::size_t start = 0;
  while (true) {
    const std::size_t x = text.find_first_of("xX", start);
    const std::string part = text.substr(start, x == std::string::npos ? x : x - start);
    if (part.empty() || part.size() > 6 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      throw bad();
    sizes.push_back(std::stoul(part));
    if (sizes.back() == 0) throw bad();
    if (x == std::string::npos) break;
    start = x + 1;
  }
  PoolingShape shape;
  if (sizes.size() == 1) {
    shape.rows = shape.cols = sizes[0];
  } else if (sizes.size() == 2 || sizes.size() == 3) {
    shape.rows = sizes[0];
    shape.cols = sizes[1];
    if (sizes.size() == 3) shape.maps = sizes[2];
  } else {
    throw bad();
  }
  return shape;
}

template <typename T>
void MaxPool(const Maps<T>& maps, const PoolingShape& shape, Maps<T>& pooled, Switches& switches) {
  shape.Validate();
  if (maps.n_elem == 0) throw std::invalid_argument("MaxPool(): empty maps");
  switches.rows = maps.n_rows;
  switches.cols = maps.n_cols;
  switches.maps = maps.n_slices;
  switches.shape = shape;
  const arma::uword pr = switches.PooledRows(), pc = switches.PooledCols(),
                    pm = switches.PooledMaps();
  pooled.set_size(pr, pc, pm);
  switches.source.set_size(pooled.n_elem);
  const arma::uword R = maps.n_rows, C = maps.n_cols, K = maps.n_slices;
#pragma omp parallel for schedule(static)
  for (arma::uword g = 0; g < pm; ++g) {
    const arma::uword k0 = g * shape.maps, k1 = std::min(K, k0 + shape.maps);
    for (arma::uword j = 0; j < pc; ++j) {
      const arma::uword x0 = j * shape.cols, x1 = std::min(C, x0 + shape.cols);
      for (arma::uword i = 0; i < pr; ++i) {
        const arma::uword y0 = i * shape.rows, y1 = std::min(R, y0 + shape.rows);
        arma::uword best = y0 + R * (x0 + C * k0);
        T bestMagnitude = std::abs(maps[best]);
        for (arma::uword k = k0; k < k1; ++k)
          for (arma::uword x = x0; x < x1; ++x)
            for (arma::uword y = y0; y < y1; ++y) {
              const arma::uword index = y + R * (x + C * k);
              if (std::abs(maps[index]) > bestMagnitude) {
                bestMagnitude = std::abs(maps[index]);
                best = index;
              }
            }
        const arma::uword b = i + pr * (j + pc * g);
        switches.source[b] = best;
        pooled[b] = maps[best];
      }
    }
  }
}

namespace {

void CheckPooled(arma::uword rows, arma::uword cols, arma::uword slices, const Switches& s,
                 const char* who) {
  if (rows != s.PooledRows() || cols != s.PooledCols() || slices != s.PooledMaps() ||
      s.source.n_elem != rows * cols * slices)
    throw std::invalid_argument(std::string(who) + ": pooled maps " + std::to_string(rows) + "x" +
                                std::to_string(cols) + "x" + std::to_string(slices) +
                                " do not match the switches");
}

}  // namespace

template <typename T>
void Gather(const Maps<T>& maps, const Switches& switches, Maps<T>& pooled) {
  if (maps.n_rows != switches.rows || maps.n_cols != switches.cols ||
      maps.n_slices != switches.maps)
    throw std::invalid_argument("Gather(): maps do not match the switches");
  pooled.set_size(switches.PooledRows(), switches.PooledCols(), switches.PooledMaps());
  const arma::uword* source = switches.source.memptr();
  for (arma::uword b = 0; b < pooled.n_elem; ++b) pooled[b] = maps[source[b]];
}

template <typename T>
void Unpool(const Maps<T>& pooled, const Switches& switches, Maps<T>& maps) {
  CheckPooled(pooled.n_rows, pooled.n_cols, pooled.n_slices, switches, "Unpool()");
  maps.zeros(switches.rows, switches.cols, switches.maps);
  const arma::uword* source = switches.source.memptr();
  for (arma::uword b = 0; b < pooled.n_elem; ++b) maps[source[b]] = pooled[b];
}

namespace {

//! Calls visit(pooled index, source index, block size) for every element of every block.
template <typename Visit>
void ForEachBlockElement(const PoolingShape& shape, arma::uword R, arma::uword C, arma::uword K,
                         Visit&& visit) {
  const arma::uword pr = PoolingShape::Pooled(R, shape.rows),
                    pc = PoolingShape::Pooled(C, shape.cols);
  for (arma::uword k = 0; k < K; ++k) {
    const arma::uword g = k / shape.maps;
    const arma::uword depth = std::min(K, (g + 1) * shape.maps) - g * shape.maps;
    for (arma::uword x = 0; x < C; ++x) {
      const arma::uword j = x / shape.cols;
      const arma::uword width = std::min(C, (j + 1) * shape.cols) - j * shape.cols;
      for (arma::uword y = 0; y < R; ++y) {
        const arma::uword i = y / shape.rows;
        const arma::uword height = std::min(R, (i + 1) * shape.rows) - i * shape.rows;
        visit(i + pr * (j + pc * g), y + R * (x + C * k), height * width * depth);
      }
    }
  }
}

}  // namespace

template <typename T>
void Spread(const Maps<T>& pooled, const PoolingShape& shape, arma::uword rows, arma::uword cols,
            arma::uword count, Maps<T>& maps) {
  shape.Validate();
  if (pooled.n_rows != PoolingShape::Pooled(rows, shape.rows) ||
      pooled.n_cols != PoolingShape::Pooled(cols, shape.cols) ||
      pooled.n_slices != PoolingShape::Pooled(count, shape.maps))
    throw std::invalid_argument("Spread(): pooled maps do not match the target shape");
  maps.set_size(rows, cols, count);
  ForEachBlockElement(shape, rows, cols, count, [&](arma::uword b, arma::uword s, arma::uword n) {
    maps[s] = pooled[b] / static_cast<T>(n);
  });
}

template <typename T>
void SpreadAdjoint(const Maps<T>& maps, const PoolingShape& shape, Maps<T>& pooled) {
  shape.Validate();
  pooled.zeros(PoolingShape::Pooled(maps.n_rows, shape.rows),
               PoolingShape::Pooled(maps.n_cols, shape.cols),
               PoolingShape::Pooled(maps.n_slices, shape.maps));
  ForEachBlockElement(shape, maps.n_rows, maps.n_cols, maps.n_slices,
                      [&](arma::uword b, arma::uword s, arma::uword n) {
                        pooled[b] += maps[s] / static_cast<T>(n);
                      });
}

#define DN_INSTANTIATE(T)                                                                          \
  template void MaxPool(const Maps<T>&, const PoolingShape&, Maps<T>&, Switches&);                 \
  template void Gather(const Maps<T>&, const Switches&, Maps<T>&);                                 \
  template void Unpool(const Maps<T>&, const Switches&, Maps<T>&);                                 \
  template void Spread(const Maps<T>&, const PoolingShape&, arma::uword, arma::uword, arma::uword, \
                       Maps<T>&);                                                                  \
  template void SpreadAdjoint(const Maps<T>&, const PoolingShape&, Maps<T>&);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn
