// A per-pixel weight on the data term (issue 15: inpainting, learning from incomplete images):
//
//   minimise_z  1/2 || W (A z - s) ||^2 + lambda || z ||_1,
//
// W >= 0 diagonal, one weight per signal entry (0: unknown, 1: known, or confidence weights).
// It is the unweighted problem for the operator W A and the signal W s, so every solver over a
// LinearOperator (solvers/operator_fista.hpp: ISTA and FISTA, with the gradient
// A^T W^2 (A z - s)) solves it through this wrapper, on any operator: the top-down operator of a
// network (network/top_down.hpp) or a strided layer (conv/strided_conv_operator.hpp). The fused
// solvers of the convolutional operator (csc_solver.hpp) do not take a weight yet; ADMM needs
// mask decoupling for it (Heide, Heidrich & Wetzstein, CVPR 2015), not done yet.
#pragma once

#include "solvers/linear_operator.hpp"

namespace dn {

template <typename T>
class WeightedOperator : public LinearOperator<T> {
public:
  //! W A for `inner` (which must outlive this) and `weight`, shaped as A's output. Throws
  //! std::invalid_argument for a weight that is empty, not finite, negative somewhere or zero
  //! everywhere.
  WeightedOperator(LinearOperator<T>& inner, arma::Cube<T> weight);

  const arma::Cube<T>& Weight() const { return weight_; }
  //! W s: the signal of the weighted problem. std::invalid_argument for another shape.
  arma::Cube<T> Weighted(const arma::Cube<T>& signal) const;

  arma::SizeCube DomainSize() const override { return inner_.DomainSize(); }
  //! out = W A z; std::invalid_argument when A's output is not the weight's shape.
  void Apply(const arma::Cube<T>& z, arma::Cube<T>& out) override;
  //! out = A^T W r.
  void Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) override;
  //! max(W)^2 times the inner operator's constant: ||W A||^2 <= ||W||^2 ||A||^2.
  double Lipschitz(arma::Cube<T>& powerVector, int powerSteps) override;

private:
  LinearOperator<T>& inner_;
  arma::Cube<T> weight_, weighted_;
  double maxWeight_ = 0.0;
};

extern template class WeightedOperator<float>;
extern template class WeightedOperator<double>;

}  // namespace dn
