// Working-set coordinate descent for convolutional sparse coding (see csc_solver.hpp for the
// problem), for the valid and the circular boundary, any channel count and connectivity.
//
// Only the spatial residual r = s - D z (H x W x C) is kept. Coordinate z_k(i, j) touches the h x w
// window of image pixels (i + a - oR, j + b - oC), a < h, b < w, with oR = h - 1, oC = w - 1 for
// valid (pixels outside the image dropped) and oR = oC = 0 for circular (indices modulo H, W), as
// conv/conv_operator.hpp defines D. Its update costs two window operations:
//   g      = <d_k, r>_window                       (correlation at (i, j), all channels)
//   z'     = S_{lambda/n}(z + g / n)                exact 1-D minimiser, n = ||column of D||^2
//   r     -= (z' - z) d_k                            (only when z' != z)
// where n is the filter's squared norm over the taps that land in the image (all taps for
// circular; 2-D prefix sums of d^2 give it in O(1) for valid).
//
// With a data weight W (csc_solver.hpp) the kept residual is rho = W^2 (s - D z): g = <d_k, rho>,
// n = sum over the window of W^2 d_k^2 (a third window operation, once per coordinate and pass,
// when the working set is grouped), and the update is rho -= (z' - z) W^2 d_k. Pixels of weight 0
// hold rho = 0 whatever the signal holds there; the fidelity is 1/2 sum rho^2 / W^2 over W > 0.
//
// One outer pass ("iteration" of the records):
//   1. inner sweeps over the working set W (cyclic, in the groups below): each group is swept
//      until the largest violation of the optimality conditions met during a sweep (each
//      coordinate's, just before its update) is at most max(innerRatio V, tolerance lambda / 2),
//      V the violation of the last full check, or until it has had maxSweeps sweeps in the
//      pass; as in glmnet, sweeps over the non-zero coordinates only run between full sweeps.
//      Rounds of this (strip groups, then border groups) repeat until every group meets the
//      target at its first sweep of a round (or is out of sweeps);
//   2. a full correlation g = D^T r by FFT (C forward, K inverse transforms, parallel over
//      filters) gives the optimality check on every coordinate, with v_i = |g_i - lambda
//      sign(z_i)| on the support and max(|g_i| - lambda, 0) off it (KKT of the lasso); V = max_i
//      v_i, and Kkt() = V / lambda (V when lambda = 0);
//   3. the new working set is the support plus the strongest violators off it: as many as the
//      support has non-zeros times growth, at least minAdded (minFraction of all coordinates).
// The first pass of a Solve() after Reset() or OperatorChanged() starts with step 2. With
// keepSpectra (dictionary learning: the filters change after every Solve() call) the last pass of
// a call ends without step 2, which the next call starts with (once per call, not twice), and the
// residual after OperatorChanged() is formed from the kept spectra: a learning iteration costs
// 2K + 2C transforms, as one of ADMM.
// SolveOptions::tolerance is the KKT tolerance: Solve() stops when Kkt() < tolerance (relative
// to lambda), the records' relativeChange is ||z_new - z_old|| / ||z_new|| over the pass and
// does not stop it.
//
// Parallel sweeps: the image columns are cut into S strips at least 2w wide (S depends only on
// the problem's size, at most maxStrips). A round first converges, in parallel over strips, the
// groups of coordinates whose window lies inside one strip, then, in parallel over strip borders,
// those whose window crosses a border (windows of different borders are disjoint): two barriers
// per round, not per sweep. Within each group the order is the coordinates' linear index (k,
// then column, then row). Groups never touch the same residual values at the same time, so the
// results are the same for every thread count.
//
// Working sets as in Blitz / celer (Johnson & Guestrin, ICML 2015; Massias, Gramfort & Salmon,
// ICML 2018); coordinate descent for the lasso (Friedman, Hastie & Tibshirani, 2007/2010);
// spatially parallel CD for CSC: Moreau, Oudre & Vayatis (DICOD, ICML 2018).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "solvers/csc_solver.hpp"

namespace dn {

struct CoordinateDescentOptions {
  double innerRatio = 0.5;     //!< sweeps stop when the sweep's violation <= innerRatio * V
  std::size_t maxSweeps = 50;  //!< the most sweeps of one group in one pass
  double growth = 1.0;         //!< violators added per pass: growth * support size ...
  double minFraction = 1e-3;   //!< ... at least this fraction of all coordinates ...
  std::size_t minAdded = 16;   //!< ... and at least this many
  std::size_t maxStrips = 16;  //!< the most image strips of a parallel sweep
  void Validate() const;
};

template <typename T>
class CoordinateDescentSolver : public CscSolver<T> {
public:
  explicit CoordinateDescentSolver(bool keepSpectra = false,
                                   const CoordinateDescentOptions& options = {});

