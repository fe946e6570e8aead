// Sparse coding solvers: monotonicity, agreement, optimality (KKT), warm starts, bad input;
// ADMM against FISTA.
#define BOOST_TEST_MODULE solvers
#include <boost/mpl/list.hpp>

#include "core/threads.hpp"
#include "core/work_count.hpp"
#include "solvers/admm.hpp"
#include "solvers/csc_solver.hpp"
#include "solvers/proximal_gradient.hpp"
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

// Largest violation of the optimality conditions of the lasso, relative to lambda:
// g = D^T (D z - s); g_i = -lambda sign(z_i) where z_i != 0, |g_i| <= lambda where z_i = 0.
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

const Boundary kBoundaries[] = {Boundary::Valid, Boundary::Circular};

}  // namespace

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
      BOOST_TEST(
          std::abs(fistaObjective - istaObjective) <= test::Tolerance<T>::optimum * fistaObjective,
          ToString(b) << " C=" << C << " fista " << fistaObjective << " ista " << istaObjective);
      BOOST_TEST(
          KktViolation(*p.op, p.signal, fista->Solution(), lambda) <= test::Tolerance<T>::kkt,
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
          // The spectra are not saved but transformed again, to the same bits.
          if (keep) {
            BOOST_TEST(saved.complexArrays.count("spectra") == 0u);
            BOOST_TEST(arma::approx_equal(copy->SolutionSpectra(), original->SolutionSpectra(),
                                          "absdiff", T(0)));
            // Without the previous iterate's spectra a change of operator restarts the
            // momentum from the iterate: the objective at x stays.
            auto restarted = MakeCscSolver<T>(name, keep);
            restarted->Reset(*p.op, p.signal, 0.1);
            restarted->RestoreState(saved);
            const double objective = original->Current().objective;
            BOOST_TEST(std::abs(restarted->OperatorChanged().objective - objective) <=
                       10 * test::Tolerance<T>::adjoint * objective);
          }
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

BOOST_AUTO_TEST_CASE_TEMPLATE(admm_reaches_the_fista_optimum_with_kkt, T, Types) {
  test::Seed(28);
  for (arma::uword C : {1u, 3u}) {
    Problem<T> p(20, 18, 4, C, 5, Boundary::Circular);
    const double lambda = 0.1;
    auto fista = MakeCscSolver<T>("fista");
    auto admm = MakeCscSolver<T>("admm");
    fista->Reset(*p.op, p.signal, lambda);
    admm->Reset(*p.op, p.signal, lambda);
    SolveOptions options;
    options.maxIterations = 5000;
    const double fistaObjective = fista->Solve(options).last.objective;
    options.maxIterations = 1000;
    const IterationRecord last = admm->Solve(options).last;
    BOOST_TEST(
        std::abs(last.objective - fistaObjective) <= test::Tolerance<T>::optimum * fistaObjective,
        "C=" << C << " admm " << last.objective << " fista " << fistaObjective);
    BOOST_TEST(KktViolation(*p.op, p.signal, admm->Solution(), lambda) <= test::Tolerance<T>::kkt,
               "C=" << C);
    // The reported objective is the functional at the returned (sparse) variable.
    const double direct = DirectObjective(*p.op, p.signal, admm->Solution(), lambda);
    BOOST_TEST(std::abs(last.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
    BOOST_TEST(last.density ==
               arma::accu(admm->Solution() != T(0)) / double(admm->Solution().n_elem));
    const auto& solver = dynamic_cast<const AdmmSolver<T>&>(*admm);
    BOOST_TEST(solver.PrimalResidual() < 1e-2);
    BOOST_TEST(solver.Rho() > 0.0);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(admm_warm_start_continues_exactly, T, Types) {
  test::Seed(29);
  Problem<T> p(16, 16, 3, 1, 4, Boundary::Circular);
  auto once = MakeCscSolver<T>("admm");
  auto twice = MakeCscSolver<T>("admm");
  once->Reset(*p.op, p.signal, 0.1);
  twice->Reset(*p.op, p.signal, 0.1);
  SolveOptions options;
  options.maxIterations = 60;
  once->Solve(options);
  options.maxIterations = 30;
  twice->Solve(options);
  const IterationRecord r = twice->Solve(options).last;
  BOOST_TEST(arma::approx_equal(once->Solution(), twice->Solution(), "absdiff", 0.0));
  BOOST_TEST(r.iteration == 60u);

  // Started at FISTA's optimum, ADMM starts there (objective at y = start) and stays there.
  auto fista = MakeCscSolver<T>("fista");
  fista->Reset(*p.op, p.signal, 0.1);
  options.maxIterations = 3000;
  const double optimum = fista->Solve(options).last.objective;
  auto warm = MakeCscSolver<T>("admm");
  warm->Reset(*p.op, p.signal, 0.1, &fista->Solution());
  BOOST_TEST(std::abs(warm->Current().objective - optimum) <=
             test::Tolerance<T>::adjoint * 10 * optimum);
  options.maxIterations = 100;
  const double after = warm->Solve(options).last.objective;
  BOOST_TEST(std::abs(after - optimum) <= test::Tolerance<T>::optimum * optimum,
             "warm " << after << " optimum " << optimum);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(admm_operator_change_keeps_state_consistent, T, Types) {
  test::Seed(30);
  Problem<T> p(16, 14, 3, 1, 4, Boundary::Circular);
  ConvOperator<T> op(p.filters, 16, 14, Boundary::Circular);
  auto solver = MakeCscSolver<T>("admm", true);
  solver->Reset(op, p.signal, 0.1);
  SolveOptions options;
  options.maxIterations = 10;
  solver->Solve(options);
  op.SetFilters(test::RandomFilters<T>(3, 1, 4, 4));
  const IterationRecord r = solver->OperatorChanged();
  const double direct = DirectObjective(op, p.signal, solver->Solution(), 0.1);
  BOOST_TEST(std::abs(r.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
  // The kept spectra are those of the solution.
  arma::Col<Complex<T>> X(op.Fft().SpectrumSize());
  arma::Col<T> scratch = op.MakeScratch();
  op.ForwardMap(solver->Solution().slice(1).memptr(), X.memptr(), scratch.memptr());
  BOOST_TEST(arma::norm(X - solver->SolutionSpectra().col(1)) <= 1e-3 * arma::norm(X) + 1e-12);
  options.maxIterations = 2000;
  solver->Solve(options);
  BOOST_TEST(KktViolation(op, p.signal, solver->Solution(), 0.1) <= test::Tolerance<T>::kkt);
}

// ADMM's saved state (y, its spectra, the scaled dual and its lazy scale, rho, D Y, D U,
// counters), restored into a fresh solver bound to the same problem, continues bit for bit,
// across residual-balancing updates of rho (every 10th iteration); states of another solver,
// lambda or shape are refused.
BOOST_AUTO_TEST_CASE_TEMPLATE(admm_saved_state_continues_exactly, T, Types) {
  test::Seed(33);
  for (arma::uword C : {1u, 3u}) {
    BOOST_TEST_CONTEXT("C=" << C) {
      Problem<T> p(16, 14, 4, C, 4, Boundary::Circular);
      auto original = MakeCscSolver<T>("admm", true);
      original->Reset(*p.op, p.signal, 0.05);
      SolveOptions options;
      options.maxIterations = 10;  // stops right after a rho update
      original->Solve(options);
      const SavedState<T> saved = original->SaveState();
      auto copy = MakeCscSolver<T>("admm", true);
      copy->Reset(*p.op, p.signal, 0.05);
      copy->RestoreState(saved);
      BOOST_TEST(copy->Current().iteration == 10u);
      BOOST_TEST(copy->Current().objective == original->Current().objective);
      options.maxIterations = 25;
      const IterationRecord a = original->Solve(options).last;
      const IterationRecord c = copy->Solve(options).last;
      BOOST_TEST(a.iteration == 35u);
      BOOST_TEST(a.objective == c.objective);
      BOOST_TEST(a.relativeChange == c.relativeChange);
      BOOST_TEST(arma::approx_equal(original->Solution(), copy->Solution(), "absdiff", T(0)));
      BOOST_TEST(arma::approx_equal(original->SolutionSpectra(), copy->SolutionSpectra(), "absdiff",
                                    T(0)));
      const auto& first = dynamic_cast<const AdmmSolver<T>&>(*original);
      const auto& second = dynamic_cast<const AdmmSolver<T>&>(*copy);
      BOOST_TEST(first.Rho() == second.Rho());
      BOOST_TEST(first.PrimalResidual() == second.PrimalResidual());

      auto fista = MakeCscSolver<T>("fista", true);
      fista->Reset(*p.op, p.signal, 0.05);
      BOOST_CHECK_THROW(fista->RestoreState(saved), std::runtime_error);
      auto fromFista = MakeCscSolver<T>("admm");
      fromFista->Reset(*p.op, p.signal, 0.05);
      BOOST_CHECK_THROW(fromFista->RestoreState(fista->SaveState()), std::runtime_error);
      auto otherLambda = MakeCscSolver<T>("admm");
      otherLambda->Reset(*p.op, p.signal, 0.2);
      const double before = otherLambda->Current().objective;
      BOOST_CHECK_THROW(otherLambda->RestoreState(saved), std::runtime_error);
      BOOST_TEST(otherLambda->Current().objective == before);
      SavedState<T> truncated = saved;
      truncated.complexArrays["dual_spectra"].set_size(3, 4);
      BOOST_CHECK_THROW(copy->RestoreState(truncated), std::runtime_error);
      BOOST_TEST(arma::approx_equal(original->Solution(), copy->Solution(), "absdiff", T(0)));
    }
  }
}

// With zero filters (the unconnected pairs of a network layer, one map with no filter at all)
// ADMM, which skips them, still reaches FISTA's optimum with the KKT conditions, and the map
// without filters stays zero.
BOOST_AUTO_TEST_CASE_TEMPLATE(admm_is_exact_with_zero_filters, T, Types) {
  test::Seed(34);
  for (arma::uword C : {1u, 3u}) {
    BOOST_TEST_CONTEXT("C=" << C) {
      const arma::uword K = 4;
      FilterBank<T> filters = test::RandomFilters<T>(K, C, 5, 5);
      for (arma::uword c = 0; c < C; ++c) filters.Filter(3, c).zeros();  // map 3: no filter
      if (C > 1) {
        filters.Filter(0, 1).zeros();
        filters.Filter(1, 0).zeros();
        filters.Filter(2, 2).zeros();
      }
      Image<T> signal(20, 18, C, arma::fill::randn);
      ConvOperator<T> op(filters, 20, 18, Boundary::Circular);
      BOOST_TEST(op.ChannelsOf(3).empty());
      const double lambda = 0.1;
      auto fista = MakeCscSolver<T>("fista");
      auto admm = MakeCscSolver<T>("admm");
      fista->Reset(op, signal, lambda);
      admm->Reset(op, signal, lambda);
      SolveOptions options;
      options.maxIterations = 5000;
      const double fistaObjective = fista->Solve(options).last.objective;
      options.maxIterations = 1000;
      const IterationRecord last = admm->Solve(options).last;
      BOOST_TEST(
          std::abs(last.objective - fistaObjective) <= test::Tolerance<T>::optimum * fistaObjective,
          "admm " << last.objective << " fista " << fistaObjective);
      BOOST_TEST(KktViolation(op, signal, fista->Solution(), lambda) <= test::Tolerance<T>::kkt);
      BOOST_TEST(KktViolation(op, signal, admm->Solution(), lambda) <= test::Tolerance<T>::kkt);
      const double direct = DirectObjective(op, signal, admm->Solution(), lambda);
      BOOST_TEST(std::abs(last.objective - direct) <= 10 * test::Tolerance<T>::adjoint * direct);
      BOOST_TEST(!arma::any(arma::vectorise(admm->Solution().slice(3))));
    }
  }
}

BOOST_AUTO_TEST_CASE(admm_refuses_what_it_cannot_solve) {
  test::Seed(31);
  auto solver = MakeCscSolver<double>("admm");
  BOOST_CHECK_NO_THROW(CheckSolverSupports("admm", Boundary::Valid));
  BOOST_CHECK_NO_THROW(CheckSolverSupports("admm", Boundary::Circular));
  BOOST_CHECK_NO_THROW(CheckSolverSupports("fista", Boundary::Valid));
  BOOST_CHECK_THROW(CheckSolverSupports("newton", Boundary::Circular), std::invalid_argument);
  SolveOptions options;
  BOOST_CHECK_THROW(solver->Solve(options), std::logic_error);  // not bound yet

  Problem<double> p(16, 16, 2, 1, 3, Boundary::Circular);
  BOOST_CHECK_THROW(solver->Reset(*p.op, p.signal, -1.0), std::invalid_argument);
  BOOST_CHECK_THROW(solver->Reset(*p.op, Image<double>(15, 16, 1), 0.1), std::invalid_argument);
  Maps<double> wrong(3, 3, 2);
  BOOST_CHECK_THROW(solver->Reset(*p.op, p.signal, 0.1, &wrong), std::invalid_argument);
  FilterBank<double> zero(2, 1, 3, 3);
  ConvOperator<double> zeroOp(zero, 16, 16, Boundary::Circular);
  BOOST_CHECK_THROW(solver->Reset(zeroOp, p.signal, 0.1), std::invalid_argument);

  AdmmOptions bad;
  bad.relaxation = 2.0;
  BOOST_CHECK_THROW(AdmmSolver<double>{bad}, std::invalid_argument);
  bad = AdmmOptions();
  bad.rho = -1;
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
  bad = AdmmOptions();
  bad.rhoRatio = 0.5;
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
  bad = AdmmOptions();
  bad.rhoScalingMax = std::numeric_limits<double>::infinity();
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
  bad = AdmmOptions();
  bad.rhoTarget = -2;
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sparse_synthesis_takes_the_same_steps_with_k_plus_c_transforms, T,
                              Types) {
  // FISTA with D x' formed in space from the non-zeros against FISTA with K forward transforms:
  // the same iterates up to rounding, for both boundaries, one and three channels (one pair
  // unconnected), with and without a data weight; K + C transforms per iteration against
  // 2K (+ 2C with a spatial residual).
  test::Seed(33);
  for (Boundary b : kBoundaries)
    for (arma::uword C : {1u, 3u})
      for (bool weighted : {false, true}) {
        Problem<T> p(22, 19, 6, C, 4, b, true);
        Image<T> weight(22, 19, C, arma::fill::randu);
        weight.slice(0).col(3).zeros();
        const Image<T>* w = weighted ? &weight : nullptr;
        ProximalGradientSolver<T> byFft(true, false, SynthesisChoice::Fft);
        ProximalGradientSolver<T> sparse(true, false, SynthesisChoice::Sparse);
        const double lambda = 0.1;
        byFft.Reset(*p.op, p.signal, lambda, nullptr, w);
        sparse.Reset(*p.op, p.signal, lambda, nullptr, w);
        SolveOptions options;
        options.maxIterations = 40;
        WorkCount start = WorkDone();
        const double fftObjective = byFft.Solve(options, nullptr).last.objective;
        const WorkCount fftWork = WorkDone() - start;
        start = WorkDone();
        const double sparseObjective = sparse.Solve(options, nullptr).last.objective;
        const WorkCount sparseWork = WorkDone() - start;

        const std::string what = ToString(b) + " C=" + std::to_string(C) +
                                 (weighted ? " weighted" : "");
        const double scale = test::MaxAbs(byFft.Solution());
        BOOST_TEST(test::MaxAbs<T>(byFft.Solution() - sparse.Solution()) <=
                       100 * test::Tolerance<T>::fftVsDirect * scale, what);
        BOOST_TEST(std::abs(fftObjective - sparseObjective) <=
                       100 * test::Tolerance<T>::fftVsDirect * fftObjective, what);
        const bool spatial = b == Boundary::Valid || weighted;
        const std::uint64_t K = 6, iterations = 40;
        BOOST_TEST(fftWork.ffts == iterations * (2 * K + (spatial ? 2 * C : 0)), what);
        BOOST_TEST(sparseWork.ffts == iterations * (K + C), what);
        BOOST_TEST(sparseWork.windowOps > 0u, what);
        BOOST_TEST(fftWork.windowOps == 0u, what);
      }
}

BOOST_AUTO_TEST_CASE(sparse_synthesis_is_chosen_by_density) {
  // Maps held at zero by a large lambda are synthesised in space; dense maps (lambda 0) by FFT,
  // the first iteration too, although its guess from the zero start is the sparse way; with
  // keepSpectra always by FFT, and the sparse way cannot be forced then.
  test::Seed(34);
  Problem<double> p(32, 32, 8, 1, 8, Boundary::Circular);
  const std::uint64_t K = 8, C = 1, iterations = 5;
  SolveOptions options;
  options.maxIterations = iterations;
  for (double lambda : {100.0, 0.0})
    for (bool keepSpectra : {false, true}) {
      ProximalGradientSolver<double> solver(true, keepSpectra);
      solver.Reset(*p.op, p.signal, lambda);
      const WorkCount start = WorkDone();
      solver.Solve(options, nullptr);
      const WorkCount work = WorkDone() - start;
      const std::uint64_t sparseIterations = keepSpectra || lambda == 0.0 ? 0 : iterations;
      const std::string what =
          "lambda " + std::to_string(lambda) + " keepSpectra " + std::to_string(keepSpectra);
      BOOST_TEST(work.ffts == sparseIterations * (K + C) + (iterations - sparseIterations) * 2 * K,
                 what);
    }
  BOOST_CHECK_THROW(ProximalGradientSolver<double>(true, true, SynthesisChoice::Sparse),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(thread_counts_agree_and_reruns_are_identical) {
  // Maps go to threads dynamically: 1 and 3 threads agree up to rounding (the frequency ranges of
  // the synthesis differ), and a rerun with the same count is identical bit for bit.
  test::Seed(32);
  const int before = ThreadCount();
  for (Boundary b : kBoundaries)
    for (const char* name : {"fista", "admm"}) {
      Problem<float> p(24, 20, 5, 1, 4, b);
      Maps<float> solutions[3];
      double objectives[3];
      const int counts[3] = {1, 3, 3};
      for (int run = 0; run < 3; ++run) {
        ConfigureThreads(counts[run]);
        auto solver = MakeCscSolver<float>(name, true);
        solver->Reset(*p.op, p.signal, 0.1);
        SolveOptions options;
        options.maxIterations = 25;
        objectives[run] = solver->Solve(options).last.objective;
        solutions[run] = solver->Solution();
      }
      const std::string what = std::string(name) + " " + ToString(b);
      BOOST_TEST(test::MaxAbs<float>(solutions[0] - solutions[1]) <=
                     1e-4 * test::MaxAbs<float>(solutions[0]),
                 what);
      BOOST_TEST(std::abs(objectives[0] - objectives[1]) <= 1e-5 * objectives[0], what);
      BOOST_TEST(arma::approx_equal(solutions[1], solutions[2], "absdiff", 0.0f), what);
      BOOST_TEST(objectives[1] == objectives[2], what);
    }
  ConfigureThreads(before);
}

BOOST_AUTO_TEST_SUITE_END()
