// Convolutional sparse coding solvers behind one interface, chosen by name.
//
//   minimise_z  1/2 sum_c || W_c (sum_k d_kc * z_k - s_c) ||^2 + lambda sum_k ||z_k||_1
//
// with D the dictionary operator of conv/conv_operator.hpp (either boundary mode) and W an
// optional per-pixel data weight (W = 1 without one): a mask, 0 for unknown pixels and 1 for
// known ones (inpainting, learning from incomplete images), or any non-negative weights.
//  - "ista":  proximal gradient, step 1/L (Daubechies, Defrise & De Mol, CPAM 2004);
//  - "fista": the same with Nesterov momentum (Beck & Teboulle, SIAM J. Imaging Sci. 2009);
//  - "admm":  ADMM with a per-frequency Sherman-Morrison / Woodbury solve, over-relaxation and
//             residual balancing of its penalty (Wohlberg, IEEE TIP 2016; solvers/admm.hpp);
//             with a weight or the valid boundary, by mask decoupling (Heide, Heidrich &
//             Wetzstein, CVPR 2015; solvers/admm_mask_decoupling.hpp);
//  - "cd":    working-set coordinate descent on the spatial residual, one FFT correlation D^T r
//             per outer pass for the optimality check (solvers/coordinate_descent.hpp); its
//             SolveOptions::tolerance is on the KKT violation relative to lambda;
//  - "auto":  the one of cd and admm expected fastest for the problem, chosen at Reset() from
//             the share of coefficients that violate optimality at z = 0 and the boundary
//             (solvers/solver_choice.hpp, solvers/auto_solver.hpp); the default everywhere.
// L is the exact Lipschitz constant from ConvOperator::Lipschitz() (times max W^2 with a weight,
// an upper bound).
//
// A solver object keeps its state: Solve() continues from where the last call stopped (warm
// start), and OperatorChanged() re-targets the state after the dictionary's filters change,
// keeping the iterate and its momentum, as dictionary learning needs.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "conv/conv_operator.hpp"
#include "core/state_archive.hpp"
#include "solvers/iteration_record.hpp"

namespace dn {

//! An iterative method diverged: its objective or iterate became NaN or infinite, or grew out
//! of all proportion. Nothing of the failed iteration should be kept.
class DivergenceError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct SolveOptions {
  std::size_t maxIterations = 200;  //!< iterations to run in one Solve() call
  double tolerance = 0.0;  //!< stop when relativeChange < tolerance; 0 runs every iteration
  void Validate() const;
};

struct SolveReport {
  StopReason reason = StopReason::IterationLimit;
  std::size_t iterations = 0;  //!< run in this call
  double seconds = 0.0;        //!< wall time of this call's iterations
  IterationRecord last;        //!< statistics of the final iterate
};

//! After an iteration: throws DivergenceError ("<who>: the objective is not finite (diverged)")
//! when the objective is NaN or infinite, then asks the observer, then compares the relative
//! change with the tolerance; on a stop sets report.reason and returns true.
bool ShouldStop(const IterationRecord& record, const SolveOptions& options, Observer* observer,
                SolveReport& report, const char* who);

//! The checks every CscSolver::Reset() makes: signal, start and weight shapes, lambda finite and
//! >= 0, the weight (if any) finite, non-negative and not zero everywhere, the operator's
//! Lipschitz constant positive and finite. Returns that constant; throws std::invalid_argument
//! prefixed with `who` otherwise.
template <typename T>
double CheckResetArguments(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                           const Maps<T>* start, const Image<T>* weight, const char* who);
//! The largest entry of a data weight (checked by CheckResetArguments): the Lipschitz constant
//! of the weighted problem is at most its square times the operator's.
template <typename T>
double MaxWeight(const Image<T>& weight);
//! values = W^2 values, exactly 0 where W = 0 whatever `values` holds there (NaN included): the
//! weighted data and residuals of the solvers. `squaredWeight` is W^2, shaped as `values`.
template <typename T>
void ApplySquaredWeight(Image<T>& values, const Image<T>& squaredWeight);
//! The operator's Lipschitz constant; throws std::invalid_argument prefixed with `who` when the
//! dictionary is zero or not finite.
template <typename T>
double CheckedLipschitz(const ConvOperator<T>& op, const char* who);

//! The statistics of an iterate in a saved state, under the current part: numbers iteration,
//! seconds, objective, fidelity, l1, density, relative_change (every record is saved so, under
//! "record/").
template <typename T>
void DescribeRecord(StateArchive<T>& archive, IterationRecord& record);

template <typename T>
class CscSolver {
public:
  virtual ~CscSolver() = default;
  virtual std::string Name() const = 0;

