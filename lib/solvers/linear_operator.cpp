#include "solvers/linear_operator.hpp"

#include <cmath>
#include <random>

namespace dn {
namespace {

template <typename T>
double SquaredNorm(const arma::Cube<T>& x) {
  double sum = 0.0;
  for (arma::uword i = 0; i < x.n_elem; ++i) sum += double(x[i]) * double(x[i]);
  return sum;
}

}  // namespace

template <typename T>
double EstimateNormSquared(LinearOperator<T>& op, arma::Cube<T>& vector, int steps,
                           std::uint64_t seed) {
  const arma::SizeCube shape = op.DomainSize();
  if (vector.n_rows != shape.n_rows || vector.n_cols != shape.n_cols ||
      vector.n_slices != shape.n_slices || SquaredNorm(vector) == 0.0) {
    std::mt19937_64 generator(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    vector.set_size(shape);
    for (arma::uword i = 0; i < vector.n_elem; ++i) vector[i] = static_cast<T>(normal(generator));
  }
  arma::Cube<T> image, next;
  double estimate = 0.0;
  for (int step = 0; step < steps; ++step) {
    const double norm = std::sqrt(SquaredNorm(vector));
    if (norm == 0.0) return estimate;
    vector /= static_cast<T>(norm);
    op.Apply(vector, image);
    estimate = SquaredNorm(image);
    op.Adjoint(image, next);
    vector.swap(next);
  }
  const double norm = std::sqrt(SquaredNorm(vector));
  if (norm > 0.0) vector /= static_cast<T>(norm);
  return estimate;
}

template double EstimateNormSquared(LinearOperator<float>&, arma::Cube<float>&, int, std::uint64_t);
template double EstimateNormSquared(LinearOperator<double>&, arma::Cube<double>&, int,
                                    std::uint64_t);

}  // namespace dn
