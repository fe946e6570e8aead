// The "auto" solver and the work counts: ChooseSolver's share of violators against a direct
// count and its rule on both boundaries and with a weight; AutoSolver gives the chosen solver's
// iterates bit for bit and restores a state that chose another solver; the names that code
// strided and pixel-mode layers; FFTs counted per transform and window operations per update.
#define BOOST_TEST_MODULE auto_solver
#include <boost/mpl/list.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/work_count.hpp"
#include "solvers/auto_solver.hpp"
#include "solvers/coordinate_descent.hpp"
#include "test_support.hpp"

using namespace dn;
using Types = boost::mpl::list<float, double>;

namespace {

//! 4 filters of 5 x 5 over C channels, a 24 x 26 image.
template <typename T>
struct Problem : test::RandomProblem<T> {
  explicit Problem(Boundary boundary, arma::uword C = 1)
      : test::RandomProblem<T>(24, 26, 4, C, 5, boundary) {}
};

//! A lambda at which about a share `share` of the coefficients violate optimality at z = 0, by
//! the operator's adjoint of the (weighted) signal: between two sorted |g| values.
template <typename T>
double LambdaForShare(const ConvOperator<T>& op, const Image<T>& data, double share) {
  const Maps<T> g = op.Adjoint(data);
  std::vector<double> magnitudes(g.n_elem);
  for (arma::uword i = 0; i < g.n_elem; ++i) magnitudes[i] = std::abs(double(g[i]));
  std::sort(magnitudes.begin(), magnitudes.end(), std::greater<double>());
  const auto n = static_cast<std::size_t>(share * static_cast<double>(magnitudes.size()));
  return 0.5 * (magnitudes[n - 1] + magnitudes[n]);
}

//! The share of coefficients with |(D^T data)_i| > lambda, counted directly.
template <typename T>
double ViolatorShare(const ConvOperator<T>& op, const Image<T>& data, double lambda) {
  const Maps<T> g = op.Adjoint(data);
  double count = 0;
  for (const T v : g) count += std::abs(v) > static_cast<T>(lambda);
  return count / static_cast<double>(g.n_elem);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(auto_solver)

BOOST_AUTO_TEST_CASE_TEMPLATE(the_choice_follows_the_share_of_violators, T, Types) {
  test::Seed(301);
  for (Boundary b : {Boundary::Circular, Boundary::Valid})
    for (bool weighted : {false, true}) {
      Problem<T> p(b);
      Image<T> weight(p.signal.n_rows, p.signal.n_cols, 1, arma::fill::ones);
      weight.tube(0, 0, 11, 12).zeros();
      weight(20, 20, 0) = T(2);
      const Image<T>* w = weighted ? &weight : nullptr;
      const Image<T> data = weighted ? Image<T>(p.signal % weight % weight) : p.signal;
      const double limit = (weighted || b == Boundary::Valid) ? kValidCdLimit : kCircularCdLimit;
      const auto where = std::string(ToString(b)) + (weighted ? " weighted" : "");
      for (double share : {0.1, limit - 0.05, limit + 0.05, 0.95}) {
        const double lambda = LambdaForShare(*p.op, data, share);
        const SolverChoice choice = ChooseSolver(*p.op, p.signal, lambda, w);
        const double expected = ViolatorShare(*p.op, data, lambda);
        BOOST_TEST(choice.violators == expected, where << " share " << share);
        BOOST_TEST(std::abs(choice.violators - share) < 0.03, where << " share " << share);
        BOOST_TEST(choice.solver == (expected <= limit ? "cd" : "admm"), where << " share " << share);
        if (weighted) {  // unknown pixels may hold anything, NaN included
          Image<T> unknown = p.signal;
          unknown.tube(0, 0, 11, 12).fill(std::numeric_limits<T>::quiet_NaN());
          const SolverChoice same = ChooseSolver(*p.op, unknown, lambda, w);
          BOOST_TEST(same.violators == choice.violators, where << " share " << share);
        }
      }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(auto_gives_the_chosen_solvers_iterates, T, Types) {
  test::Seed(302);
  for (Boundary b : {Boundary::Circular, Boundary::Valid}) {
    Problem<T> p(b);
    for (double share : {0.2, 0.9}) {
      const double lambda = LambdaForShare(*p.op, p.signal, share);
      AutoSolver<T> automatic(true);
      automatic.Reset(*p.op, p.signal, lambda);
      const std::string chosen = automatic.Choice().solver;
      BOOST_TEST(chosen == (share < 0.5 ? "cd" : "admm"));
      auto direct = MakeCscSolver<T>(chosen, true);
      direct->Reset(*p.op, p.signal, lambda);
      SolveOptions options;
      options.maxIterations = 4;
      const SolveReport a = automatic.Solve(options), d = direct->Solve(options);
      BOOST_TEST(a.iterations == d.iterations);
      BOOST_TEST(arma::approx_equal(automatic.Solution(), direct->Solution(), "absdiff", 0.0));
      BOOST_TEST(automatic.Current().objective == direct->Current().objective);
      BOOST_TEST(arma::approx_equal(automatic.SolutionSpectra(), direct->SolutionSpectra(),
                                    "absdiff", 0.0));
      BOOST_TEST(automatic.Name() == "auto");
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_state_restores_the_choice_it_was_saved_with, T, Types) {
  test::Seed(303);
  Problem<T> p(Boundary::Circular);
  const double lambda = LambdaForShare(*p.op, p.signal, 0.2);  // cd for these filters
  AutoSolver<T> original(true);
  original.Reset(*p.op, p.signal, lambda);
  BOOST_TEST(original.Choice().solver == "cd");
  SolveOptions options;
  options.maxIterations = 3;
  original.Solve(options);
  const SavedState<T> saved = original.SaveState();

  // Bound while the filters were 10 times larger (every coefficient violates: admm), then given
  // the saved state for the original filters: it continues as the original cd does.
  FilterBank<T> larger = p.filters;
  larger.data *= T(10);
  p.op->SetFilters(larger);
  AutoSolver<T> restored(true);
  restored.Reset(*p.op, p.signal, lambda);
  BOOST_TEST(restored.Choice().solver == "admm");
  p.op->SetFilters(p.filters);
  restored.RestoreState(saved);
  BOOST_TEST(restored.Choice().solver == "cd");
  original.Solve(options);
  restored.Solve(options);
  BOOST_TEST(arma::approx_equal(original.Solution(), restored.Solution(), "absdiff", 0.0));
  BOOST_TEST(original.Current().objective == restored.Current().objective);

  // A state of a solver that is not auto, or with a bad choice, is refused and changes nothing.
  auto cd = MakeCscSolver<T>("cd", true);
  cd->Reset(*p.op, p.signal, lambda);
  BOOST_CHECK_THROW(restored.RestoreState(cd->SaveState()), std::runtime_error);
  SavedState<T> bad = saved;
  bad.numbers["chosen"] = 0;  // "auto" itself
  BOOST_CHECK_THROW(restored.RestoreState(bad), std::runtime_error);
  bad.numbers["chosen"] = 2.5;
  BOOST_CHECK_THROW(restored.RestoreState(bad), std::runtime_error);
  BOOST_TEST(restored.Choice().solver == "cd");
  BOOST_TEST(arma::approx_equal(original.Solution(), restored.Solution(), "absdiff", 0.0));
}

BOOST_AUTO_TEST_CASE(names_for_layers_coded_through_an_operator) {
  BOOST_TEST(CodesThroughOperator("auto"));
  BOOST_TEST(CodesThroughOperator("fista"));
  BOOST_TEST(CodesThroughOperator("ista"));
  BOOST_TEST(!CodesThroughOperator("admm"));
  BOOST_TEST(!CodesThroughOperator("cd"));
  BOOST_TEST(OperatorMomentum("auto"));
  BOOST_TEST(OperatorMomentum("fista"));
  BOOST_TEST(!OperatorMomentum("ista"));
  const std::vector<std::string> names = CscSolverNames();
  BOOST_TEST((std::find(names.begin(), names.end(), "auto") != names.end()));
  BOOST_CHECK_THROW(MakeCscSolver<float>("automatic"), std::invalid_argument);
  AutoSolver<float> unbound;
  BOOST_CHECK_THROW(unbound.Choice(), std::logic_error);
  BOOST_CHECK_THROW(unbound.Solution(), std::logic_error);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ffts_are_counted_per_transform, T, Types) {
  test::Seed(304);
  for (Boundary b : {Boundary::Circular, Boundary::Valid}) {
    Problem<T> p(b, 3);
    p.filters.Filter(1, 2).zeros();  // an unconnected pair: its products are skipped, not its FFTs
    p.op->SetFilters(p.filters);
    const arma::uword K = 4, C = 3;
    const double n = static_cast<double>(p.op->GridRows() * p.op->GridCols());
    Maps<T> z(p.op->MapRows(), p.op->MapCols(), K, arma::fill::randn);

    WorkCount before = WorkDone();
    p.op->Apply(z);
    WorkCount done = WorkDone() - before;
    BOOST_TEST(done.ffts == K + C);  // K forward (maps), C inverse (channels)
    BOOST_TEST(std::abs(done.fftFlops - (K + C) * 2.5 * n * std::log2(n)) <= 1e-6 * done.fftFlops);
    BOOST_TEST(done.windowOps == 0u);

    before = WorkDone();
    p.op->Adjoint(p.signal);
    done = WorkDone() - before;
    BOOST_TEST(done.ffts == C + K);  // C forward (channels), K inverse (maps)
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(window_operations_are_counted_per_update, T, Types) {
  test::Seed(305);
  for (bool weighted : {false, true}) {
    Problem<T> p(Boundary::Valid, 2);
    Image<T> weight(p.signal.n_rows, p.signal.n_cols, 2, arma::fill::ones);
    weight.tube(3, 3, 9, 9).zeros();
    const double lambda = LambdaForShare(*p.op, p.signal, 0.2);
    CoordinateDescentSolver<T> cd;
    const WorkCount before = WorkDone();
    cd.Reset(*p.op, p.signal, lambda, nullptr, weighted ? &weight : nullptr);
    SolveOptions options;
    options.maxIterations = 5;
    const SolveReport report = cd.Solve(options, nullptr);
    const WorkCount done = WorkDone() - before;
    // Every update correlates one window; those that change z also update the residual; with a
    // weight every coordinate of a working set also has its window norm summed once per pass.
    const double updates = cd.Updates();
    BOOST_TEST(updates > 0.0);
    BOOST_TEST(double(done.windowOps) >= updates);
    if (!weighted) BOOST_TEST(double(done.windowOps) <= 2.0 * updates);
    BOOST_TEST(done.windowTaps == done.windowOps * 5u * 5u * 2u);
    BOOST_TEST(done.Flops() > 2.0 * double(done.windowTaps));  // plus the FFTs of the checks
    // The checks: one per pass (C forward, K inverse) and the residual (K + C) at Reset().
    BOOST_TEST(done.ffts >= report.iterations * (2u + 4u));
  }
}

BOOST_AUTO_TEST_SUITE_END()
