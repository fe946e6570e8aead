#include "core/complex_kernels.hpp"

#include <algorithm>

// Compiled for three instruction sets, chosen at load time (see complex_kernels.hpp).
#define DN_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace dn::kernels {

template <typename T>
DN_KERNEL void ConjugateProduct(const Complex<T>* d, const Complex<T>* z, Complex<T>* out,
                                std::size_t n) {
  const T* __restrict ds = reinterpret_cast<const T*>(d);
  const T* __restrict zs = reinterpret_cast<const T*>(z);
  T* __restrict os = reinterpret_cast<T*>(out);
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f) {
    const T dr = ds[2 * f], di = ds[2 * f + 1], zr = zs[2 * f], zi = zs[2 * f + 1];
    os[2 * f] = dr * zr + di * zi;
    os[2 * f + 1] = dr * zi - di * zr;
  }
}

template <typename T>
DN_KERNEL void Product(const Complex<T>* d, const Complex<T>* z, Complex<T>* out, std::size_t n) {
  const T* __restrict ds = reinterpret_cast<const T*>(d);
  const T* __restrict zs = reinterpret_cast<const T*>(z);
  T* __restrict os = reinterpret_cast<T*>(out);
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f) {
    const T dr = ds[2 * f], di = ds[2 * f + 1], zr = zs[2 * f], zi = zs[2 * f + 1];
    os[2 * f] = dr * zr - di * zi;
    os[2 * f + 1] = dr * zi + di * zr;
  }
}

template <typename T>
DN_KERNEL void MultiplyAccumulate(const Complex<T>* d, const Complex<T>* z, Complex<T>* acc,
                                  std::size_t n, bool conjugate) {
  const T* __restrict ds = reinterpret_cast<const T*>(d);
  const T* __restrict zs = reinterpret_cast<const T*>(z);
  T* __restrict as = reinterpret_cast<T*>(acc);
  const T sign = conjugate ? T(-1) : T(1);
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f) {
    const T dr = ds[2 * f], di = sign * ds[2 * f + 1], zr = zs[2 * f], zi = zs[2 * f + 1];
    as[2 * f] += dr * zr - di * zi;
    as[2 * f + 1] += dr * zi + di * zr;
  }
}

template <typename T>
DN_KERNEL void AccumulateNorms(const Complex<T>* z, T* acc, std::size_t n) {
  const T* __restrict zs = reinterpret_cast<const T*>(z);
  T* __restrict as = acc;
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f)
    as[f] += zs[2 * f] * zs[2 * f] + zs[2 * f + 1] * zs[2 * f + 1];
}

template <typename T>
DN_KERNEL void SumInto(const Complex<T>* const* parts, int count, std::size_t offset,
                       Complex<T>* out, std::size_t n) {
  T* __restrict os = reinterpret_cast<T*>(out + offset);
  const T* __restrict first = reinterpret_cast<const T*>(parts[0] + offset);
#pragma omp simd
  for (std::size_t i = 0; i < 2 * n; ++i) os[i] = first[i];
  for (int t = 1; t < count; ++t) {
    const T* __restrict p = reinterpret_cast<const T*>(parts[t] + offset);
#pragma omp simd
    for (std::size_t i = 0; i < 2 * n; ++i) os[i] += p[i];
  }
}

template <typename T>
DN_KERNEL double SquaredNorm(const Complex<T>* z, std::size_t n) {
  constexpr std::size_t kBlock = 2048;  // real values per block sum
  const T* __restrict zs = reinterpret_cast<const T*>(z);
  double sum = 0;
  for (std::size_t begin = 0; begin < 2 * n; begin += kBlock) {
    const std::size_t end = std::min(2 * n, begin + kBlock);
    T block = 0;
#pragma omp simd reduction(+ : block)
    for (std::size_t i = begin; i < end; ++i) block += zs[i] * zs[i];
    sum += block;
  }
  return sum;
}

template <typename T>
DN_KERNEL void Scale(Complex<T>* z, const T* scale, std::size_t n) {
  T* __restrict zs = reinterpret_cast<T*>(z);
  const T* __restrict ss = scale;
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f) {
    zs[2 * f] *= ss[f];
    zs[2 * f + 1] *= ss[f];
  }
}

#define DN_INSTANTIATE(T)                                                                          \
  template void Product(const Complex<T>*, const Complex<T>*, Complex<T>*, std::size_t);           \
  template void ConjugateProduct(const Complex<T>*, const Complex<T>*, Complex<T>*, std::size_t);  \
  template void MultiplyAccumulate(const Complex<T>*, const Complex<T>*, Complex<T>*, std::size_t, \
                                   bool);                                                          \
  template void AccumulateNorms(const Complex<T>*, T*, std::size_t);                               \
  template double SquaredNorm(const Complex<T>*, std::size_t);                                     \
  template void SumInto(const Complex<T>* const*, int, std::size_t, Complex<T>*, std::size_t);     \
  template void Scale(Complex<T>*, const T*, std::size_t);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn::kernels