  //! Binds the problem (operator, signal and weight must outlive the solver's use) and starts
  //! from `start` (zeros when null). `weight`: the data weight W, shaped as the signal (null:
  //! none). Throws std::invalid_argument on shape mismatch, lambda < 0 or a bad weight.
  virtual void Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                     const Maps<T>* start = nullptr, const Image<T>* weight = nullptr) = 0;
  //! Runs up to options.maxIterations iterations from the current state.
  virtual SolveReport Solve(const SolveOptions& options, Observer* observer = nullptr) = 0;
  //! The operator's filters changed: re-evaluates residuals and the step for them, keeping the
  //! iterate (and, when spectra are kept, the momentum). Returns the new statistics.
  virtual IterationRecord OperatorChanged() = 0;

  virtual const Maps<T>& Solution() const = 0;
  //! Half spectra of Solution(), F x K; only when made with keepSpectra.
  virtual const arma::Mat<Complex<T>>& SolutionSpectra() const = 0;
  //! Statistics of the current iterate.
  virtual IterationRecord Current() const = 0;

  //! Everything the solver keeps between calls (iterate, momentum, step, kept spectra,
  //! residuals, counters, statistics), as arrays in T and numbers (Describe()). A solver of the
  //! same name and keepSpectra, Reset() on the same operator, signal and lambda, then given this
  //! state by RestoreState(), continues bit for bit as this one would (checkpoints,
  //! docs/robustness.md). One exception keeps checkpoints small: ista and fista save the spectra
  //! of neither the iterate (transformed again on restoring) nor the previous iterate, so an
  //! OperatorChanged() before the first Solve() iteration after a restore restarts the momentum
  //! from the iterate (dictionary learning always solves first).
  SavedState<T> SaveState() const;
  //! Replaces the state set by Reset() with one SaveState() returned. Throws std::runtime_error
  //! naming the entry when one is missing or has the wrong shape, or when the state is another
  //! kind of solver's or another lambda's; the solver is then left as it was.
  void RestoreState(const SavedState<T>& state);
  //! The fields of SaveState(), for both directions (core/state_archive.hpp); bound solvers only.
  virtual void Describe(StateArchive<T>& archive) = 0;
};

//! Makes the solver called `name` ("auto", "ista", "fista", "admm" or "cd") with its default options;
//! throws std::invalid_argument otherwise. keepSpectra keeps the spectra of the iterate (memory
//! 2 K F complex values; admm keeps them always; cd computes them after each Solve()) for
//! dictionary learning, which reads them and changes the operator between calls.
template <typename T>
std::unique_ptr<CscSolver<T>> MakeCscSolver(const std::string& name, bool keepSpectra = false);

//! The solver names MakeCscSolver accepts.
std::vector<std::string> CscSolverNames();

//! Throws std::invalid_argument unless solver `name` exists, so that callers can refuse it before
//! any work. Every solver supports both boundaries and a data weight.
void CheckSolverSupports(const std::string& name, Boundary boundary);

//! Layers coded through a general linear operator (strided layers, pixel-mode network layers)
//! are coded by ISTA or FISTA (solvers/operator_fista.hpp): true for "ista", "fista" and "auto",
//! which codes them with FISTA.
bool CodesThroughOperator(const std::string& name);
//! Whether such a layer is coded with momentum: "fista" and "auto".
bool OperatorMomentum(const std::string& name);

}  // namespace dn
