// One projected-gradient step on a filter bank with a backtracking step size (Beck & Teboulle,
// SIAM J. Imaging Sci. 2009), for the learners whose fidelity f(F) = sum_i 1/2 ||A_i(F) z_i -
// s_i||^2 is not a per-frequency quadratic they could solve exactly (pixel-mode layers,
// network/pixel_learner.hpp; strided layers, learning/strided_learner.hpp):
//
//   F+ = P(F - g / L),  accepted when  f(F+) <= f(F) + <g, F+ - F> + L/2 ||F+ - F||^2
//                                and   f(F+) <= f(F),
//
// with L doubled until both hold (P the projection onto the constraint set). A step therefore
// never raises the fidelity.
#pragma once

#include <functional>

#include "core/types.hpp"

namespace dn {

//! Backtracking gives up after this many doublings of L.
constexpr int kMaxFilterBacktracking = 40;

//! Tries F+ = project(filters - gradient / L) from L = `lipschitz` (> 0), doubling L until the
//! conditions above hold, with `fidelityAt(F+)` evaluating f. On success sets `filters`, `fidelity`
//! and `lipschitz` to the accepted values and returns true; after kMaxFilterBacktracking failed
//! trials returns false and changes nothing (fidelityAt was then last called with a rejected
//! bank: the caller restores whatever it changed).
template <typename T>
bool BacktrackingFilterStep(FilterBank<T>& filters, const FilterBank<T>& gradient, double& fidelity,
                            double& lipschitz, const std::function<void(FilterBank<T>&)>& project,
                            const std::function<double(const FilterBank<T>&)>& fidelityAt);

//! 1/2 ||x||^2, summed in double.
template <typename T>
double HalfSquaredNorm(const arma::Cube<T>& x);

}  // namespace dn
