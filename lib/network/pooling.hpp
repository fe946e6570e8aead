// 3-D max pooling with switches, and unpooling (Zeiler, Taylor & Fergus, ICCV 2011).
//
// Maps (R x C x K) are cut into blocks of `rows` x `cols` pixels and `maps` adjacent maps (the
// last blocks of each axis may be smaller). Pooling keeps, from each block, the element of
// largest absolute value with its sign, and records where it came from: the switch. Unpooling
// puts pooled values back at their switches and zeros elsewhere.
//
// With the switches s fixed both are linear: Gather_s(x) = x[s] (pool with fixed switches) and
// Unpool_s(p) are adjoint, <Gather_s x, p> = <x, Unpool_s p>; Gather_s Unpool_s = I, and
// Unpool_s Gather_s is the orthogonal projection onto the switch positions. Spread(p) is the
// unpooling averaged over switches drawn uniformly in every block (each element of a block gets
// the block's value over its size): the top-down path when no image chose the switches.
#pragma once

#include <string>

#include "core/types.hpp"

namespace dn {

//! Block size of 3-D max pooling; 1 x 1 x 1 is no pooling.
struct PoolingShape {
  arma::uword rows = 1, cols = 1, maps = 1;
  bool Active() const { return rows * cols * maps > 1; }
  //! Throws std::invalid_argument unless every size is positive.
  void Validate() const;
  //! Pooled size of an axis of n elements: ceil(n / block).
  static arma::uword Pooled(arma::uword n, arma::uword block) { return (n + block - 1) / block; }
};

//! "none" for 1x1x1, else "RxCxM" (rows x columns x maps).
std::string ToString(const PoolingShape& shape);
//! Parses "none", "P" (P x P pixels, 1 map), "PxQ" (P x Q pixels, 1 map) or "PxQxM"; throws
//! std::invalid_argument otherwise.
PoolingShape ParsePooling(const std::string& text);

//! Where every pooled value came from: the column-major index into the pooled maps' source.
struct Switches {
  arma::uword rows = 0, cols = 0, maps = 0;  //!< shape of the maps that were pooled
  PoolingShape shape;
  arma::uvec source;  //!< one per pooled element (column-major), an index into the source maps

  arma::uword PooledRows() const { return PoolingShape::Pooled(rows, shape.rows); }
  arma::uword PooledCols() const { return PoolingShape::Pooled(cols, shape.cols); }
  arma::uword PooledMaps() const { return PoolingShape::Pooled(maps, shape.maps); }
};

//! 3-D max pooling of `maps` into `pooled`, recording the switches (ties go to the first element
//! in column-major order within the block).
template <typename T>
void MaxPool(const Maps<T>& maps, const PoolingShape& shape, Maps<T>& pooled, Switches& switches);

//! Pooling with fixed switches: pooled[b] = maps[switches.source[b]].
template <typename T>
void Gather(const Maps<T>& maps, const Switches& switches, Maps<T>& pooled);

//! Unpooling: zeros of the switches' source shape with pooled[b] at switches.source[b].
template <typename T>
void Unpool(const Maps<T>& pooled, const Switches& switches, Maps<T>& maps);

//! Unpooling averaged over uniform switches, into maps of rows x cols x count (see above).
template <typename T>
void Spread(const Maps<T>& pooled, const PoolingShape& shape, arma::uword rows, arma::uword cols,
            arma::uword count, Maps<T>& maps);
//! Its adjoint: every pooled value is the sum of its block over the block's size.
template <typename T>
void SpreadAdjoint(const Maps<T>& maps, const PoolingShape& shape, Maps<T>& pooled);

}  // namespace dn
