// Dictionary: projection invariants, initialisation, gradient against finite differences, and
// the update never raising the fidelity.
#define BOOST_TEST_MODULE dictionary
#include "dictionary/dictionary.hpp"
#include "solvers/csc_solver.hpp"
#include "test_support.hpp"

#include <boost/mpl/list.hpp>

using namespace dn;
using Types = boost::mpl::list<float, double>;

namespace {

template <typename T> double FilterNorm(const FilterBank<T>& f, arma::uword k) {
  double sum = 0;
  for (arma::uword c = 0; c < f.channels; ++c)
    sum += arma::accu(arma::square(arma::conv_to<arma::mat>::from(f.Filter(k, c))));
  return std::sqrt(sum);
}

// A small coded set: images, maps from a few FISTA iterations, and their spectra.
template <typename T> struct CodedProblem {
  std::vector<Image<T>> signals;
  std::vector<std::unique_ptr<CscSolver<T>>> solvers;
  std::unique_ptr<ConvOperator<T>> op;
  std::vector<Image<T>> weights;
  CodedSet<T> data;
  FilterBank<T> filters;
  //! `masked`: each image gets a random weight in [0, 1) with about a third of it zero.
  CodedProblem(arma::uword images, arma::uword C, Boundary b, bool masked = false) {
    filters = test::RandomFilters<T>(3, C, 4, 5);
    op = std::make_unique<ConvOperator<T>>(filters, 14, 13, b);
    for (arma::uword i = 0; i < images; ++i) signals.push_back(Image<T>(14, 13, C, arma::fill::randn));
    for (arma::uword i = 0; masked && i < images; ++i) {
      Image<T> w(14, 13, C, arma::fill::randu);
      w.elem(arma::find(w < T(0.33))).zeros();
      weights.push_back(w);
    }
    SolveOptions options;
    options.maxIterations = 20;
    for (arma::uword i = 0; i < images; ++i) {
      solvers.push_back(MakeCscSolver<T>("fista", true));
      solvers.back()->Reset(*op, signals[i], 0.1, nullptr, masked ? &weights[i] : nullptr);
      solvers.back()->Solve(options);
      data.mapSpectra.push_back(&solvers.back()->SolutionSpectra());
      data.signals.push_back(&signals[i]);
      if (masked) data.weights.push_back(&weights[i]);
    }
  }
};

const Boundary kBoundaries[] = {Boundary::Valid, Boundary::Circular};

} // namespace

BOOST_AUTO_TEST_SUITE(dictionary)

BOOST_AUTO_TEST_CASE_TEMPLATE(projection_invariants, T, Types) {
  test::Seed(31);
  for (bool zeroMean : {false, true}) {
    FilterBank<T> f(5, 3, 4, 4);
    f.data.randn();
    f.data *= T(3);
    f.Filter(4, 0).fill(T(0.01));  // a filter already inside the ball
    f.Filter(4, 1).zeros();
    f.Filter(4, 2).zeros();
    const FilterBank<T> before = f;
    ProjectFilters(f, zeroMean);
    for (arma::uword k = 0; k < 5; ++k) {
      BOOST_TEST(FilterNorm(f, k) <= 1.0 + 1e-6);
      if (zeroMean)
        for (arma::uword c = 0; c < 3; ++c)
          BOOST_TEST(std::abs(arma::accu(arma::conv_to<arma::mat>::from(f.Filter(k, c)))) <= 1e-5);
    }
    if (!zeroMean) BOOST_TEST(arma::approx_equal(f.Filter(4, 0), before.Filter(4, 0), "absdiff", 0));
    FilterBank<T> again = f;
    ProjectFilters(again, zeroMean);  // idempotent
    BOOST_TEST(arma::approx_equal(again.data, f.data, "absdiff", 1e-6));
  }
}

BOOST_AUTO_TEST_CASE(random_filters_are_seeded_and_unit_norm) {
  const FilterBank<double> a = RandomFilters<double>(6, 2, 5, 5, 7, true);
  const FilterBank<double> b = RandomFilters<double>(6, 2, 5, 5, 7, true);
  const FilterBank<double> c = RandomFilters<double>(6, 2, 5, 5, 8, true);
  BOOST_TEST(arma::approx_equal(a.data, b.data, "absdiff", 0.0));
  BOOST_TEST(!arma::approx_equal(a.data, c.data, "absdiff", 1e-3));
  for (arma::uword k = 0; k < 6; ++k) BOOST_TEST(std::abs(FilterNorm(a, k) - 1.0) <= 1e-12);
  BOOST_CHECK_THROW(RandomFilters<double>(0, 1, 5, 5, 1, false), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(gradient_matches_finite_differences) {
  using T = double;
  test::Seed(32);
  for (bool masked : {false, true})  // masked: the gradient of 1/2 sum ||W (D z - s)||^2
  for (Boundary b : kBoundaries)
    for (arma::uword C : {1u, 3u}) {
      CodedProblem<T> p(2, C, b, masked);
      DictionaryUpdater<T> updater({});
      FilterBank<T> gradient;
      const FilterBank<T> d = test::RandomFilters<T>(3, C, 4, 5);
      updater.FidelityAndGradient(*p.op, p.data, d, gradient);
      FilterBank<T> direction(3, C, 4, 5);
      direction.data.randn();
      const double eps = 1e-5;
      FilterBank<T> plus = d, minus = d, unused;
      plus.data += eps * direction.data;
      minus.data -= eps * direction.data;
      const double fPlus = updater.FidelityAndGradient(*p.op, p.data, plus, unused);
      const double fMinus = updater.FidelityAndGradient(*p.op, p.data, minus, unused);
      const double numeric = (fPlus - fMinus) / (2 * eps);
      const double analytic = arma::accu(gradient.data % direction.data);
      BOOST_TEST(std::abs(numeric - analytic) <=
                     test::Tolerance<T>::gradient * (std::abs(analytic) + 1.0),
                 ToString(b) << " C=" << C << (masked ? " masked" : "") << " numeric " << numeric
                             << " analytic " << analytic);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(updates_never_raise_the_fidelity, T, Types) {
  test::Seed(33);
  for (Boundary b : kBoundaries)
    for (const char* method : {"pgd", "fista", "masked"}) {
      CodedProblem<T> p(3, 1, b, std::string(method) == "masked");
      DictionaryUpdateOptions options;
      options.method = std::string(method) == "masked" ? "fista" : method;
      DictionaryUpdater<T> updater(options);
      FilterBank<T> d = p.filters, unused;
      const double start = updater.FidelityAndGradient(*p.op, p.data, d, unused);
      double previous = start;
      for (int step = 0; step < 40; ++step) {
        updater.Step(*p.op, p.data, d);
        const double f = updater.FidelityAndGradient(*p.op, p.data, d, unused);
        if (std::string(method) == "pgd")
          BOOST_TEST(f <= previous * (1 + test::Tolerance<T>::monotone), ToString(b) << " step " << step);
        previous = f;
        for (arma::uword k = 0; k < 3; ++k) BOOST_TEST(FilterNorm(d, k) <= 1.0 + 1e-5);
      }
      BOOST_TEST(previous < start, ToString(b) << " " << method);
    }
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
  DictionaryUpdateOptions options;
  options.method = "sgd";
  BOOST_CHECK_THROW(options.Validate(), std::invalid_argument);
  options.method = "pgd";
  options.iterations = 0;
  BOOST_CHECK_THROW(DictionaryUpdater<double>{options}, std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
