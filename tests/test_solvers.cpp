// Sparse coding solvers: monotonicity, agreement, optimality (KKT), warm starts, bad input.
#define BOOST_TEST_MODULE solvers
#include "solvers/csc_solver.hpp"
#include "test_support.hpp"

#include <boost/mpl/list.hpp>

using namespace dn;
using Types = boost::mpl::list<float, double>;

namespace {

template <typename T> struct Problem {
  FilterBank<T> filters;
  Image<T> signal;
  std::unique_ptr<ConvOperator<T>> op;
  Problem(arma::uword H, arma::uword W, arma::uword K, arma::uword C, arma::uword h,
          Boundary boundary) {
    filters = test::RandomFilters<T>(K, C, h, h);
    signal.randn(H, W, C);
    op = std::make_unique<ConvOperator<T>>(filters, H, W, boundary);
  }
};

template <typename T>
double DirectObjective(const ConvOperator<T>& op, const Image<T>& s, const Maps<T>& z,
                       double lambda) {
  const Image<T> r = op.Apply(z) - s;
  double l1 = 0;
  for (arma::uword i = 0; i < z.n_elem; ++i) l1 += std::abs(double(z[i]));
  return 0.5 * test::Dot(r, r) + lambda * l1;
}

// Largest violation of the optimality conditions of the lasso, relative to lambda:
// g = D^T (D z - s); g_i = -lambda sign(z_i) where z_i != 0, |g_i| <= lambda where z_i = 0.
template <typename T>
double KktViolation(const ConvOperator<T>& op, const Image<T>& s, const Maps<T>& z,
                    double lambda) {
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

const Boundary kBoundaries[] = {Boundary::Valid, Boundary::Circular};

} // namespace

BOOST_AUTO_TEST_SUITE(solvers)

BOOST_AUTO_TEST_CASE_TEMPLATE(ista_never_increases_objective, T, Types) {
  test::Seed(21);
  for (Boundary b : kBoundaries)
    for (arma::uword C : {1u, 3u}) {
      Problem<T> p(20, 17, 4, C, 5, b);
      auto solver = MakeCscSolver<T>("ista");
      solver->Reset(*p.op, p.signal, 0.1);
      RecordKeeper keeper;
      SolveOptions options;
      options.maxIterations = 300;
      solver->Solve(options, &keeper);
      double previous = std::numeric_limits<double>::infinity();
      for (const IterationRecord& r : keeper.records) {
        BOOST_TEST(r.objective <= previous * (1 + test::Tolerance<T>::monotone),
                   ToString(b) << " C=" << C << " iteration " << r.iteration);
        previous = r.objective;
      }
    }
}

BOOST_AUTO_TEST_CASE(ista_and_fista_reach_the_same_optimum_with_kkt) {
  using T = double;
  test::Seed(22);
  for (Boundary b : kBoundaries)
    for (arma::uword C : {1u, 3u}) {
      Problem<T> p(16, 14, 3, C, 4, b);
      const double lambda = 0.2;
      auto fista = MakeCscSolver<T>("fista");
      auto ista = MakeCscSolver<T>("ista");
      fista->Reset(*p.op, p.signal, lambda);
      ista->Reset(*p.op, p.signal, lambda);
      SolveOptions options;
      options.maxIterations = 4000;
      const double fistaObjective = fista->Solve(options).last.objective;
      options.maxIterations = 20000;
      const double istaObjective = ista->Solve(options).last.objective;
      BOOST_TEST(std::abs(fistaObjective - istaObjective) <=
                     test::Tolerance<T>::optimum * fistaObjective,
                 ToString(b) << " C=" << C << " fista " << fistaObjective << " ista " << istaObjective);
      BOOST_TEST(KktViolation(*p.op, p.signal, fista->Solution(), lambda) <= test::Tolerance<T>::kkt,
                 ToString(b) << " C=" << C);
      BOOST_TEST(fista->Current().density > 0.0);
      BOOST_TEST(fista->Current().density < 1.0);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reported_statistics_match_direct_computation, T, Types) {
  test::Seed(23);
  for (Boundary b : kBoundaries) {
    Problem<T> p(18, 18, 3, 1, 5, b);
    auto solver = MakeCscSolver<T>("fista");
    solver->Reset(*p.op, p.signal, 0.05);
    SolveOptions options;
    options.maxIterations = 50;
    const IterationRecord r = solver->Solve(options).last;
    const double direct = DirectObjective(*p.op, p.signal, solver->Solution(), 0.05);
    BOOST_TEST(std::abs(r.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
    const Maps<T>& z = solver->Solution();
    const double nonzeros = arma::accu(z != T(0));
    BOOST_TEST(r.density == nonzeros / z.n_elem);
    BOOST_TEST(r.iteration == 50u);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(warm_start_continues_exactly, T, Types) {
  test::Seed(24);
  Problem<T> p(16, 16, 3, 1, 4, Boundary::Valid);
  auto once = MakeCscSolver<T>("fista");
  auto twice = MakeCscSolver<T>("fista");
  once->Reset(*p.op, p.signal, 0.1);
  twice->Reset(*p.op, p.signal, 0.1);
  SolveOptions options;
  options.maxIterations = 60;
  once->Solve(options);
  options.maxIterations = 30;
  twice->Solve(options);
  twice->Solve(options);
  BOOST_TEST(arma::approx_equal(once->Solution(), twice->Solution(), "absdiff", 0.0));

  // Starting from a given iterate: the first record is not worse than the start.
  auto warm = MakeCscSolver<T>("ista");
  warm->Reset(*p.op, p.signal, 0.1, &once->Solution());
  const double start = warm->Current().objective;
  options.maxIterations = 1;
  BOOST_TEST(warm->Solve(options).last.objective <= start * (1 + test::Tolerance<T>::monotone));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(operator_change_keeps_state_consistent, T, Types) {
  test::Seed(25);
  for (Boundary b : kBoundaries) {
    Problem<T> p(16, 14, 3, 1, 4, b);  // valid maps 19 x 17: a padded FFT grid
    ConvOperator<T> op(p.filters, 16, 14, b);
    auto solver = MakeCscSolver<T>("fista", true);
    solver->Reset(op, p.signal, 0.1);
    SolveOptions options;
    options.maxIterations = 10;
    solver->Solve(options);
    op.SetFilters(test::RandomFilters<T>(3, 1, 4, 4));
    const IterationRecord r = solver->OperatorChanged();
    const double direct = DirectObjective(op, p.signal, solver->Solution(), 0.1);
    BOOST_TEST(std::abs(r.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
    // The kept spectra are those of the iterate.
    const Maps<T>& z = solver->Solution();
    arma::Col<Complex<T>> X(op.Fft().SpectrumSize());
    arma::Col<T> scratch = op.MakeScratch();
    op.ForwardMap(z.slice(1).memptr(), X.memptr(), scratch.memptr());
    BOOST_TEST(arma::norm(X - solver->SolutionSpectra().col(1)) <= 1e-3 * arma::norm(X) + 1e-12);
    // After the change the solver still converges on the new problem (KKT at the end).
    options.maxIterations = 10000;
    solver->Solve(options);
    BOOST_TEST(KktViolation(op, p.signal, solver->Solution(), 0.1) <= test::Tolerance<T>::kkt);
  }
}

// A solver's saved state, restored into a fresh solver bound to the same problem, continues
// bit for bit (both boundaries, both solvers, with and without
// kept spectra); a state of another kind or lambda is refused and leaves the solver as it was.
BOOST_AUTO_TEST_CASE_TEMPLATE(saved_state_continues_exactly, T, Types) {
  test::Seed(26);
  for (Boundary b : kBoundaries)
    for (const char* name : {"ista", "fista"})
      for (bool keep : {false, true}) {
        BOOST_TEST_CONTEXT(ToString(b) << " " << name << (keep ? " keeping spectra" : "")) {
          Problem<T> p(15, 13, 3, 1, 4, b);
          auto original = MakeCscSolver<T>(name, keep);
          original->Reset(*p.op, p.signal, 0.1);
          SolveOptions options;
          options.maxIterations = 7;
          original->Solve(options);
          const SavedState<T> saved = original->SaveState();
          auto copy = MakeCscSolver<T>(name, keep);
          copy->Reset(*p.op, p.signal, 0.1);
          copy->RestoreState(saved);
          BOOST_TEST(copy->Current().iteration == 7u);
          BOOST_TEST(copy->Current().objective == original->Current().objective);
          const IterationRecord a = original->Solve(options).last;
          const IterationRecord c = copy->Solve(options).last;
          BOOST_TEST(a.objective == c.objective);
          BOOST_TEST(a.iteration == c.iteration);
          BOOST_TEST(arma::approx_equal(original->Solution(), copy->Solution(), "absdiff", T(0)));

          auto other = MakeCscSolver<T>(std::string(name) == "ista" ? "fista" : "ista", keep);
          other->Reset(*p.op, p.signal, 0.1);
          BOOST_CHECK_THROW(other->RestoreState(saved), std::runtime_error);
          auto otherLambda = MakeCscSolver<T>(name, keep);
          otherLambda->Reset(*p.op, p.signal, 0.2);
          const double before = otherLambda->Current().objective;
          BOOST_CHECK_THROW(otherLambda->RestoreState(saved), std::runtime_error);
          SavedState<T> truncated = saved;
          truncated.arrays["x"].set_size(2, 2, 3);
          BOOST_CHECK_THROW(copy->RestoreState(truncated), std::runtime_error);
          BOOST_TEST(otherLambda->Current().objective == before);
        }
      }
}

BOOST_AUTO_TEST_CASE(planted_sparse_maps_are_recovered) {
  using T = double;
  test::Seed(26);
  // Few well-separated spikes through a small dictionary; with a small lambda the solution has
  // the planted support (up to tiny spurious entries) and a near-exact reconstruction.
  Problem<T> p(40, 40, 3, 1, 5, Boundary::Circular);
  Maps<T> planted(40, 40, 3, arma::fill::zeros);
  planted(5, 7, 0) = 1.0;
  planted(25, 30, 1) = -0.8;
  planted(12, 33, 2) = 0.9;
  planted(33, 9, 0) = 0.7;
  const Image<T> signal = p.op->Apply(planted);
  auto solver = MakeCscSolver<T>("fista");
  solver->Reset(*p.op, signal, 1e-3);
  SolveOptions options;
  options.maxIterations = 3000;
  solver->Solve(options);
  const Maps<T>& z = solver->Solution();
  BOOST_TEST(test::MaxAbs<T>(z - planted) <= 0.05);
  for (arma::uword i = 0; i < z.n_elem; ++i)
    if (planted[i] != 0) BOOST_TEST(std::abs(z[i] - planted[i]) <= 0.02);
}

BOOST_AUTO_TEST_CASE(tolerance_stops_early_and_bad_input_is_refused) {
  test::Seed(27);
  Problem<double> p(16, 16, 2, 1, 3, Boundary::Valid);
  auto solver = MakeCscSolver<double>("fista");
  solver->Reset(*p.op, p.signal, 0.1);
  SolveOptions options;
  options.maxIterations = 100000;
  options.tolerance = 1e-4;
  const SolveReport report = solver->Solve(options);
  BOOST_TEST((report.reason == StopReason::Tolerance));
  BOOST_TEST(report.iterations < 100000u);
  BOOST_TEST(report.last.relativeChange < 1e-4);

  BOOST_CHECK_THROW(MakeCscSolver<double>("admmm"), std::invalid_argument);
  BOOST_CHECK_THROW(solver->Reset(*p.op, p.signal, -1.0), std::invalid_argument);
  BOOST_CHECK_THROW(solver->Reset(*p.op, Image<double>(15, 16, 1), 0.1), std::invalid_argument);
  Maps<double> wrong(3, 3, 2);
  BOOST_CHECK_THROW(solver->Reset(*p.op, p.signal, 0.1, &wrong), std::invalid_argument);
  options.maxIterations = 0;
  BOOST_CHECK_THROW(solver->Solve(options), std::invalid_argument);
  FilterBank<double> zero(2, 1, 3, 3);
  ConvOperator<double> zeroOp(zero, 16, 16, Boundary::Valid);
  BOOST_CHECK_THROW(solver->Reset(zeroOp, p.signal, 0.1), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
