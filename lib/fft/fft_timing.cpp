#include "fft/fft_timing.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "core/threads.hpp"
#include "core/timer.hpp"

namespace dn {

template <typename T>
double TransformPassSeconds(const Fft2d<T>& fft, std::size_t count, std::size_t passes,
                            std::size_t repeats) {
  if (count == 0 || passes == 0 || repeats == 0)
    throw std::invalid_argument(
        "TransformPassSeconds(): count, passes and repeats must be positive");
  // K maps of smooth, finite data: every inverse transform reads the spectrum of the previous
  // map, so values stay bounded however many passes run.
  arma::Mat<T> maps(fft.Size(), count);
  for (arma::uword k = 0; k < count; ++k)
    for (arma::uword i = 0; i < fft.Size(); ++i)
      maps(i, k) = static_cast<T>(((i * 7 + k * 13) % 101) / 101.0 - 0.5);
  std::vector<arma::Col<Complex<T>>> spectra =
      PerThread(arma::Col<Complex<T>>(fft.SpectrumSize(), arma::fill::zeros));
  std::vector<arma::Col<T>> images = PerThread(arma::Col<T>(fft.Size()));
  const arma::uword K = count;
  const auto pass = [&]() {
#pragma omp parallel num_threads(spectra.size())
    {
      Complex<T>* spectrum = spectra[omp_get_thread_num()].memptr();
      T* image = images[omp_get_thread_num()].memptr();
#pragma omp for schedule(static)
      for (arma::uword k = 0; k < K; ++k) {
        fft.Inverse(spectrum, image);
        fft.Forward(maps.colptr(k), spectrum);
      }
    }
  };
  pass();  // warms caches and pages
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t repeat = 0; repeat < repeats; ++repeat) {
    Timer timer;
    for (std::size_t p = 0; p < passes; ++p) pass();
    best = std::min(best, timer.Seconds() / static_cast<double>(passes));
  }
  return best;
}

template double TransformPassSeconds(const Fft2d<float>&, std::size_t, std::size_t, std::size_t);
template double TransformPassSeconds(const Fft2d<double>&, std::size_t, std::size_t,
                                     std::size_t);

}  // namespace dn
