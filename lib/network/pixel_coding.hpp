// Pixel-space sparse coding of one layer (Zeiler, Taylor & Fergus, ICCV 2011):
//
//   minimise_z  1/2 || R_l z - y ||^2 + lambda_l || z ||_1
//
// y the preprocessed image, R_l the top-down operator of top_down.hpp with the switches of the
// layers below held fixed (so the problem is convex). ISTA, or FISTA with momentum, with step
// 1/L, L = 1.05 times a power-iteration estimate of ||R_l||^2 (30 steps at the start, warm
// started afterwards, when the filters change). One iteration costs one R_l^T and one R_l: the residual at the
// extrapolated point follows from those at the iterates by linearity.
//
// The iterate of every image is a plain value (PixelCodingState), so that a learner keeping one
// per training image can be saved and restored; PixelCoder holds only buffers.
#pragma once

#include "network/top_down.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {

template <typename T>
struct PixelCodingState {
  Maps<T> x, y;                   //!< iterate and extrapolated point (top-layer maps)
  Image<T> residualX, residualY;  //!< R x - s and R y - s
  double t = 1.0;                 //!< FISTA's t
  double lipschitz = 0.0;         //!< step 1 / lipschitz
  Maps<T> powerVector;            //!< warm start of the power iteration
  IterationRecord current;        //!< statistics of x
};

template <typename T>
class PixelCoder {
public:
  //! `op` (bound by the caller to the image's switches before every call) must outlive this.
  PixelCoder(TopDownOperator<T>& op, double lambda, bool momentum);

  //! Starts from `start` (zeros when null): residuals, step (30 power steps), statistics.
  void Start(const Image<T>& signal, PixelCodingState<T>& state, const Maps<T>* start = nullptr);
  //! One ISTA/FISTA iteration; returns the statistics of the new iterate.
  const IterationRecord& Step(const Image<T>& signal, PixelCodingState<T>& state);
  //! The operator changed (new top-layer filters): recomputes the residuals, keeping x, y and t,
  //! and refreshes the step with `powerSteps` warm power iterations. `residualX`, when given, is
  //! R x - s under the new operator, already computed by the caller.
  void OperatorChanged(const Image<T>& signal, PixelCodingState<T>& state, int powerSteps,
                       const Image<T>* residualX = nullptr);
  //! Runs up to options.maxIterations iterations (stopping on the tolerance or the observer).
  SolveReport Solve(const Image<T>& signal, PixelCodingState<T>& state, const SolveOptions& options,
                    IterationObserver* observer = nullptr);

  static constexpr double kLipschitzMargin = 1.05;
  static constexpr int kStartPowerSteps = 30;

private:
  void Statistics(PixelCodingState<T>& state, double change, double norm) const;

  TopDownOperator<T>& op_;
  double lambda_;
  bool momentum_;
  Maps<T> gradient_;
  Image<T> synthesis_;
};

extern template class PixelCoder<float>;
extern template class PixelCoder<double>;

}  // namespace dn
