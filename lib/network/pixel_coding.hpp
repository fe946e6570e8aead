// Pixel-space sparse coding of one layer (Zeiler, Taylor & Fergus, ICCV 2011):
//
//   minimise_z  1/2 || R_l z - y ||^2 + lambda_l || z ||_1
//
// y the preprocessed image, R_l the top-down operator of top_down.hpp with the switches of the
// layers below held fixed (so the problem is convex), solved by the ISTA/FISTA of every linear
// operator (solvers/operator_fista.hpp) with step 1/L, L = 1.05 times a power-iteration estimate
// of ||R_l||^2 (TopDownOperator::Lipschitz(): 30 steps at the start, warm started afterwards,
// when the filters change).
#pragma once

#include "network/top_down.hpp"
#include "solvers/operator_fista.hpp"

namespace dn {

//! The iterate of one image's pixel-space coding: x, y (top-layer maps), residualX, residualY
//! (R x - s, R y - s), t, lipschitz, powerVector and the statistics of x (current).
template <typename T>
using PixelCodingState = OperatorFistaState<T>;

}  // namespace dn
