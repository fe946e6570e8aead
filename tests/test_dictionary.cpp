// Dictionary: projection invariants, initialisation, gradient against finite differences, and
// the update never raising the fidelity.
#define BOOST_TEST_MODULE dictionary
#include "dictionary/dictionary.hpp"
#include "core/threads.hpp"
#include "core/work_count.hpp"
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
  CodedProblem(arma::uword images, arma::uword C, Boundary b, bool masked = false,
               arma::uword rows = 14, arma::uword cols = 13) {
    filters = test::RandomFilters<T>(3, C, 4, 5);
    op = std::make_unique<ConvOperator<T>>(filters, rows, cols, b);
    for (arma::uword i = 0; i < images; ++i) signals.push_back(Image<T>(rows, cols, C, arma::fill::randn));
    for (arma::uword i = 0; masked && i < images; ++i) {
      Image<T> w(rows, cols, C, arma::fill::randu);
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
      data.maps.push_back(&solvers.back()->Solution());
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

BOOST_AUTO_TEST_CASE_TEMPLATE(sparse_gradient_equals_the_spectral_one, T, Types) {
  test::Seed(34);
  using Way = DictionaryUpdateOptions::Gradient;
  for (bool masked : {false, true})
    for (Boundary b : kBoundaries)
      for (arma::uword C : {1u, 3u})
        for (bool allPairs : {true, false}) {
          CodedProblem<T> p(3, C, b, masked);
          DictionaryUpdateOptions spectral, sparse;
          spectral.gradient = Way::Spectral;
          sparse.gradient = Way::Sparse;
          if (!allPairs) {
            spectral.connectivity.ones(C, 3);
            spectral.connectivity(C - 1, 1) = 0;
            sparse.connectivity = spectral.connectivity;
          }
          const FilterBank<T> d = test::RandomFilters<T>(3, C, 4, 5);
          FilterBank<T> expected, actual;
          const double fExpected = DictionaryUpdater<T>(spectral).FidelityAndGradient(*p.op, p.data, d, expected);
          const WorkCount before = WorkDone();
          const double fActual = DictionaryUpdater<T>(sparse).FidelityAndGradient(*p.op, p.data, d, actual);
          const WorkCount work = WorkDone() - before;
          const double scale = arma::abs(arma::conv_to<arma::cube>::from(expected.data)).max();
          const double error = arma::abs(arma::conv_to<arma::cube>::from(actual.data - expected.data)).max();
          const std::string label = ToString(b) + " C=" + std::to_string(C) +
                                    (masked ? " masked" : "") + (allPairs ? "" : " one pair off");
          BOOST_TEST(error <= test::Tolerance<T>::fftVsDirect * scale, label << ": " << error << " of " << scale);
          BOOST_TEST(std::abs(fActual - fExpected) <= test::Tolerance<T>::fftVsDirect * fExpected, label);
          if (!allPairs) BOOST_TEST(arma::all(arma::vectorise(actual.Filter(1, C - 1)) == T(0)), label);
          // One window operation per non-zero and connected pair.
          std::uint64_t windows = 0;
          for (const Maps<T>* maps : p.data.maps)
            for (arma::uword k = 0; k < 3; ++k)
              windows += arma::uword(arma::accu(maps->slice(k) != T(0))) *
                         (allPairs || k != 1 ? C : C - 1);
          BOOST_TEST(work.windowOps == windows, label);
        }
}

BOOST_AUTO_TEST_CASE(steps_are_the_same_for_every_thread_count) {
  // Sparse: each image's terms are summed in a fixed order by one thread, then exactly.
  // Spectral: the loops over frequencies run over blocks whose bounds do not depend on the
  // thread count.
  test::Seed(37);
  using Way = DictionaryUpdateOptions::Gradient;
  const int before = ThreadCount();
  for (Way way : {Way::Spectral, Way::Sparse})
    for (Boundary b : kBoundaries)
      for (bool masked : {false, true}) {
        CodedProblem<float> p(5, 2, b, masked, 40, 36);
        DictionaryUpdateOptions options;
        options.gradient = way;
        FilterBank<float> reference;
        for (int threads : {1, 2, 3}) {
          ConfigureThreads(threads);
          DictionaryUpdater<float> updater(options);
          FilterBank<float> d = p.filters;
          for (int step = 0; step < 3; ++step) updater.Step(*p.op, p.data, d);
          if (threads == 1)
            reference = d;
          else
            BOOST_TEST(arma::approx_equal(d.data, reference.data, "absdiff", 0.0f),
                       (way == Way::Sparse ? "sparse " : "spectral ")
                           << ToString(b) << (masked ? " masked" : "") << " threads " << threads);
        }
      }
  ConfigureThreads(before);
}

BOOST_AUTO_TEST_CASE(sparse_steps_refuse_maps_that_are_not_finite) {
  using Way = DictionaryUpdateOptions::Gradient;
  CodedProblem<double> p(2, 1, Boundary::Circular);
  Maps<double> broken = *p.data.maps[1];
  broken(2, 3, 0) = std::numeric_limits<double>::quiet_NaN();
  p.data.maps[1] = &broken;
  DictionaryUpdateOptions options;
  options.gradient = Way::Sparse;
  DictionaryUpdater<double> updater(options);
  FilterBank<double> d = p.filters;
  BOOST_CHECK_THROW(updater.Step(*p.op, p.data, d), DivergenceError);
  FilterBank<double> gradient;
  BOOST_CHECK_THROW(updater.FidelityAndGradient(*p.op, p.data, d, gradient), DivergenceError);
}

BOOST_AUTO_TEST_CASE(the_gradient_way_follows_the_density) {
  using T = double;
  using Way = DictionaryUpdateOptions::Gradient;
  test::Seed(35);
  for (Boundary b : kBoundaries) {
    CodedProblem<T> p(2, 1, b);
    const FilterBank<T> d = test::RandomFilters<T>(3, 1, 4, 5);
    DictionaryUpdateOptions spectral;
    spectral.gradient = Way::Spectral;
    // Dense maps on a 14 x 13 image: K C F products cost less than 2 h w flops per non-zero.
    FilterBank<T> expected, actual;
    DictionaryUpdater<T>(spectral).FidelityAndGradient(*p.op, p.data, d, expected);
    WorkCount before = WorkDone();
    DictionaryUpdater<T>({}).FidelityAndGradient(*p.op, p.data, d, actual);
    BOOST_TEST((WorkDone() - before).windowOps == 0u, ToString(b));
    BOOST_TEST(arma::approx_equal(actual.data, expected.data, "absdiff", 0.0), ToString(b));
    // One non-zero: the sparse way (one window operation), unless the inverse transforms of the
    // circular residual cost more than the products on this small grid.
    std::vector<Maps<T>> maps;
    maps.reserve(2);
    std::vector<arma::Mat<Complex<T>>> spectra(2);
    for (std::size_t i = 0; i < 2; ++i) {
      maps.push_back(Maps<T>(arma::size(*p.data.maps[i]), arma::fill::zeros));
      if (i == 0) maps[0](3, 4, 1) = T(0.7);
      p.op->MapSpectra(maps[i], spectra[i]);
      p.data.maps[i] = &maps[i];
      p.data.mapSpectra[i] = &spectra[i];
    }
    DictionaryUpdater<T>(spectral).FidelityAndGradient(*p.op, p.data, d, expected);
    before = WorkDone();
    DictionaryUpdater<T>({}).FidelityAndGradient(*p.op, p.data, d, actual);
    const bool sparse = b == Boundary::Valid;
    BOOST_TEST((WorkDone() - before).windowOps == (sparse ? 1u : 0u), ToString(b));
    BOOST_TEST(arma::approx_equal(actual.data, expected.data, "absdiff",
                                  test::Tolerance<T>::fftVsDirect * arma::abs(expected.data).max()),
               ToString(b));
    // Sparse without the maps is refused.
    p.data.maps.clear();
    DictionaryUpdateOptions forced;
    forced.gradient = Way::Sparse;
    FilterBank<T> unused;
    BOOST_CHECK_THROW(DictionaryUpdater<T>(forced).FidelityAndGradient(*p.op, p.data, d, unused),
                      std::invalid_argument);
  }
}

// L of the problem over filters on their support: lambda_max of its Hessian, whose columns are
// gradient differences (the fidelity is quadratic in the filters).
BOOST_AUTO_TEST_CASE(sparse_lipschitz_is_the_supports_and_below_the_grids) {
  using T = double;
  using Way = DictionaryUpdateOptions::Gradient;
  test::Seed(36);
  CodedProblem<T> p(2, 1, Boundary::Circular);
  const arma::uword n = 3 * 4 * 5;
  DictionaryUpdater<T> probe({});
  FilterBank<T> zero(3, 1, 4, 5), unit(3, 1, 4, 5), base, column;
  probe.FidelityAndGradient(*p.op, p.data, zero, base);
  arma::mat hessian(n, n);
  for (arma::uword j = 0; j < n; ++j) {
    unit.data.zeros();
    unit.data[j] = 1.0;
    probe.FidelityAndGradient(*p.op, p.data, unit, column);
    hessian.col(j) = arma::vectorise(column.data - base.data);
  }
  const double exact = arma::eig_sym(arma::symmatu(hessian)).max();
  const double margin = 1.05;  // DictionaryUpdater's kLipschitzMargin
  DictionaryUpdateOptions sparse, spectral;
  sparse.gradient = Way::Sparse;
  spectral.gradient = Way::Spectral;
  DictionaryUpdater<T> bySupport(sparse), byGrid(spectral);
  FilterBank<T> d = p.filters, e = p.filters;
  bySupport.Step(*p.op, p.data, d);  // 40 power steps
  byGrid.Step(*p.op, p.data, e);
  BOOST_TEST_MESSAGE("lambda_max " << exact << ", support " << bySupport.Lipschitz() / margin
                                   << ", grid " << byGrid.Lipschitz() / margin);
  BOOST_TEST(bySupport.Lipschitz() / margin <= exact * (1 + 1e-9));
  BOOST_TEST(bySupport.Lipschitz() / margin >= exact * 0.99);
  BOOST_TEST(byGrid.Lipschitz() / margin >= exact * (1 - 1e-9));
  for (int step = 0; step < 10; ++step) bySupport.Step(*p.op, p.data, d);  // 2 warm steps each
  BOOST_TEST(bySupport.Lipschitz() / margin >= exact * 0.999);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(updates_never_raise_the_fidelity, T, Types) {
  test::Seed(33);
  using Way = DictionaryUpdateOptions::Gradient;
  for (Boundary b : kBoundaries)
    for (Way way : {Way::Spectral, Way::Sparse})  // and with it the support's L
    for (const char* method : {"pgd", "fista", "masked"}) {
      CodedProblem<T> p(3, 1, b, std::string(method) == "masked");
      DictionaryUpdateOptions options;
      options.method = std::string(method) == "masked" ? "fista" : method;
      options.gradient = way;
      DictionaryUpdater<T> updater(options);
      FilterBank<T> d = p.filters, unused;
      const double start = updater.FidelityAndGradient(*p.op, p.data, d, unused);
      double previous = start;
      for (int step = 0; step < 40; ++step) {
        updater.Step(*p.op, p.data, d);
        const double f = updater.FidelityAndGradient(*p.op, p.data, d, unused);
        if (std::string(method) == "pgd")
          BOOST_TEST(f <= previous * (1 + test::Tolerance<T>::monotone),
                     ToString(b) << (way == Way::Sparse ? " sparse" : "") << " step " << step);
        previous = f;
        for (arma::uword k = 0; k < 3; ++k) BOOST_TEST(FilterNorm(d, k) <= 1.0 + 1e-5);
      }
      BOOST_TEST(previous < start, ToString(b) << " " << method << (way == Way::Sparse ? " sparse" : ""));
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
