// The operator interface of the solvers written over it (solvers/operator_fista.hpp): a linear
// map A from arrays of DomainSize() (the maps z) to arrays of the signal's shape, with its
// adjoint and a bound on ||A||^2, the Lipschitz constant of the gradient A^T (A z - s) of
// 1/2 ||A z - s||^2. The convolutional dictionary operator (conv/conv_operator.hpp) is not one:
// its solvers (ISTA, FISTA, ADMM: csc_solver.hpp) fuse its transforms with the proximal step
// map by map and call no virtual function inside an iteration.
#pragma once

#include <armadillo>
#include <cstdint>

namespace dn {

template <typename T>
class LinearOperator {
public:
  virtual ~LinearOperator() = default;
  //! The shape of z.
  virtual arma::SizeCube DomainSize() const = 0;
  //! out = A z.
  virtual void Apply(const arma::Cube<T>& z, arma::Cube<T>& out) = 0;
  //! out = A^T r.
  virtual void Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) = 0;
  //! L >= ||A||^2 (the step of a proximal gradient method is 1/L). An operator that must
  //! estimate it runs `powerSteps` power iterations from `powerVector` (EstimateNormSquared),
  //! which the caller keeps to warm-start the next call; one with a closed form ignores both.
  virtual double Lipschitz(arma::Cube<T>& powerVector, int powerSteps) = 0;
};

//! Power iteration for ||A||^2 from the unit vector `vector` (random, from `seed`, when it is
//! empty, zero or not of DomainSize(); otherwise a warm start): `steps` iterations, leaving the
//! last direction in `vector`. Returns the last Rayleigh quotient ||A v||^2 / ||v||^2, a lower
//! estimate approaching ||A||^2.
template <typename T>
double EstimateNormSquared(LinearOperator<T>& op, arma::Cube<T>& vector, int steps,
                           std::uint64_t seed);

extern template double EstimateNormSquared(LinearOperator<float>&, arma::Cube<float>&, int,
                                           std::uint64_t);
extern template double EstimateNormSquared(LinearOperator<double>&, arma::Cube<double>&, int,
                                           std::uint64_t);

}  // namespace dn
