// The working-set coordinate descent solver ("cd"): the FISTA optimum with KKT for both
// boundaries and 1 or 3 channels (one filter pair zero), monotone records that match a direct
// computation, every filter height of its window operations (and the same bits from the
// vectorised and the scalar ones), planted-sparse recovery, warm
// starts and saved states that continue exactly, results independent of the thread count,
// operator changes, the observer protocol, bad input.
#define BOOST_TEST_MODULE coordinate_descent
#include <omp.h>

#include <boost/mpl/list.hpp>

#include "core/threads.hpp"
#include "solvers/coordinate_descent.hpp"
#include "solvers/csc_solver.hpp"
#include "test_support.hpp"

using namespace dn;
using Types = boost::mpl::list<float, double>;

namespace {

template <typename T>
using Problem = test::RandomProblem<T>;

template <typename T>
double DirectObjective(const ConvOperator<T>& op, const Image<T>& s, const Maps<T>& z,
                       double lambda) {
  const Image<T> r = op.Apply(z) - s;
  double l1 = 0;
  for (arma::uword i = 0; i < z.n_elem; ++i) l1 += std::abs(double(z[i]));
  return 0.5 * test::Dot(r, r) + lambda * l1;
}

// Largest violation of the lasso's optimality conditions relative to lambda, by the operator's
// own adjoint: g = D^T (D z - s); g_i = -lambda sign(z_i) where z_i != 0, |g_i| <= lambda else.
template <typename T>
double KktViolation(const ConvOperator<T>& op, const Image<T>& s, const Maps<T>& z, double lambda) {
  const Maps<T> g = op.Adjoint(op.Apply(z) - s);
  double worst = 0;
  for (arma::uword i = 0; i < z.n_elem; ++i) {
    const double gi = g[i];
    const double v = z[i] != T(0) ? std::abs(gi + lambda * (z[i] > 0 ? 1 : -1))
                                  : std::max(0.0, std::abs(gi) - lambda);
    worst = std::max(worst, v);
  }
  return worst / lambda;
}

//! The KKT tolerance given to cd: well inside the table's KKT tolerance.
template <typename T>
double CdTolerance() {
  return std::is_same_v<T, double> ? 1e-9 : 1e-3;
}

const Boundary kBoundaries[] = {Boundary::Valid, Boundary::Circular};

}  // namespace

BOOST_AUTO_TEST_SUITE(coordinate_descent)

