// Shared test support: the one table of tolerances, seeded random data, small problems.
#pragma once

#include "conv/conv_operator.hpp"
#include "core/types.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <memory>
#include <string>

namespace dn::test {

//! Tolerances per element type: relative errors unless named otherwise.
template <typename T> struct Tolerance;
template <> struct Tolerance<double> {
  static constexpr double fftVsDirect = 1e-11;   //!< FFT operator vs direct loop
  static constexpr double adjoint = 1e-12;       //!< <Dz, r> vs <z, D^T r>
  static constexpr double lipschitz = 1e-9;      //!< power iteration vs exact (circular)
  static constexpr double optimum = 1e-7;        //!< two solvers' optimal objectives
  static constexpr double kkt = 1e-5;            //!< KKT violation relative to lambda
  static constexpr double gradient = 1e-6;       //!< finite differences vs analytic gradient
  static constexpr double monotone = 1e-12;      //!< allowed objective increase (relative)
};
template <> struct Tolerance<float> {
  static constexpr double fftVsDirect = 2e-5;
  static constexpr double adjoint = 2e-5;
  static constexpr double lipschitz = 1e-4;
  static constexpr double optimum = 1e-4;
  static constexpr double kkt = 2e-2;
  static constexpr double gradient = 5e-3;
  static constexpr double monotone = 1e-5;
};

//! Seeds Armadillo's generator and prints the seed, so a failure can be replayed.
inline void Seed(unsigned long seed) {
  arma::arma_rng::set_seed(seed);
  BOOST_TEST_MESSAGE("seed " << seed);
}

template <typename T>
FilterBank<T> RandomFilters(arma::uword K, arma::uword C, arma::uword h, arma::uword w) {
  FilterBank<T> filters(K, C, h, w);
  filters.data.randn();
  for (arma::uword k = 0; k < K; ++k) {
    double norm = 0;
    for (arma::uword c = 0; c < C; ++c) norm += arma::accu(arma::square(arma::conv_to<arma::mat>::from(filters.Filter(k, c))));
    for (arma::uword c = 0; c < C; ++c) filters.Filter(k, c) /= static_cast<T>(std::sqrt(norm));
  }
  return filters;
}

//! A random sparse coding problem: K unit-norm filters of h x h over C channels, a standard
//! normal H x W x C signal (drawn in that order) and their operator. zeroPair: filter (0, 1) is
//! zero, an unconnected pair (C > 1).
template <typename T>
struct RandomProblem {
  FilterBank<T> filters;
  Image<T> signal;
  std::unique_ptr<ConvOperator<T>> op;
  RandomProblem(arma::uword H, arma::uword W, arma::uword K, arma::uword C, arma::uword h,
                Boundary boundary, bool zeroPair = false) {
    filters = RandomFilters<T>(K, C, h, h);
    if (zeroPair && C > 1) filters.Filter(0, 1).zeros();
    signal.randn(H, W, C);
    op = std::make_unique<ConvOperator<T>>(filters, H, W, boundary);
  }
};

template <typename T> double Dot(const arma::Cube<T>& a, const arma::Cube<T>& b) {
  double sum = 0;
  for (arma::uword i = 0; i < a.n_elem; ++i) sum += double(a[i]) * double(b[i]);
  return sum;
}

template <typename T> double MaxAbs(const arma::Cube<T>& a) {
  double m = 0;
  for (arma::uword i = 0; i < a.n_elem; ++i) m = std::max(m, std::abs(double(a[i])));
  return m;
}

inline std::string DataPath(const std::string& name) { return std::string(DN_TEST_DATA_DIR) + "/" + name; }

} // namespace dn::test
