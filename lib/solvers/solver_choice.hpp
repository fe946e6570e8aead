// --solver auto: the solver expected to be fastest for a problem, chosen when the problem is
// bound (Reset()), by a rule measured on benchmark B and its lambda path (docs/performance.md,
// "Choosing a solver").
//
// Coordinate descent ("cd") wins while the solution is sparse: its work grows with the number of
// non-zeros, ADMM's and FISTA's with the number of coefficients. The density of the solution is
// not known before solving; what is known at once is the share of coefficients that violate the
// optimality conditions at z = 0,
//   violators = #{ i : |(D^T W^2 s)_i| > lambda } / (K x map size),
// one correlation by FFT (C forward and K inverse transforms, half an iteration of ADMM). It rises
// with the density of the solution: on benchmark B (36 filters of 12 x 12, 256 x 256)
//   lambda  0.1   0.05   0.02   0.01   0.005
//   violators 0.13  0.24   0.44   0.61   0.77
// and, circular boundary, time to 0.1% of the optimum cd / ADMM: 0.22, 0.34, 0.77, 1.9, 3.0;
// valid boundary (ADMM by mask decoupling, slower there): cd / ADMM 0.09, 0.13, 0.17, 0.27.
// The rule:
//   - circular: cd while violators <= kCircularCdLimit, else admm;
//   - valid, or with a data weight: cd while violators <= kValidCdLimit, else admm.
// Strided and pixel-mode layers, which only ISTA and FISTA code, take FISTA (csc_solver.hpp).
#pragma once

#include <string>

#include "conv/conv_operator.hpp"

namespace dn {

//! Largest share of violators at z = 0 for which auto takes cd on the circular boundary.
constexpr double kCircularCdLimit = 0.5;
//! The same on the valid boundary or with a data weight (cd was 3.7x faster than ADMM at 0.61).
constexpr double kValidCdLimit = 0.8;

struct SolverChoice {
  std::string solver;      //!< "cd" or "admm"
  double violators = 0.0;  //!< the share of coefficients violating optimality at z = 0
};

//! The choice for the problem of csc_solver.hpp with this operator, signal, lambda and weight
//! (null: none). Costs one correlation D^T W^2 s by FFT.
template <typename T>
SolverChoice ChooseSolver(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                          const Image<T>* weight);

}  // namespace dn
