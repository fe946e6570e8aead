// Direct-loop reference of the dictionary operator (conv_operator.hpp), O(K C H W h w).
// Used by tests only, to check the FFT implementation against the definition.
#pragma once

#include "conv/strided_geometry.hpp"
#include "core/types.hpp"

namespace dn {

//! (D z)_c = sum_k d_kc * z_k by explicit sums, for either boundary mode.
//! valid:    out(i, j) = sum_{p,q} d(p, q) z(i + h-1 - p, j + w-1 - q), i < H, j < W.
//! circular: out(i, j) = sum_{p,q} d(p, q) z((i - p) mod H, (j - q) mod W).
template <typename T>
Image<T> DirectApply(const FilterBank<T>& filters, const Maps<T>& maps, arma::uword imageRows,
                     arma::uword imageCols, Boundary boundary);

//! D^T r by explicit sums (the transpose of DirectApply).
template <typename T>
Maps<T> DirectAdjoint(const FilterBank<T>& filters, const Image<T>& residual, Boundary boundary);

//! The transposed convolution of conv/strided_geometry.hpp by scattering, the recipe itself:
//! out(s i - p + a, s j - q + b, c) += d_kc(a, b) z_k(i, j) for every map entry and tap, kept
//! when inside the image (valid) or taken modulo the image size (circular); p, q the padding.
//! The maps must have geometry.MapRows/MapCols's size for the image.
template <typename T>
Image<T> DirectStridedApply(const FilterBank<T>& filters, const Maps<T>& maps,
                            arma::uword imageRows, arma::uword imageCols,
                            const StridedGeometry& geometry, Boundary boundary);

//! Its adjoint, the strided correlation: z_k(i, j) = sum_{a,b,c} d_kc(a, b) r(s i - p + a, ...)
//! over the taps that land inside the image (valid) or modulo its size (circular).
template <typename T>
Maps<T> DirectStridedAdjoint(const FilterBank<T>& filters, const Image<T>& residual,
                             const StridedGeometry& geometry, Boundary boundary);

}  // namespace dn
