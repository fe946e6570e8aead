#include "solvers/kernels.hpp"

#include <algorithm>
#include <cmath>

#include "solvers/proximal.hpp"

// Compiled for three instruction sets, chosen at load time (see kernels.hpp).
#define DN_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace dn::kernels {

template <typename T>
DN_KERNEL MapSums ProximalMapUpdate(T* __restrict x, T* __restrict y, const T* __restrict g,
                                    std::size_t n, T step, T threshold, T beta) {
  MapSums sums;
  for (std::size_t begin = 0; begin < n; begin += kSumBlock) {
    const std::size_t end = std::min(n, begin + kSumBlock);
    T l1 = 0, nonzeros = 0, change = 0, norm = 0;
#pragma omp simd reduction(+ : l1, nonzeros, change, norm)
    for (std::size_t i = begin; i < end; ++i) {
      const T old = x[i];
      const T fresh = SoftThreshold(y[i] - step * g[i], threshold);
      const T delta = fresh - old;
      y[i] = fresh + beta * delta;
      x[i] = fresh;
      l1 += std::abs(fresh);
      nonzeros += T(fresh != T(0));
      change += delta * delta;
      norm += fresh * fresh;
    }
    sums.l1 += l1;
    sums.nonzeros += nonzeros;
    sums.change += change;
    sums.norm += norm;
  }
  return sums;
}

//! One block of AdmmRelax: Q = conj(d) e when kFused, else Q = xs on entry; X written to xs
//! and sum |X|^2 returned only when kResiduals. Inlined into each instruction-set clone.
template <typename T, bool kFused, bool kResiduals>
__attribute__((always_inline)) inline T RelaxBlock(const T* __restrict ys, T* __restrict us,
                                                   T* __restrict in, T* __restrict xs,
                                                   const T* __restrict ds, const T* __restrict es,
                                                   std::size_t begin, std::size_t end, T dualScale,
                                                   T alpha) {
  const T keep = T(1) - alpha;
  T block = 0;
#pragma omp simd reduction(+ : block)
  for (std::size_t f = begin; f < end; ++f) {
    const T yr = ys[2 * f], yi = ys[2 * f + 1];
    const T ur = dualScale * us[2 * f], ui = dualScale * us[2 * f + 1];
    T qr, qi;
    if constexpr (kFused) {
      const T dr = ds[2 * f], di = ds[2 * f + 1], er = es[2 * f], ei = es[2 * f + 1];
      qr = dr * er + di * ei;
      qi = dr * ei - di * er;
    } else {
      qr = xs[2 * f];
      qi = xs[2 * f + 1];
    }
    const T xr = yr - ur + qr, xi = yi - ui + qi;
    const T vr = alpha * xr + keep * yr + ur, vi = alpha * xi + keep * yi + ui;
    if constexpr (kResiduals) {
      xs[2 * f] = xr;
      xs[2 * f + 1] = xi;
      block += xr * xr + xi * xi;
    }
    in[2 * f] = us[2 * f] = vr;
    in[2 * f + 1] = us[2 * f + 1] = vi;
  }
  return block;
}

template <typename T>
DN_KERNEL double AdmmRelax(const Complex<T>* ySpectrum, Complex<T>* dual, Complex<T>* input,
                           Complex<T>* xSpectrum, const Complex<T>* d, const Complex<T>* e,
                           std::size_t n, T dualScale, T alpha, bool residuals) {
  const T* ys = reinterpret_cast<const T*>(ySpectrum);
  T* us = reinterpret_cast<T*>(dual);
  T* in = reinterpret_cast<T*>(input);
  T* xs = reinterpret_cast<T*>(xSpectrum);
  const T* ds = reinterpret_cast<const T*>(d);
  const T* es = reinterpret_cast<const T*>(e);
  double sum = 0;
  for (std::size_t begin = 0; begin < n; begin += kSumBlock) {
    const std::size_t end = std::min(n, begin + kSumBlock);
    if (ds && residuals)
      sum += RelaxBlock<T, true, true>(ys, us, in, xs, ds, es, begin, end, dualScale, alpha);
    else if (ds)
      RelaxBlock<T, true, false>(ys, us, in, xs, ds, es, begin, end, dualScale, alpha);
    else if (residuals)
      sum += RelaxBlock<T, false, true>(ys, us, in, xs, ds, es, begin, end, dualScale, alpha);
    else
      RelaxBlock<T, false, false>(ys, us, in, xs, ds, es, begin, end, dualScale, alpha);
  }
  return sum;
}

