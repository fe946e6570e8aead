// Direct-loop reference of the dictionary operator (conv_operator.hpp), O(K C H W h w).
// Used by tests only, to check the FFT implementation against the definition.
#pragma once

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

} // namespace dn