BOOST_AUTO_TEST_CASE_TEMPLATE(cd_reaches_the_fista_optimum_with_kkt, T, Types) {
  test::Seed(81);
  for (Boundary b : kBoundaries)
    for (arma::uword C : {1u, 3u}) {
      Problem<T> p(20, 17, 4, C, 5, b, true);
      const double lambda = 0.1;
      // The reference: double FISTA run to convergence for double; for float, the double cd
      // solution of the same problem (checked against FISTA by the double case).
      const FilterBank<double> filters = p.filters.template Cast<double>();
      const Image<double> signal = arma::conv_to<arma::cube>::from(p.signal);
      const ConvOperator<double> op(filters, signal.n_rows, signal.n_cols, b);
      auto reference = MakeCscSolver<double>(std::is_same_v<T, double> ? "fista" : "cd");
      reference->Reset(op, signal, lambda);
      SolveOptions options;
      options.maxIterations = std::is_same_v<T, double> ? 6000 : 500;
      options.tolerance = std::is_same_v<T, double> ? 0.0 : 1e-9;
      const double optimum = reference->Solve(options).last.objective;

      auto cd = MakeCscSolver<T>("cd");
      BOOST_TEST(cd->Name() == "cd");
      cd->Reset(*p.op, p.signal, lambda);
      options.maxIterations = 500;
      options.tolerance = CdTolerance<T>();
      const SolveReport report = cd->Solve(options);
      const std::string where = ToString(b) + " C=" + std::to_string(C);
      BOOST_TEST((report.reason == StopReason::Tolerance), where);
      // double: within 1e-6 relative (the task's bound; the table's optimum is tighter)
      const double bound = std::is_same_v<T, double> ? 1e-6 : test::Tolerance<T>::optimum;
      BOOST_TEST(std::abs(report.last.objective - optimum) <= bound * optimum,
                 where << " cd " << report.last.objective << " reference " << optimum);
      BOOST_TEST(KktViolation(*p.op, p.signal, cd->Solution(), lambda) <= test::Tolerance<T>::kkt,
                 where);
      const auto& solver = dynamic_cast<const CoordinateDescentSolver<T>&>(*cd);
      BOOST_TEST(solver.Kkt() < options.tolerance);
      BOOST_TEST(solver.WorkingSetSize() >= arma::accu(cd->Solution() != T(0)));
      BOOST_TEST(report.last.density > 0.0);
      BOOST_TEST(report.last.density < 1.0);
      // The map of the zero pair's filter is still coded by its other channels.
      if (C == 3) BOOST_TEST(arma::accu(cd->Solution().slice(0) != T(0)) > 0u, where);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(records_are_monotone_and_match_direct_computation, T, Types) {
  test::Seed(82);
  for (Boundary b : kBoundaries) {
    Problem<T> p(18, 21, 3, 1, 5, b);
    auto cd = MakeCscSolver<T>("cd");
    cd->Reset(*p.op, p.signal, 0.05);
    RecordKeeper keeper;
    SolveOptions options;
    options.maxIterations = 8;
    const IterationRecord last = cd->Solve(options, &keeper).last;
    BOOST_TEST(keeper.records.size() == 8u);
    double previous = 0.5 * test::Dot(p.signal, p.signal);
    for (const IterationRecord& r : keeper.records) {
      // every coordinate step minimises exactly: the objective never increases
      BOOST_TEST(r.objective <= previous * (1 + test::Tolerance<T>::monotone),
                 ToString(b) << " pass " << r.iteration);
      previous = r.objective;
    }
    const double direct = DirectObjective(*p.op, p.signal, cd->Solution(), 0.05);
    BOOST_TEST(std::abs(last.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
    BOOST_TEST(last.density == arma::accu(cd->Solution() != T(0)) / double(cd->Solution().n_elem));
    BOOST_TEST(last.iteration == 8u);
    BOOST_TEST(last.relativeChange >= 0.0);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(window_operations_hold_for_every_filter_height, T, Types) {
  // Filter heights 1 to 20 take every run length of the vectorised window operations (up to
  // 16 rows, in vectors of 4 floats or 2 doubles) and the scalar loops beyond; the widths vary
  // too. The residual the updates keep must stay s - D z (the reported objective is the direct
  // one), and cd must still reach the optimality conditions.
  test::Seed(88);
  for (Boundary b : kBoundaries)
    for (arma::uword h = 1; h <= 20; ++h) {
      const arma::uword w = 1 + (3 * h) % 7;
      const FilterBank<T> filters = test::RandomFilters<T>(2, 2, h, w);
      const Image<T> signal = arma::randn<Image<T>>(20, 17, 2);
      const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, b);
      const double lambda = 0.2;
      auto cd = MakeCscSolver<T>("cd");
      cd->Reset(op, signal, lambda);
      SolveOptions options;
      options.maxIterations = 1000;
      options.tolerance = 0.1 * test::Tolerance<T>::kkt;  // the table's KKT bound, with room
      const SolveReport report = cd->Solve(options);
      const std::string where = ToString(b) + " " + std::to_string(h) + "x" + std::to_string(w);
      BOOST_TEST((report.reason == StopReason::Tolerance), where);
      BOOST_TEST(report.last.density > 0.0, where);
      const double direct = DirectObjective(op, signal, cd->Solution(), lambda);
      BOOST_TEST(
          std::abs(report.last.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct,
          where << ": reported " << report.last.objective << ", direct " << direct);
      BOOST_TEST(KktViolation(op, signal, cd->Solution(), lambda) <= test::Tolerance<T>::kkt,
                 where);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(vectorised_and_scalar_windows_give_the_same_bits, T, Types) {
  // A filter of h <= 16 rows takes the vectorised window operations; the same filter with zero
  // rows below it, 17 rows, takes the scalar loops. On the circular boundary with a weight of
  // ones (column norms summed directly, as W^2 d^2 over the window) the two are the same
  // problem, solved in the same order: the maps must agree to the bit.
  test::Seed(89);
  const arma::uword H = 24, W = 22, K = 3, C = 2, w = 5, tall = 17;
  const Image<T> signal = arma::randn<Image<T>>(H, W, C);
  const Image<T> ones(H, W, C, arma::fill::ones);
  for (arma::uword h : {3u, 12u, 16u}) {
    const FilterBank<T> filters = test::RandomFilters<T>(K, C, h, w);
    FilterBank<T> padded(K, C, tall, w);
    padded.data.subcube(0, 0, 0, h - 1, w - 1, K * C - 1) = filters.data;
    std::vector<Maps<T>> solutions;
    for (const FilterBank<T>* bank : {&filters, static_cast<const FilterBank<T>*>(&padded)}) {
      const ConvOperator<T> op(*bank, H, W, Boundary::Circular);
      auto cd = MakeCscSolver<T>("cd");
      cd->Reset(op, signal, 0.05, nullptr, &ones);
      SolveOptions options;
      options.maxIterations = 8;
      cd->Solve(options);
      solutions.push_back(cd->Solution());
    }
    BOOST_TEST(arma::accu(solutions[0] != T(0)) > 0u);
    BOOST_TEST(arma::approx_equal(solutions[0], solutions[1], "absdiff", 0.0), "h = " << h);
  }
}

BOOST_AUTO_TEST_CASE(planted_sparse_maps_are_recovered) {
  using T = double;
  test::Seed(83);
  for (Boundary b : kBoundaries) {
    const arma::uword H = 40, W = 44, K = 3, h = 5;
    const FilterBank<T> filters = test::RandomFilters<T>(K, 1, h, h);
    ConvOperator<T> op(filters, H, W, b);
    // A few well separated spikes of magnitude 1 to 2 with random signs.
    Maps<T> planted(op.MapRows(), op.MapCols(), K, arma::fill::zeros);
    const arma::uword offset = b == Boundary::Valid ? h - 1 : 0;
    arma::uword n = 0;
    for (arma::uword j = 3; j + 3 < W; j += 2 * h + 1)
      for (arma::uword i = 3; i + 3 < H; i += 2 * h + 1, ++n) {
        const double magnitude = 1.0 + arma::randu<double>();
        planted(i + offset, j + offset, n % K) = (arma::randu<double>() < 0.5 ? -1 : 1) * magnitude;
      }
    const Image<T> signal = op.Apply(planted);
    auto cd = MakeCscSolver<T>("cd");
    cd->Reset(op, signal, 1e-3);
    SolveOptions options;
    options.maxIterations = 200;
    options.tolerance = 1e-8;
    cd->Solve(options);
    const Maps<T>& z = cd->Solution();
    const double error =
        arma::norm(arma::vectorise(z - planted)) / arma::norm(arma::vectorise(planted));
    BOOST_TEST(error < 0.02, ToString(b) << " relative error " << error << ", " << n << " spikes");
    // Nothing of note off the planted support; the sign of every spike found.
    for (arma::uword i = 0; i < z.n_elem; ++i) {
      if (planted[i] == 0)
        BOOST_TEST(std::abs(z[i]) < 0.05, ToString(b) << " spurious entry " << i << " = " << z[i]);
      else
        BOOST_TEST(z[i] * planted[i] > 0, ToString(b) << " spike " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(warm_start_continues_exactly, T, Types) {
  test::Seed(84);
  for (Boundary b : kBoundaries) {
    Problem<T> p(16, 18, 3, 1, 4, b);
    auto once = MakeCscSolver<T>("cd");
    auto twice = MakeCscSolver<T>("cd");
    once->Reset(*p.op, p.signal, 0.1);
    twice->Reset(*p.op, p.signal, 0.1);
    SolveOptions options;
    options.maxIterations = 6;
    once->Solve(options);
    options.maxIterations = 3;
    twice->Solve(options);
    const IterationRecord r = twice->Solve(options).last;
    BOOST_TEST(arma::approx_equal(once->Solution(), twice->Solution(), "absdiff", 0.0));
    BOOST_TEST(r.iteration == 6u);
    BOOST_TEST(r.objective == once->Current().objective);

    // Started near the optimum (FISTA's), cd starts there, stays there and needs fewer passes
    // to the tolerance than from zero.
    auto fista = MakeCscSolver<T>("fista");
    fista->Reset(*p.op, p.signal, 0.1);
    options.maxIterations = 4000;
    const double optimum = fista->Solve(options).last.objective;
    auto warm = MakeCscSolver<T>("cd");
    warm->Reset(*p.op, p.signal, 0.1, &fista->Solution());
    BOOST_TEST(std::abs(warm->Current().objective - optimum) <=
               10 * test::Tolerance<T>::adjoint * optimum);
    options.maxIterations = 500;
    options.tolerance = CdTolerance<T>();
    const SolveReport report = warm->Solve(options);
    const SolveReport cold = once->Solve(options);
    BOOST_TEST((report.reason == StopReason::Tolerance));
    BOOST_TEST((cold.reason == StopReason::Tolerance));
    BOOST_TEST(report.iterations < cold.iterations + 6,
               ToString(b) << " warm " << report.iterations << " cold " << cold.iterations + 6);
    BOOST_TEST(report.last.objective <= optimum * (1 + test::Tolerance<T>::optimum));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(saved_state_continues_exactly, T, Types) {
  test::Seed(85);
  for (Boundary b : kBoundaries)
    for (bool keep : {false, true}) {
      Problem<T> p(17, 16, 3, 1, 4, b);
      auto original = MakeCscSolver<T>("cd", keep);
      original->Reset(*p.op, p.signal, 0.05);
      SolveOptions options;
      options.maxIterations = 3;
      original->Solve(options);
      const SavedState<T> saved = original->SaveState();
      auto copy = MakeCscSolver<T>("cd", keep);
      copy->Reset(*p.op, p.signal, 0.05);
      copy->RestoreState(saved);
      original->Solve(options);
      copy->Solve(options);
      BOOST_TEST(arma::approx_equal(original->Solution(), copy->Solution(), "absdiff", 0.0));
      BOOST_TEST(original->Current().objective == copy->Current().objective);
      BOOST_TEST(copy->Current().iteration == 6u);

      // Another solver's state, or another lambda's, is refused and changes nothing.
      auto fista = MakeCscSolver<T>("fista", keep);
      fista->Reset(*p.op, p.signal, 0.05);
      BOOST_CHECK_THROW(copy->RestoreState(fista->SaveState()), std::runtime_error);
      auto otherLambda = MakeCscSolver<T>("cd", keep);
      otherLambda->Reset(*p.op, p.signal, 0.2);
      BOOST_CHECK_THROW(otherLambda->RestoreState(saved), std::runtime_error);
      BOOST_TEST(otherLambda->Current().iteration == 0u);
    }
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_the_thread_count) {
  using T = float;
  test::Seed(86);
  // Large enough for parallel sweeps over several strips.
  for (Boundary b : kBoundaries) {
    Problem<T> p(64, 72, 4, 1, 5, b);
    std::vector<Maps<T>> solutions;
    const int before = omp_get_max_threads();
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      auto cd = MakeCscSolver<T>("cd");
      cd->Reset(*p.op, p.signal, 0.05);
      SolveOptions options;
      options.maxIterations = 6;
      cd->Solve(options);
      BOOST_TEST(dynamic_cast<const CoordinateDescentSolver<T>&>(*cd).WorkingSetSize() >= 1024u);
      solutions.push_back(cd->Solution());
    }
    omp_set_num_threads(before);
    for (std::size_t n = 1; n < solutions.size(); ++n)
      BOOST_TEST(arma::approx_equal(solutions[0], solutions[n], "absdiff", 0.0), ToString(b));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(operator_change_retargets_the_solver, T, Types) {
  test::Seed(87);
  for (Boundary b : kBoundaries) {
    Problem<T> p(16, 15, 3, 1, 4, b);
    ConvOperator<T> op(p.filters, 16, 15, b);
    auto cd = MakeCscSolver<T>("cd", true);
    cd->Reset(op, p.signal, 0.1);
    SolveOptions options;
    options.maxIterations = 4;
    cd->Solve(options);
    op.SetFilters(test::RandomFilters<T>(3, 1, 4, 4));
    const IterationRecord changed = cd->OperatorChanged();
    const double direct = DirectObjective(op, p.signal, cd->Solution(), 0.1);
    BOOST_TEST(std::abs(changed.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
    BOOST_TEST(std::isinf(dynamic_cast<const CoordinateDescentSolver<T>&>(*cd).Kkt()));
    options.maxIterations = 500;
    options.tolerance = CdTolerance<T>();
    cd->Solve(options);
    BOOST_TEST(KktViolation(op, p.signal, cd->Solution(), 0.1) <= test::Tolerance<T>::kkt);
    // The kept spectra are those of the solution.
    arma::Mat<Complex<T>> expected(op.Fft().SpectrumSize(), 3);
    arma::Col<T> scratch = op.MakeScratch();
    for (arma::uword k = 0; k < 3; ++k)
      op.ForwardMap(cd->Solution().slice(k).memptr(), expected.colptr(k), scratch.memptr());
    BOOST_TEST(arma::approx_equal(cd->SolutionSpectra(), expected, "absdiff", 0.0));
  }
}

BOOST_AUTO_TEST_CASE(observer_protocol_and_name) {
  test::Seed(88);
  Problem<double> p(16, 16, 3, 1, 4, Boundary::Circular);
  auto cd = MakeCscSolver<double>("cd");
  cd->Reset(*p.op, p.signal, 0.1);
  struct Stopper : Observer {
    std::string name;
    std::size_t seen = 0;
    StopReason reason = StopReason::IterationLimit;
    void Begin(const ObservedRun& run) override { name = run.what; }
    bool Observe(const IterationRecord&) override { return ++seen == 4; }
    void End(const IterationRecord&, StopReason r) override { reason = r; }
  } stopper;
  SolveOptions options;
  options.maxIterations = 10;
  const SolveReport report = cd->Solve(options, &stopper);
  BOOST_TEST(stopper.name == "cd");
  BOOST_TEST(report.iterations == 4u);
  BOOST_TEST((report.reason == StopReason::Observer));
  BOOST_TEST((stopper.reason == StopReason::Observer));
  const std::vector<std::string> names = CscSolverNames();
  BOOST_TEST((std::find(names.begin(), names.end(), "cd") != names.end()));
  BOOST_CHECK_NO_THROW(CheckSolverSupports("cd", Boundary::Valid));
  BOOST_CHECK_NO_THROW(CheckSolverSupports("cd", Boundary::Circular));
}

BOOST_AUTO_TEST_CASE(bad_arguments_throw) {
  test::Seed(89);
  Problem<double> p(16, 16, 2, 1, 4, Boundary::Valid);
  auto cd = MakeCscSolver<double>("cd");
  SolveOptions options;
  BOOST_CHECK_THROW(cd->Solve(options), std::logic_error);
  BOOST_CHECK_THROW(cd->OperatorChanged(), std::logic_error);
  BOOST_CHECK_THROW(cd->Reset(*p.op, p.signal, -0.1), std::invalid_argument);
  const Maps<double> wrong(3, 3, 2, arma::fill::zeros);
  BOOST_CHECK_THROW(cd->Reset(*p.op, p.signal, 0.1, &wrong), std::invalid_argument);
  const Image<double> small(8, 8, 1, arma::fill::zeros);
  BOOST_CHECK_THROW(cd->Reset(*p.op, small, 0.1), std::invalid_argument);
  cd->Reset(*p.op, p.signal, 0.1);
  options.maxIterations = 0;
  BOOST_CHECK_THROW(cd->Solve(options), std::invalid_argument);
  BOOST_CHECK_THROW(cd->SolutionSpectra(), std::logic_error);
  FilterBank<double> zero(2, 1, 3, 3);
  ConvOperator<double> zeroOp(zero, 16, 16, Boundary::Valid);
  BOOST_CHECK_THROW(cd->Reset(zeroOp, p.signal, 0.1), std::invalid_argument);
  CoordinateDescentOptions bad;
  bad.innerRatio = 0.0;
  BOOST_CHECK_THROW(CoordinateDescentSolver<double>(false, bad), std::invalid_argument);
  bad = CoordinateDescentOptions();
  bad.maxSweeps = 0;
  BOOST_CHECK_THROW(CoordinateDescentSolver<double>(false, bad), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
