// The proximal part of every solver of
//
//   minimise_z  f(z) + lambda ||z||_1,     f(z) = 1/2 ||A z - s||^2,
//
// in one place: soft thresholding (the proximal operator of the l1 norm), the objective composed
// from its two terms, and the relative change of an iterate. Used by the fused convolutional
// kernels (solvers/kernels.cpp), ADMM, the operator ISTA/FISTA (solvers/operator_fista.hpp, which
// pixel mode uses) and the learners' records.
#pragma once

#include <cmath>

namespace dn {

//! Soft thresholding S_t(v) = sign(v) max(|v| - t, 0) for t >= 0, the proximal operator of
//! t |.| : argmin_u 1/2 (u - v)^2 + t |u|. Written as two selects that the compiler turns into
//! vector masks (std::max/min, which return references, stay branches); exactly equal to the
//! textbook form (v - t, 0 or v + t), +0 inside [-t, t], and 0 for a NaN v.
template <typename T>
inline T SoftThreshold(T v, T t) {
  const T above = v - t, below = v + t;
  return (above > T(0) ? above : T(0)) + (below < T(0) ? below : T(0));
}

//! The objective fidelity + lambda * l1 of every record.
inline double Objective(double fidelity, double lambda, double l1) {
  return fidelity + lambda * l1;
}

//! ||z_new - z_old|| / ||z_new|| from change = ||z_new - z_old||^2 and norm = ||z_new||^2: 1 when
//! the iterate moved to zero, 0 when it stayed there.
inline double RelativeChange(double change, double norm) {
  return norm > 0 ? std::sqrt(change / norm) : (change > 0 ? 1.0 : 0.0);
}

}  // namespace dn
