// The proximal module (soft thresholding against its definition, the objective, the relative
// change), ISTA/FISTA over an explicit-matrix LinearOperator (KKT optimality, monotone ISTA,
// the power iteration), and the observer protocol (Begin, Observe, End: order and stopping) of
// the operator FISTA, the convolutional solvers and the dictionary learner.
#define BOOST_TEST_MODULE proximal
#include <boost/mpl/list.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "learning/dictionary_learning.hpp"
#include "solvers/linear_operator.hpp"
#include "solvers/operator_fista.hpp"
#include "solvers/proximal.hpp"
#include "test_support.hpp"

using namespace dn;
using Types = boost::mpl::list<float, double>;

namespace {

//! z -> A z for an explicit m x n matrix, z an n x 1 x 1 cube; Lipschitz() is ||A||_2^2 exactly.
template <typename T>
class MatrixOperator : public LinearOperator<T> {
public:
  explicit MatrixOperator(const arma::Mat<T>& a) : a_(a) {}
  arma::SizeCube DomainSize() const override { return arma::SizeCube(a_.n_cols, 1, 1); }
  void Apply(const arma::Cube<T>& z, arma::Cube<T>& out) override {
    out.set_size(a_.n_rows, 1, 1);
    out.slice(0) = a_ * z.slice(0);
  }
  void Adjoint(const arma::Cube<T>& r, arma::Cube<T>& out) override {
    out.set_size(a_.n_cols, 1, 1);
    out.slice(0) = a_.t() * r.slice(0);
  }
  double Lipschitz(arma::Cube<T>& /*powerVector*/, int /*powerSteps*/) override {
    const double norm = arma::norm(arma::conv_to<arma::mat>::from(a_), 2);
    return norm * norm;
  }

private:
  arma::Mat<T> a_;
};

//! The lasso 1/2 ||A z - s||^2 + lambda ||z||_1 with a random 30 x 50 A (a wide, sparse problem).
template <typename T>
struct MatrixProblem {
  arma::Mat<T> a;
  arma::Cube<T> signal;
  double lambda = 0.1;
  MatrixProblem() {
    a.randn(30, 50);
    signal.randn(30, 1, 1);
  }
};

//! Largest violation of the lasso's optimality conditions relative to lambda: with
//! g = A^T (A z - s), g_i = -lambda sign(z_i) where z_i != 0 and |g_i| <= lambda where z_i = 0.
template <typename T>
double KktViolation(const MatrixProblem<T>& p, const arma::Cube<T>& z) {
  const arma::vec zd = arma::conv_to<arma::vec>::from(arma::vectorise(z));
  const arma::mat a = arma::conv_to<arma::mat>::from(p.a);
  const arma::vec s = arma::conv_to<arma::vec>::from(arma::vectorise(p.signal));
  const arma::vec g = a.t() * (a * zd - s);
  double worst = 0.0;
  for (arma::uword i = 0; i < zd.n_elem; ++i) {
    const double v = zd[i] != 0.0 ? std::abs(g[i] + p.lambda * (zd[i] > 0 ? 1.0 : -1.0))
                                  : std::max(0.0, std::abs(g[i]) - p.lambda);
    worst = std::max(worst, v / p.lambda);
  }
  return worst;
}

//! Writes what it is told as lines ("begin fista 0 5", "observe 1", "end 3 observer"); stops at
//! iteration `stopAt` (never when 0).
struct Recorder : Observer {
  std::size_t stopAt = 0;
  std::vector<std::string> events;
  void Begin(const ObservedRun& run) override {
    events.push_back("begin " + run.what + " " + std::to_string(run.layer) + " " +
                     std::to_string(run.iterations));
  }
  bool Observe(const IterationRecord& record) override {
    events.push_back("observe " + std::to_string(record.iteration));
    return record.iteration == stopAt;
  }
  void End(const IterationRecord& last, StopReason reason) override {
    const char* why = reason == StopReason::Observer    ? "observer"
                      : reason == StopReason::Tolerance ? "tolerance"
                                                        : "limit";
    events.push_back("end " + std::to_string(last.iteration) + " " + why);
  }
};

std::vector<std::string> Expected(const std::string& begin, std::size_t from, std::size_t to,
                                  const std::string& end) {
  std::vector<std::string> events{begin};
  for (std::size_t i = from; i <= to; ++i) events.push_back("observe " + std::to_string(i));
  events.push_back(end);
  return events;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proximal)

BOOST_AUTO_TEST_CASE_TEMPLATE(soft_threshold_is_the_prox_of_the_l1_norm, T, Types) {
  // u = S_t(v) minimises 1/2 (u - v)^2 + t |u|: u - v + t sign(u) = 0 where u != 0, |v| <= t
  // where u = 0; and no nearby point does better.
  for (const T t : {T(0), T(0.25), T(1), T(3)}) {
    for (int step = -80; step <= 80; ++step) {
      const T v = T(step) / T(16);
      const T u = SoftThreshold(v, t);
      if (u != T(0)) {
        BOOST_TEST((u > 0) == (v > 0), "v " << v << " t " << t);
        BOOST_TEST(std::abs(double(u) - double(v) + double(t) * (u > 0 ? 1 : -1)) <= 1e-6);
      } else {
        BOOST_TEST(std::abs(double(v)) <= double(t), "v " << v << " t " << t);
        BOOST_TEST(!std::signbit(u));
      }
      const auto f = [&](double x) { return 0.5 * (x - v) * (x - v) + t * std::abs(x); };
      for (const double d : {-1e-3, 1e-3, -0.1, 0.1})
        BOOST_TEST(f(u) <= f(u + d) + 1e-12, "v " << v << " t " << t << " d " << d);
    }
  }
  BOOST_TEST(SoftThreshold(std::numeric_limits<T>::quiet_NaN(), T(1)) == T(0));
  BOOST_TEST(SoftThreshold(std::numeric_limits<T>::infinity(), T(1)) ==
             std::numeric_limits<T>::infinity());
}

BOOST_AUTO_TEST_CASE(objective_and_relative_change) {
  BOOST_TEST(Objective(2.0, 0.5, 3.0) == 3.5);
  BOOST_TEST(Objective(2.0, 0.0, 3.0) == 2.0);
  BOOST_TEST(RelativeChange(4.0, 16.0) == 0.5);
  BOOST_TEST(RelativeChange(0.0, 0.0) == 0.0);  // stayed at zero
  BOOST_TEST(RelativeChange(1.0, 0.0) == 1.0);  // moved to zero
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(operator_fista)

BOOST_AUTO_TEST_CASE(fista_over_a_matrix_reaches_the_kkt_conditions) {
  test::Seed(71);
  MatrixProblem<double> p;
  MatrixOperator<double> op(p.a);
  OperatorFista<double> fista(p.lambda, true);
  OperatorFistaState<double> state;
  fista.Start(op, p.signal, state);
  BOOST_TEST(KktViolation(p, state.x) > 0.5);  // zero is far from optimal
  SolveOptions options;
  options.maxIterations = 5000;
  const SolveReport report = fista.Solve(op, p.signal, state, options);
  BOOST_TEST(report.iterations == 5000u);
  BOOST_TEST(KktViolation(p, state.x) <= test::Tolerance<double>::kkt);
  // The record is the objective of the maps, and the residual is that of x.
  arma::Cube<double> image;
  op.Apply(state.x, image);
  const arma::Cube<double> residual = image - p.signal;
  BOOST_TEST(arma::abs(residual - state.residualX).max() <= 1e-10);
  BOOST_TEST(report.last.objective == Objective(0.5 * test::Dot(residual, residual), p.lambda,
                                                arma::accu(arma::abs(state.x))),
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(report.last.density < 1.0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ista_over_a_matrix_never_raises_the_objective, T, Types) {
  test::Seed(72);
  MatrixProblem<T> p;
  MatrixOperator<T> op(p.a);
  OperatorFista<T> ista(p.lambda, false);
  OperatorFistaState<T> state;
  ista.Start(op, p.signal, state);
  double previous = state.current.objective;
  for (int it = 0; it < 200; ++it) {
    const double objective = ista.Step(op, p.signal, state).objective;
    BOOST_TEST(objective <= previous * (1 + test::Tolerance<T>::monotone), "iteration " << it);
    previous = objective;
  }
}

BOOST_AUTO_TEST_CASE(power_iteration_approaches_the_matrix_norm) {
  test::Seed(73);
  MatrixProblem<double> p;
  MatrixOperator<double> op(p.a);
  arma::Cube<double> vector;
  const double estimate = EstimateNormSquared(op, vector, 500, 1);
  arma::Cube<double> unused;
  const double exact = op.Lipschitz(unused, 0);
  BOOST_TEST(estimate <= exact * (1 + 1e-12));
  BOOST_TEST(estimate >= 0.999 * exact);
  BOOST_TEST(arma::norm(arma::vectorise(vector)) == 1.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(bad_problems_are_refused) {
  MatrixProblem<double> p;
  MatrixOperator<double> op(p.a);
  BOOST_CHECK_THROW(OperatorFista<double>(-1.0, true), std::invalid_argument);
  BOOST_CHECK_THROW(OperatorFista<double>(std::nan(""), true), std::invalid_argument);
  OperatorFista<double> fista(0.1, true);
  OperatorFistaState<double> state;
  const arma::Cube<double> wrongStart(49, 1, 1, arma::fill::zeros);
  BOOST_CHECK_THROW(fista.Start(op, p.signal, state, &wrongStart), std::invalid_argument);
  const arma::Cube<double> wrongSignal(29, 1, 1, arma::fill::zeros);
  BOOST_CHECK_THROW(fista.Start(op, wrongSignal, state), std::invalid_argument);
  MatrixOperator<double> zero(arma::mat(30, 50, arma::fill::zeros));
  BOOST_CHECK_THROW(fista.Start(zero, p.signal, state), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(observers)

BOOST_AUTO_TEST_CASE(operator_fista_begins_observes_and_ends_in_order) {
  test::Seed(74);
  MatrixProblem<double> p;
  MatrixOperator<double> op(p.a);
  OperatorFista<double> fista(p.lambda, true);
  OperatorFistaState<double> state;
  fista.Start(op, p.signal, state);
  SolveOptions options;
  options.maxIterations = 5;
  Recorder all;
  BOOST_TEST(
      (fista.Solve(op, p.signal, state, options, &all).reason == StopReason::IterationLimit));
  BOOST_TEST(all.events == Expected("begin fista 0 5", 1, 5, "end 5 limit"),
             boost::test_tools::per_element());
  // A second call continues the count; the observer stops it after iteration 7.
  Recorder stopper;
  stopper.stopAt = 7;
  const SolveReport report = fista.Solve(op, p.signal, state, options, &stopper);
  BOOST_TEST((report.reason == StopReason::Observer));
  BOOST_TEST(report.iterations == 2u);
  BOOST_TEST(stopper.events == Expected("begin fista 0 5", 6, 7, "end 7 observer"),
             boost::test_tools::per_element());
  // The tolerance stops it too, after the observer has seen the record.
  options.tolerance = 1.0;
  Recorder tolerance;
  fista.Solve(op, p.signal, state, options, &tolerance);
  BOOST_TEST(tolerance.events == Expected("begin fista 0 5", 8, 8, "end 8 tolerance"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(convolutional_solvers_follow_the_same_protocol) {
  test::Seed(75);
  const FilterBank<double> filters = test::RandomFilters<double>(3, 1, 4, 4);
  Image<double> signal(16, 16, 1, arma::fill::randn);
  ConvOperator<double> op(filters, 16, 16, Boundary::Circular);
  for (const std::string name : {"ista", "fista", "admm"}) {
    const auto solver = MakeCscSolver<double>(name);
    solver->Reset(op, signal, 0.1);
    SolveOptions options;
    options.maxIterations = 6;
    Recorder recorder;
    recorder.stopAt = 4;
    solver->Solve(options, &recorder);
    BOOST_TEST(recorder.events == Expected("begin " + name + " 0 6", 1, 4, "end 4 observer"),
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(a_list_forwards_everything_and_stops_when_any_asks) {
  ObserverList list;
  Recorder a, b;
  b.stopAt = 2;
  list.Add(&a);
  list.Add(&b);
  list.Begin({"batch", 2, 3});
  IterationRecord record;
  record.iteration = 1;
  BOOST_TEST(!list.Observe(record));
  record.iteration = 2;
  BOOST_TEST(list.Observe(record));
  list.End(record, StopReason::Observer);
  const std::vector<std::string> expected = Expected("begin batch 2 3", 1, 2, "end 2 observer");
  BOOST_TEST(a.events == expected, boost::test_tools::per_element());
  BOOST_TEST(b.events == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_dictionary_learner_reports_each_outer_iteration) {
  test::Seed(76);
  std::vector<Image<double>> images(2, Image<double>(16, 16, 1, arma::fill::randn));
  images[1].randn();
  const FilterBank<double> initial = test::RandomFilters<double>(3, 1, 4, 4);
  LearningOptions options;
  options.iterations = 5;
  options.boundary = Boundary::Circular;
  DictionaryLearner<double> learner(options, images, initial);
  Recorder recorder;
  recorder.stopAt = 3;
  const IterationRecord last = learner.Run(&recorder);
  BOOST_TEST(last.iteration == 3u);
  BOOST_TEST(last.layer == 0u);
  BOOST_TEST(recorder.events == Expected("begin batch 0 5", 1, 3, "end 3 observer"),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
