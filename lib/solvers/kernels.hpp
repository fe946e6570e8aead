// Elementwise loops of the sparse coding solvers, written so that the compiler vectorises them:
// no branches (soft thresholding as two selects), restrict-qualified arrays, reductions declared
// to OpenMP SIMD, and complex arithmetic on interleaved real and imaginary parts (GCC does not
// vectorise std::complex arithmetic in an OpenMP SIMD loop). Sums are taken in T over blocks of
// kSumBlock values and then added in double: vectorised and accurate (a float block sum has at
// most 1024 terms).
//
// Each kernel is compiled for x86-64-v4 (AVX-512), x86-64-v3 (AVX2, FMA) and the baseline, and
// the best the processor supports is chosen when the library is loaded (GCC target_clones), so
// results can differ in their last bits between processors (see core/complex_kernels.hpp).
#pragma once

#include "core/complex_kernels.hpp"
#include "core/types.hpp"

#include <cstddef>

namespace dn::kernels {

constexpr std::size_t kSumBlock = 1024;

//! Per-map sums for the iteration statistics.
struct MapSums {
  double l1 = 0, nonzeros = 0, change = 0, norm = 0;
  MapSums& operator+=(const MapSums& o) {
    l1 += o.l1;
    nonzeros += o.nonzeros;
    change += o.change;
    norm += o.norm;
    return *this;
  }
};

//! The FISTA/ISTA update of one map, in place: fresh = S_threshold(y - step g),
//! y = fresh + beta (fresh - x), x = fresh, with S the soft thresholding
//! sign(v) max(|v| - t, 0). Returns ||fresh||_1, its non-zero count, ||fresh - x_old||^2 and
//! ||fresh||^2.
template <typename T>
MapSums ProximalMapUpdate(T* x, T* y, const T* g, std::size_t n, T step, T threshold, T beta);

//! ADMM, first half of the pass over map k (see admm.hpp): with U = dualScale * dual and the
//! correction Q = conj(d) e (one channel: `d` and `e` given) or Q = xSpectrum on entry (several
//! channels: `d` null, Q precomputed), X = Y - U + Q and V = alpha X + (1 - alpha) Y + U. Writes
//! V to `input` (for the inverse FFT) and to `dual`; with `residuals` also X to `xSpectrum`,
//! returning sum |X|^2 (unweighted), else 0.
template <typename T>
double AdmmRelax(const Complex<T>* ySpectrum, Complex<T>* dual, Complex<T>* input,
                 Complex<T>* xSpectrum, const Complex<T>* d, const Complex<T>* e, std::size_t n,
                 T dualScale, T alpha, bool residuals);

//! ADMM, the map's shrinkage: fresh = S_threshold(scale v), y = fresh. Returns ||fresh||_1, its
//! non-zero count, ||fresh - y_old||^2 and ||fresh||^2.
template <typename T>
MapSums AdmmShrink(const T* v, T* y, std::size_t n, T scale, T threshold);

//! ADMM, second half: U' = V - Y' into `dual` (which holds V). When `residuals` is not null,
//! also adds sum |X - Y'|^2 and sum |U'|^2 (unweighted) to residuals[0] and residuals[1].
template <typename T>
void AdmmDualUpdate(const Complex<T>* ySpectrum, Complex<T>* dual, const Complex<T>* xSpectrum,
                    std::size_t n, double* residuals);

//! The residual of a circular problem over n entries, from r = D x' on entry: r = r - s and
//! ry = r + beta (r - previous) (ry = r when `previous` is null). Returns sum |r|^2, unweighted.
template <typename T>
double CircularResidual(const Complex<T>* s, const Complex<T>* previous, Complex<T>* r,
                        Complex<T>* ry, std::size_t n, T beta);

} // namespace dn::kernels