  std::string Name() const override { return "cd"; }
  void Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
             const Maps<T>* start = nullptr, const Image<T>* weight = nullptr) override;
  SolveReport Solve(const SolveOptions& options, Observer* observer) override;
  //! Recomputes the residual (by FFT) and the column norms for the new filters, keeping z; the
  //! next pass starts with a full optimality check.
  IterationRecord OperatorChanged() override;
  const Maps<T>& Solution() const override { return z_; }
  //! Half spectra of z (keepSpectra only), computed after every Solve() and OperatorChanged().
  const arma::Mat<Complex<T>>& SolutionSpectra() const override;
  IterationRecord Current() const override { return current_; }
  //! Entries: z (maps), residual (image), working_set (maps of 0/1, when known), with
  //! keepSpectra spectra (F x K); numbers cd, lambda, keep_spectra, the options, need_check, kkt,
  //! iteration, elapsed and the record (record/...). See coordinate_descent_state.cpp.
  void Describe(StateArchive<T>& archive) override;

  //! The largest violation of the optimality conditions at the last full check, relative to
  //! lambda (absolute when lambda = 0); infinity while the iterate has not been checked (after
  //! Reset() or OperatorChanged(), before the next Solve()).
  double Kkt() const { return needCheck_ ? std::numeric_limits<double>::infinity() : kkt_; }
  //! Coordinates in the working set.
  std::size_t WorkingSetSize() const { return working_.size(); }
  //! Coordinate updates made so far (window correlations), over all Solve() calls.
  double Updates() const { return updates_; }

private:
  //! One coordinate of the working set.
  struct Coordinate {
    std::uint64_t index;  //!< linear index into z (i + Hm * (j + Wm * k))
    std::uint32_t k, i, j;
    std::uint32_t slot = 0;  //!< in the groups: its position in working_
    T value = 0;             //!< z (in the groups during the sweeps: written back after them)
    T norm = 0;              //!< in the groups: the squared column norm
  };
  //! The image rows or columns a window covers: at most two runs (clipped or wrapped).
  struct Runs {
    int count = 0;
    int tap[2] = {0, 0}, pixel[2] = {0, 0}, length[2] = {0, 0};
  };
  //! A violator: its violation and linear index.
  struct Candidate {
    T violation;
    std::uint64_t index;
  };

  void RequireBound(const char* who) const;
  void SetupWorkspace();
  //! Column norms (prefix sums of d^2 per filter) for the operator's filters.
  void ComputeNorms();
  //! r = s - D z by FFT; fromSpectra: from the kept spectra of z (keepSpectra, which must be
  //! current), saving the K forward transforms.
  void ComputeResidual(bool fromSpectra);
  //! The image rows (columns) of the window of map row i (column j), as runs of taps.
  Runs RowRuns(arma::uword i) const { return AxisRuns(i, op_->ImageRows(), op_->Filters().Rows()); }
  Runs ColRuns(arma::uword j) const { return AxisRuns(j, op_->ImageCols(), op_->Filters().Cols()); }
  //! The same on one axis: map index `position`, `size` image entries, filters of `filter` taps.
  Runs AxisRuns(arma::uword position, arma::uword size, arma::uword filter) const;
  //! Squared norm of the column of D (of W D with a weight) of a coordinate of map k with these
  //! runs.
  double ColumnNorm(arma::uword k, const Runs& rows, const Runs& cols) const;
  //! The same with a weight: sum over the window of W^2 d_k^2, a window operation.
  double WeightedColumnNorm(arma::uword k, const Runs& rows, const Runs& cols) const;
  // always_inline: the update, the sweep and its loop go into ConvergeGroup()'s version for each
  // instruction set (GCC takes the attribute of a class template's member from its declaration
  // only).
  //! Updates one coordinate of a group (its value, and the residual); returns its violation
  //! before the update.
  [[gnu::always_inline]] double UpdateCoordinate(Coordinate& c);
  //! Updates the coordinates of one group in order (only the non-zero ones with nonzeroOnly);
  //! returns the largest violation met, sets `updates` to the number updated (each a window
  //! correlation) and `changes` to the number whose value changed (each a residual update).
  [[gnu::always_inline]] double SweepGroup(std::vector<Coordinate>& group, bool nonzeroOnly,
                                           std::size_t& updates, std::size_t& changes);
  //! Sweeps one group until a full sweep meets `target` or it has had maxSweeps sweeps in the
  //! pass (`sweeps` counts them); returns the violation of its first sweep, sets `updates`
  //! and `changes` as SweepGroup() does, over its sweeps.
  double ConvergeGroup(std::vector<Coordinate>& group, double target, std::size_t& sweeps,
                       std::size_t& updates, std::size_t& changes);
  //! Its body, inlined into ConvergeGroup()'s version for each instruction set.
  [[gnu::always_inline]] double ConvergeGroupInline(std::vector<Coordinate>& group, double target,
                                                    std::size_t& sweeps, std::size_t& updates,
                                                    std::size_t& changes);
  //! Step 2 of a pass: the full check, V, kkt_, the new working set and its groups.
  void CheckAndGrow();
  //! Sorts working_ into groups_: the strip groups, then the border groups (see above), with
  //! norms from the operator.
  void MakeGroups();
  Coordinate MakeCoordinate(std::uint64_t index, T value = T(0)) const;
  //! Filter taps of one window operation (h x w times the channels of an average filter), for
  //! the work count (core/work_count.hpp).
  std::uint64_t WindowTaps() const;
  //! Statistics of the current iterate; change = ||z - start||^2 over the pass.
  void UpdateStatistics(double change);

