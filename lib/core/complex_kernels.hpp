// Vectorised loops over arrays of complex values (frequency-domain products and sums), written
// on the interleaved real and imaginary parts (std::complex<T> is layout-compatible with T[2];
// GCC does not vectorise std::complex arithmetic inside an OpenMP SIMD loop). Each is compiled
// for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline and the best the processor supports
// is chosen when the library is loaded (GCC target_clones). The wide versions compute complex
// products with fused multiply-add/subtract (GCC's complex-multiplication patterns), the baseline
// without: results can differ in their last bits between processors, never between runs.
#pragma once

#include <cstddef>

#include "core/types.hpp"

namespace dn::kernels {

//! out = d z over n values.
template <typename T>
void Product(const Complex<T>* d, const Complex<T>* z, Complex<T>* out, std::size_t n);

//! out = conj(d) z over n values.
template <typename T>
void ConjugateProduct(const Complex<T>* d, const Complex<T>* z, Complex<T>* out, std::size_t n);

//! acc += d z over n values; with `conjugate`, acc += conj(d) z.
template <typename T>
void MultiplyAccumulate(const Complex<T>* d, const Complex<T>* z, Complex<T>* acc, std::size_t n,
                        bool conjugate = false);

//! acc += |z|^2 over n values (acc real).
template <typename T>
void AccumulateNorms(const Complex<T>* z, T* acc, std::size_t n);

//! out = parts[0] + parts[1] + ... (in that order) over entries [offset, offset + n) of every
//! array.
template <typename T>
void SumInto(const Complex<T>* const* parts, int count, std::size_t offset, Complex<T>* out,
             std::size_t n);

//! sum |z|^2 over n values, accumulated in T over blocks and in double across them.
template <typename T> double SquaredNorm(const Complex<T>* z, std::size_t n);

//! z *= scale over n values.
template <typename T>
void Scale(Complex<T>* z, const T* scale, std::size_t n);

}  // namespace dn::kernels