template <typename T>
DN_KERNEL MapSums AdmmShrink(const T* __restrict v, T* __restrict y, std::size_t n, T scale,
                             T threshold) {
  MapSums sums;
  for (std::size_t begin = 0; begin < n; begin += kSumBlock) {
    const std::size_t end = std::min(n, begin + kSumBlock);
    T l1 = 0, nonzeros = 0, change = 0, norm = 0;
#pragma omp simd reduction(+ : l1, nonzeros, change, norm)
    for (std::size_t i = begin; i < end; ++i) {
      const T fresh = SoftThreshold(scale * v[i], threshold);
      const T delta = fresh - y[i];
      y[i] = fresh;
      l1 += std::abs(fresh);
      nonzeros += T(fresh != T(0));
      change += delta * delta;
      norm += fresh * fresh;
    }
    sums.l1 += l1;
    sums.nonzeros += nonzeros;
    sums.change += change;
    sums.norm += norm;
  }
  return sums;
}

template <typename T>
DN_KERNEL void AdmmDualUpdate(const Complex<T>* ySpectrum, Complex<T>* dual,
                              const Complex<T>* xSpectrum, std::size_t n, double* residuals) {
  const T* __restrict ys = reinterpret_cast<const T*>(ySpectrum);
  T* __restrict us = reinterpret_cast<T*>(dual);
  const T* __restrict xs = reinterpret_cast<const T*>(xSpectrum);
  if (!residuals) {
#pragma omp simd
    for (std::size_t i = 0; i < 2 * n; ++i) us[i] -= ys[i];
    return;
  }
  for (std::size_t begin = 0; begin < 2 * n; begin += 2 * kSumBlock) {
    const std::size_t end = std::min(2 * n, begin + 2 * kSumBlock);
    T primal = 0, dualNorm = 0;
#pragma omp simd reduction(+ : primal, dualNorm)
    for (std::size_t i = begin; i < end; ++i) {
      const T y = ys[i], u = us[i] - y, p = xs[i] - y;
      us[i] = u;
      primal += p * p;
      dualNorm += u * u;
    }
    residuals[0] += primal;
    residuals[1] += dualNorm;
  }
}

template <typename T>
DN_KERNEL double CircularResidual(const Complex<T>* s, const Complex<T>* previous, Complex<T>* r,
                                  Complex<T>* ry, std::size_t n, T beta) {
  const T* __restrict ss = reinterpret_cast<const T*>(s);
  const T* __restrict ps = reinterpret_cast<const T*>(previous ? previous : s);
  T* __restrict rs = reinterpret_cast<T*>(r);
  T* __restrict ys = reinterpret_cast<T*>(ry);
  const bool momentum = previous != nullptr;
  double sum = 0;
  for (std::size_t begin = 0; begin < 2 * n; begin += 2 * kSumBlock) {
    const std::size_t end = std::min(2 * n, begin + 2 * kSumBlock);
    T block = 0;
#pragma omp simd reduction(+ : block)
    for (std::size_t i = begin; i < end; ++i) {
      const T v = rs[i] - ss[i];
      rs[i] = v;
      ys[i] = momentum ? v + beta * (v - ps[i]) : v;
      block += v * v;
    }
    sum += block;
  }
  return sum;
}

#define DN_INSTANTIATE(T)                                                                          \
  template MapSums ProximalMapUpdate(T*, T*, const T*, std::size_t, T, T, T);                      \
  template double AdmmRelax(const Complex<T>*, Complex<T>*, Complex<T>*, Complex<T>*,              \
                            const Complex<T>*, const Complex<T>*, std::size_t, T, T, bool);        \
  template MapSums AdmmShrink(const T*, T*, std::size_t, T, T);                                    \
  template double CircularResidual(const Complex<T>*, const Complex<T>*, Complex<T>*, Complex<T>*, \
                                   std::size_t, T);                                                \
  template void AdmmDualUpdate(const Complex<T>*, Complex<T>*, const Complex<T>*, std::size_t,     \
                               double*);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn::kernels