  bool keepSpectra_;
  CoordinateDescentOptions options_;
  const ConvOperator<T>* op_ = nullptr;
  const Image<T>* signal_ = nullptr;
  double lambda_ = 0.0;
  Image<T> squaredWeight_;  //!< W^2; empty without a weight
  IterationRecord current_;

  // The iterate and everything a pass depends on (saved).
  Maps<T> z_;
  Image<T> residual_;                //!< r = s - D z (W^2 (s - D z) with a weight), kept up to date
  std::vector<Coordinate> working_;  //!< sorted by index; contains the support; values are z's
  bool needCheck_ = true;            //!< the next pass starts with a full check
  double violation_ = 0.0;           //!< V of the last check (absolute)
  double kkt_ = 0.0;                 //!< V relative to lambda
  std::size_t iteration_ = 0;
  double elapsed_ = 0.0;
  double updates_ = 0.0;
  arma::Mat<Complex<T>> spectra_;  //!< keepSpectra: F x K

  // Derived from the operator (Reset, OperatorChanged).
  arma::uword strips_ = 1;
  std::vector<arma::uword> stripStart_;          //!< S + 1 column boundaries
  std::vector<arma::mat> prefix_;                //!< per filter: (h+1) x (w+1) prefix sums of d^2
  std::vector<double> fullNorm_;                 //!< per filter: sum of all d^2
  std::vector<std::vector<Coordinate>> groups_;  //!< S strip groups, then S border groups
  std::vector<double> groupViolation_;
  std::vector<std::size_t> groupUpdates_, groupChanges_, groupSweeps_;

  // Workspace of the full check.
  int threads_ = 1;
  arma::Mat<Complex<T>> residualSpectra_;                  //!< F x C
  std::vector<arma::Col<Complex<T>>> correlationSpectra_;  //!< per thread, F
  std::vector<arma::Col<T>> correlation_, scratch_;        //!< per thread: one map, one grid
  arma::Mat<T> grid_;                                      //!< one channel on the grid
  std::vector<std::vector<Candidate>> threadCandidates_;   //!< per thread
  std::vector<double> mapViolation_;                       //!< per map
  std::vector<Candidate> candidates_;
  std::vector<T> passStart_;  //!< z on the working set at a pass's start
  std::vector<Coordinate> merged_;
};

// The sweeps of each precision are compiled per instruction set (coordinate_descent.cpp).
template <>
double CoordinateDescentSolver<float>::ConvergeGroup(std::vector<Coordinate>& group, double target,
                                                     std::size_t& sweeps, std::size_t& updates,
                                                     std::size_t& changes);
template <>
double CoordinateDescentSolver<double>::ConvergeGroup(std::vector<Coordinate>& group, double target,
                                                      std::size_t& sweeps, std::size_t& updates,
                                                      std::size_t& changes);

extern template class CoordinateDescentSolver<float>;
extern template class CoordinateDescentSolver<double>;

}  // namespace dn
