#include "solvers/weighted_operator.hpp"

#include <cmath>
#include <stdexcept>

namespace dn {

template <typename T>
WeightedOperator<T>::WeightedOperator(LinearOperator<T>& inner, arma::Cube<T> weight)
    : inner_(inner), weight_(std::move(weight)) {
  if (weight_.is_empty()) throw std::invalid_argument("the mask is empty");
  if (!weight_.is_finite()) throw std::invalid_argument("the mask holds NaN or infinite weights");
  if (weight_.min() < 0) throw std::invalid_argument("the mask holds negative weights");
  maxWeight_ = double(weight_.max());
  if (maxWeight_ == 0) throw std::invalid_argument("the mask is zero everywhere: no known pixel");
}

template <typename T>
arma::Cube<T> WeightedOperator<T>::Weighted(const arma::Cube<T>& signal) const {
  if (arma::size(signal) != arma::size(weight_))
    throw std::invalid_argument("the mask's shape differs from the signal's");
  return signal % weight_;
}

template <typename T>
void WeightedOperator<T>::Apply(const arma::Cube<T>& z, arma::Cube<T>& out) {
  inner_.Apply(z, out);
  if (arma::size(out) != arma::size(weight_))
    throw std::invalid_argument("the mask's shape differs from the operator's output");
  out %= weight_;
}

template <typename T>
void WeightedOperator<T>::Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) {
  if (arma::size(r) != arma::size(weight_))
    throw std::invalid_argument("the mask's shape differs from the residual's");
  weighted_ = r % weight_;
  inner_.Adjoint(weighted_, out);
}

template <typename T>
double WeightedOperator<T>::Lipschitz(arma::Cube<T>& powerVector, int powerSteps) {
  return maxWeight_ * maxWeight_ * inner_.Lipschitz(powerVector, powerSteps);
}

template class WeightedOperator<float>;
template class WeightedOperator<double>;

}  // namespace dn
