// Strided layers (conv/strided_geometry.hpp): the size arithmetic o' = s (i' - 1) + k - 2p; the
// FFT operator (conv/strided_conv_operator.hpp) against the direct loop, its exact Lipschitz
// constant, FISTA through it; and the direct transposed convolution checked against the
// zero-insertion recipe written out here (insert s - 1 zeros between neighbouring map entries, pad
// k - p - 1 zeros on each side, correlate with the flipped filter), against the stride-1 operator
// of today's boundary modes, and through the adjoint identity <A z, r> = <z, A^T r>.
#define BOOST_TEST_MODULE strided_conv
#include <boost/test/unit_test.hpp>

#include "conv/conv_operator.hpp"
#include "conv/direct_conv.hpp"
#include "conv/strided_conv_operator.hpp"
#include "conv/strided_geometry.hpp"
#include "core/threads.hpp"
#include "learning/strided_learner.hpp"
#include "solvers/operator_fista.hpp"
#include "test_support.hpp"

using namespace dn;
using namespace dn::test;

namespace {

//! One channel of the transposed convolution of map z (i' x j') with filter d by the recipe,
//! giving all o' x o'' outputs (valid) or the N x M image (circular, zero insertion on the
//! period and a circular correlation).
arma::mat Recipe(const arma::mat& z, const arma::mat& d, std::size_t s, std::size_t p,
                 std::size_t q, Boundary boundary, arma::uword N = 0, arma::uword M = 0) {
  const arma::uword h = d.n_rows, w = d.n_cols;
  const arma::mat flipped = arma::fliplr(arma::flipud(d));
  if (boundary == Boundary::Circular) {
    arma::mat u(N, M, arma::fill::zeros);  // zeros inserted, on the period
    for (arma::uword j = 0; j < z.n_cols; ++j)
      for (arma::uword i = 0; i < z.n_rows; ++i) u(s * i, s * j) = z(i, j);
    arma::mat out(N, M, arma::fill::zeros);
    for (arma::uword n = 0; n < M; ++n)
      for (arma::uword m = 0; m < N; ++m)
        for (arma::uword b = 0; b < w; ++b)
          for (arma::uword a = 0; a < h; ++a)  // out[m] = sum_a d[a] u[(m + p - a) mod N]
            out(m, n) += d(a, b) * u((m + p + N * h - a) % N, (n + q + M * w - b) % M);
    return out;
  }
  const arma::uword rows = s * (z.n_rows - 1) + 1, cols = s * (z.n_cols - 1) + 1;
  const arma::uword padRows = h - p - 1, padCols = w - q - 1;
  arma::mat v(rows + 2 * padRows, cols + 2 * padCols, arma::fill::zeros);
  for (arma::uword j = 0; j < z.n_cols; ++j)
    for (arma::uword i = 0; i < z.n_rows; ++i) v(padRows + s * i, padCols + s * j) = z(i, j);
  arma::mat out(v.n_rows - h + 1, v.n_cols - w + 1, arma::fill::zeros);
  for (arma::uword n = 0; n < out.n_cols; ++n)
    for (arma::uword m = 0; m < out.n_rows; ++m)
      out(m, n) = arma::accu(v.submat(m, n, m + h - 1, n + w - 1) % flipped);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(size_arithmetic_and_refusals) {
  StridedGeometry g;
  g.stride = 2;
  g.paddingRows = g.paddingCols = 1;
  BOOST_TEST(g.OutputSize(3, 3, 1) == 5u);  // the 3x3, k = 3, s = 2, p = 1 example
  BOOST_TEST(g.MapSize(5, 3, 1, Boundary::Valid) == 3u);
  BOOST_TEST(g.MapSize(6, 3, 1, Boundary::Valid) == 4u);  // o' = 7 covers 6
  BOOST_TEST(g.MapSize(1, 3, 1, Boundary::Valid) == 1u);
  BOOST_TEST(g.MapSize(8, 3, 1, Boundary::Circular) == 4u);
  BOOST_CHECK_THROW(g.MapSize(7, 3, 1, Boundary::Circular), std::invalid_argument);
  BOOST_CHECK_THROW(g.OutputSize(0, 3, 1), std::invalid_argument);
  BOOST_CHECK_THROW(g.OutputSize(1, 3, 2), std::invalid_argument);  // 3 - 4 < 1
  BOOST_CHECK_NO_THROW(g.Check(3, 3));
  BOOST_CHECK_THROW(g.Check(1, 3), std::invalid_argument);  // p = 1 >= k = 1
  g.stride = 0;
  BOOST_CHECK_THROW(g.Check(3, 3), std::invalid_argument);
  // Stride 1 with p = k - 1 is the ordinary valid layer: maps H + k - 1, output H.
  const StridedGeometry valid = StridedGeometry::Ordinary(5, 3, Boundary::Valid);
  BOOST_TEST(valid.MapRows(20, 5, Boundary::Valid) == 24u);
  BOOST_TEST(valid.MapCols(17, 3, Boundary::Valid) == 19u);
  BOOST_TEST(valid.OutputSize(24, 5, 4) == 20u);
  BOOST_TEST(
      StridedGeometry::Ordinary(5, 3, Boundary::Circular).MapRows(20, 5, Boundary::Circular) ==
      20u);
  BOOST_TEST(valid.ToString() == "stride 1, padding 4x2");
}

BOOST_AUTO_TEST_CASE(three_by_three_example_gives_five_by_five) {
  const arma::mat z = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
  const arma::mat d = {{1, 0, -1}, {2, 1, 0}, {0, 3, 1}};
  FilterBank<double> filters(1, 1, 3, 3);
  filters.Filter(0, 0) = d;
  StridedGeometry g;
  g.stride = 2;
  g.paddingRows = g.paddingCols = 1;
  Maps<double> maps(3, 3, 1);
  maps.slice(0) = z;
  const Image<double> out = DirectStridedApply(filters, maps, 5, 5, g, Boundary::Valid);
  const arma::mat recipe = Recipe(z, d, 2, 1, 1, Boundary::Valid);
  BOOST_TEST(recipe.n_rows == 5u);
  BOOST_TEST(recipe.n_cols == 5u);
  BOOST_TEST(arma::approx_equal(out.slice(0), recipe, "absdiff", 0.0));
  // Entry (0, 0) of the output: map entry (0, 0) through tap (1, 1) only: 1 * 1.
  BOOST_TEST(out(0, 0, 0) == 1.0);
  // Entry (1, 1): map entries (0..1, 0..1) through taps (2 - 2i, 2 - 2j) ... by hand:
  // z00 d22 + z01 d20 + z10 d02 + z11 d00 = 1*1 + 2*0 + 4*(-1) + 5*1 = 2.
  BOOST_TEST(out(1, 1, 0) == 2.0);
}

BOOST_AUTO_TEST_CASE(random_geometries_follow_the_recipe_and_the_adjoint_identity) {
  Seed(1301);
  std::size_t cases = 0;
  for (const std::size_t s : {1, 2, 3})
    for (const std::size_t k : {3, 4, 5, 8})
      for (std::size_t p = 0; p < k; ++p)
        for (const arma::uword C : {1, 3}) {
          const arma::uword H = 9 + (s + p + C) % 4, W = 12 + (k + p) % 3;  // odd and even
          const arma::uword K = 2, kw = k == 8 ? 5 : k;  // square and non-square filters
          const std::size_t q = std::min<std::size_t>(p, kw - 1);
          StridedGeometry g;
          g.stride = s;
          g.paddingRows = p;
          g.paddingCols = q;
          const FilterBank<double> filters = RandomFilters<double>(K, C, k, kw);
          const arma::uword Hm = g.MapRows(H, k, Boundary::Valid);
          const arma::uword Wm = g.MapCols(W, kw, Boundary::Valid);
          Maps<double> z(Hm, Wm, K, arma::fill::randn);
          const Image<double> out = DirectStridedApply(filters, z, H, W, g, Boundary::Valid);
          BOOST_TEST_CONTEXT("s " << s << " k " << k << "x" << kw << " p " << p << "x" << q << " C "
                                  << C << " image " << H << "x" << W) {
            for (arma::uword c = 0; c < C; ++c) {
              arma::mat sum;
              for (arma::uword m = 0; m < K; ++m) {
                const arma::mat one =
                    Recipe(z.slice(m), filters.Filter(m, c), s, p, q, Boundary::Valid);
                sum = m == 0 ? one : arma::mat(sum + one);
              }
              BOOST_REQUIRE(sum.n_rows >= H);
              BOOST_REQUIRE(sum.n_cols >= W);
              BOOST_TEST(arma::approx_equal(out.slice(c), sum.submat(0, 0, H - 1, W - 1), "absdiff",
                                            Tolerance<double>::fftVsDirect));
            }
            const Image<double> r(H, W, C, arma::fill::randn);
            const Maps<double> back = DirectStridedAdjoint(filters, r, g, Boundary::Valid);
            const double left = Dot(out, r), right = Dot(z, back);
            BOOST_TEST(std::abs(left - right) <=
                       Tolerance<double>::adjoint * (std::abs(left) + std::abs(right) + 1));
            // Circular: the image a multiple of the stride.
            const arma::uword N = s * 4, M = s * 5;
            Maps<double> zc(N / s, M / s, K, arma::fill::randn);
            const Image<double> periodic =
                DirectStridedApply(filters, zc, N, M, g, Boundary::Circular);
            for (arma::uword c = 0; c < C; ++c) {
              arma::mat sum(N, M, arma::fill::zeros);
              for (arma::uword m = 0; m < K; ++m)
                sum += Recipe(zc.slice(m), filters.Filter(m, c), s, p, q, Boundary::Circular, N, M);
              BOOST_TEST(arma::approx_equal(periodic.slice(c), sum, "absdiff",
                                            Tolerance<double>::fftVsDirect));
            }
            const Image<double> rc(N, M, C, arma::fill::randn);
            const double cl = Dot(periodic, rc),
                         cr = Dot(zc, DirectStridedAdjoint(filters, rc, g, Boundary::Circular));
            BOOST_TEST(std::abs(cl - cr) <=
                       Tolerance<double>::adjoint * (std::abs(cl) + std::abs(cr) + 1));
          }
          ++cases;
        }
  BOOST_TEST_MESSAGE(cases << " geometries");
}

BOOST_AUTO_TEST_CASE(stride_one_is_the_ordinary_layer) {
  Seed(1302);
  for (const Boundary boundary : {Boundary::Valid, Boundary::Circular}) {
    const FilterBank<double> filters = RandomFilters<double>(3, 2, 5, 4);
    const StridedGeometry g = StridedGeometry::Ordinary(5, 4, boundary);
    const arma::uword H = 13, W = 10;
    const Maps<double> z(MapRows(H, 5, boundary), MapCols(W, 4, boundary), 3, arma::fill::randn);
    BOOST_TEST(z.n_rows == g.MapRows(H, 5, boundary));
    BOOST_TEST(z.n_cols == g.MapCols(W, 4, boundary));
    BOOST_TEST(arma::approx_equal(DirectStridedApply(filters, z, H, W, g, boundary),
                                  DirectApply(filters, z, H, W, boundary), "absdiff",
                                  Tolerance<double>::fftVsDirect));
    const Image<double> r(H, W, 2, arma::fill::randn);
    BOOST_TEST(arma::approx_equal(DirectStridedAdjoint(filters, r, g, boundary),
                                  DirectAdjoint(filters, r, boundary), "absdiff",
                                  Tolerance<double>::fftVsDirect));
  }
}

namespace {

template <typename T>
void CheckFftAgainstDirect(unsigned long seed) {
  Seed(seed);
  std::size_t cases = 0;
  for (const Boundary boundary : {Boundary::Valid, Boundary::Circular})
    for (const std::size_t s : {1, 2, 3})
      for (const std::size_t k : {3, 4, 5, 8})
        for (std::size_t p = 0; p < k; p += (k > 4 ? 2 : 1))
          for (const arma::uword C : {1, 3}) {
            const arma::uword kw = k == 8 ? 5 : k, K = 3;
            const std::size_t q = std::min<std::size_t>(p, kw - 1);
            StridedGeometry g;
            g.stride = s;
            g.paddingRows = p;
            g.paddingCols = q;
            const bool circular = boundary == Boundary::Circular;
            const arma::uword H = circular ? s * (8 / s + 1 + C) : 9 + (s + p + C) % 4;
            const arma::uword W = circular ? s * (8 / s + 2) : 12 + (k + p) % 3;
            const FilterBank<T> filters = RandomFilters<T>(K, C, k, kw);
            StridedConvOperator<T> op(filters, H, W, g, boundary);
            const arma::Cube<T> z(op.MapRows(), op.MapCols(), K, arma::fill::randn);
            const arma::Cube<T> r(H, W, C, arma::fill::randn);
            arma::Cube<T> image, maps;
            op.Apply(z, image);
            op.Adjoint(r, maps);
            BOOST_TEST_CONTEXT(ToString(boundary) << " s " << s << " k " << k << "x" << kw << " p "
                                                  << p << "x" << q << " C " << C) {
              const Image<T> direct = DirectStridedApply(filters, z, H, W, g, boundary);
              const Maps<T> back = DirectStridedAdjoint(filters, r, g, boundary);
              BOOST_TEST(MaxAbs<T>(image - direct) <=
                         Tolerance<T>::fftVsDirect * (1 + MaxAbs(direct)));
              BOOST_TEST(MaxAbs<T>(maps - back) <= Tolerance<T>::fftVsDirect * (1 + MaxAbs(back)));
              const double left = Dot(image, r), right = Dot(z, maps);
              BOOST_TEST(std::abs(left - right) <=
                         Tolerance<T>::adjoint * (std::abs(left) + std::abs(right) + 1));
            }
            ++cases;
          }
  BOOST_TEST_MESSAGE(cases << " operators");
}

}  // namespace

BOOST_AUTO_TEST_CASE(fft_operator_equals_the_direct_loop_double) {
  CheckFftAgainstDirect<double>(1303);
}

BOOST_AUTO_TEST_CASE(fft_operator_equals_the_direct_loop_float) {
  CheckFftAgainstDirect<float>(1304);
}

// Operators large enough to run threaded (StridedConvOperator::Threaded): Apply and Adjoint
// against the direct loop, FilterGradient through <G(z, r), E> = <A_E z, r> (A is linear in the
// filters) with A_E by the direct loop; one thread and three agree to rounding, and a rerun on
// three threads agrees bit for bit.
BOOST_AUTO_TEST_CASE(threaded_operator_equals_the_direct_loop) {
  Seed(1308);
  const int before = ThreadCount();
  for (const Boundary boundary : {Boundary::Valid, Boundary::Circular})
    for (const std::size_t s : {2, 3}) {
      const arma::uword K = 64, C = 3, k = 5;
      const arma::uword H = boundary == Boundary::Circular ? s * (144 / s) : 132, W = H - s;
      StridedGeometry g;
      g.stride = s;
      g.paddingRows = 2;
      g.paddingCols = 1;
      const FilterBank<double> filters = RandomFilters<double>(K, C, k, k);
      const FilterBank<double> other = RandomFilters<double>(K, C, k, k);
      StridedConvOperator<double> op(filters, H, W, g, boundary);
      const arma::Cube<double> z(op.MapRows(), op.MapCols(), K, arma::fill::randn);
      const arma::Cube<double> r(H, W, C, arma::fill::randn);
      arma::Cube<double> images[3], maps[3];
      FilterBank<double> gradients[3];
      const int counts[3] = {1, 3, 3};
      for (int run = 0; run < 3; ++run) {
        ConfigureThreads(counts[run]);
        op.Apply(z, images[run]);
        op.Adjoint(r, maps[run]);
        op.FilterGradient(z, r, gradients[run]);
      }
      ConfigureThreads(before);
      BOOST_TEST_CONTEXT(ToString(boundary) << " s " << s << " image " << H << "x" << W << " grid "
                                            << op.GridRows() << "x" << op.GridCols()) {
        BOOST_REQUIRE(op.Threaded());
        const Image<double> direct = DirectStridedApply(filters, z, H, W, g, boundary);
        const Maps<double> back = DirectStridedAdjoint(filters, r, g, boundary);
        const double left = Dot(gradients[1].data, other.data);
        const double right = Dot(DirectStridedApply(other, z, H, W, g, boundary), r);
        for (int run = 0; run < 2; ++run) {
          BOOST_TEST(MaxAbs<double>(images[run] - direct) <=
                         Tolerance<double>::fftVsDirect * (1 + MaxAbs(direct)),
                     run);
          BOOST_TEST(MaxAbs<double>(maps[run] - back) <=
                         Tolerance<double>::fftVsDirect * (1 + MaxAbs(back)),
                     run);
        }
        BOOST_TEST(std::abs(left - right) <=
                   Tolerance<double>::adjoint * (std::abs(left) + std::abs(right) + 1));
        BOOST_TEST(MaxAbs<double>(gradients[0].data - gradients[1].data) <=
                   Tolerance<double>::fftVsDirect * (1 + MaxAbs(gradients[0].data)));
        BOOST_TEST(arma::approx_equal(images[1], images[2], "absdiff", 0.0));
        BOOST_TEST(arma::approx_equal(maps[1], maps[2], "absdiff", 0.0));
        BOOST_TEST(arma::approx_equal(gradients[1].data, gradients[2].data, "absdiff", 0.0));
      }
    }
  // The unit tests' sizes stay on one thread.
  const FilterBank<double> small = RandomFilters<double>(3, 3, 5, 4);
  StridedGeometry g;
  g.stride = 2;
  BOOST_TEST(!StridedConvOperator<double>(small, 32, 32, g, Boundary::Valid).Threaded());
}

// The Lipschitz constant from the s^2 aliases' Gram: reached by a converged power iteration for
// circular (exact), above it for valid (a bound); for stride 1 the ordinary operator's constant.
BOOST_AUTO_TEST_CASE(lipschitz_constant_is_tight) {
  Seed(1305);
  for (const std::size_t s : {1, 2, 3})
    for (const Boundary boundary : {Boundary::Circular, Boundary::Valid}) {
      const FilterBank<double> filters = RandomFilters<double>(4, 2, 5, 4);
      StridedGeometry g;
      g.stride = s;
      g.paddingRows = 2;
      g.paddingCols = 1;
      StridedConvOperator<double> op(filters, 6 * s, 4 * s, g, boundary);
      arma::Cube<double> vector;
      const double estimate = EstimateNormSquared(op, vector, 3000, 7);
      BOOST_TEST_CONTEXT(ToString(boundary) << " s " << s << ": exact " << op.ExactLipschitz()
                                            << ", power iteration " << estimate) {
        BOOST_TEST(op.ExactLipschitz() >= estimate * (1 - Tolerance<double>::lipschitz));
        if (boundary == Boundary::Circular)
          BOOST_TEST(op.ExactLipschitz() <= estimate * (1 + 1e-6));
      }
      if (s == 1 && boundary == Boundary::Circular) {
        const ConvOperator<double> ordinary(filters, 6, 4, Boundary::Circular);
        BOOST_TEST(op.ExactLipschitz() == ordinary.Lipschitz(),
                   boost::test_tools::tolerance(1e-12));
      }
    }
}

// Planted sparse maps behind a stride-2 operator: FISTA (OperatorFista, through the
// LinearOperator interface) reaches an objective no higher than the planted maps' and
// reconstructs the signal to within what lambda allows.
BOOST_AUTO_TEST_CASE(fista_codes_through_a_strided_layer) {
  Seed(1306);
  const FilterBank<double> filters = RandomFilters<double>(4, 1, 6, 6);
  StridedGeometry g;
  g.stride = 2;
  g.paddingRows = g.paddingCols = 2;
  StridedConvOperator<double> op(filters, 32, 32, g, Boundary::Valid);
  arma::Cube<double> planted(op.MapRows(), op.MapCols(), 4, arma::fill::zeros);
  for (int n = 0; n < 12; ++n)
    planted(arma::randi<arma::uword>(arma::distr_param(0, int(op.MapRows()) - 1)),
            arma::randi<arma::uword>(arma::distr_param(0, int(op.MapCols()) - 1)),
            arma::randi<arma::uword>(arma::distr_param(0, 3))) = arma::randn() + 3.0;
  arma::Cube<double> signal;
  op.Apply(planted, signal);
  const double lambda = 0.01;
  OperatorFista<double> fista(lambda, true);
  OperatorFistaState<double> state;
  fista.Start(op, signal, state);
  SolveOptions options;
  options.maxIterations = 2000;
  options.tolerance = 0;
  fista.Solve(op, signal, state, options);
  const double plantedObjective = lambda * arma::accu(arma::abs(planted));
  BOOST_TEST(state.current.objective <= plantedObjective);
  arma::Cube<double> coded;
  op.Apply(state.x, coded);
  BOOST_TEST(arma::norm(arma::vectorise(coded - signal)) <=
             0.05 * arma::norm(arma::vectorise(signal)));
}

// The filter gradient of 1/2 ||A z - s||^2 against central finite differences, for both
// boundaries and strides 1 to 3.
BOOST_AUTO_TEST_CASE(filter_gradient_matches_finite_differences) {
  Seed(1307);
  for (const Boundary boundary : {Boundary::Valid, Boundary::Circular})
    for (const std::size_t s : {1, 2, 3}) {
      StridedGeometry g;
      g.stride = s;
      g.paddingRows = 2;
      g.paddingCols = 1;
      const arma::uword H = 6 * s, W = 5 * s, C = 2, K = 3;
      FilterBank<double> filters = RandomFilters<double>(K, C, 4, 3);
      StridedConvOperator<double> op(filters, H, W, g, boundary);
      const arma::Cube<double> z(op.MapRows(), op.MapCols(), K, arma::fill::randn);
      const arma::Cube<double> signal(H, W, C, arma::fill::randn);
      const auto objective = [&](const FilterBank<double>& f) {
        StridedConvOperator<double> at(f, H, W, g, boundary);
        arma::Cube<double> image;
        at.Apply(z, image);
        return 0.5 * std::pow(arma::norm(arma::vectorise(image - signal)), 2);
      };
      arma::Cube<double> image;
      op.Apply(z, image);
      FilterBank<double> gradient;
      op.FilterGradient(z, arma::Cube<double>(image - signal), gradient);
      double worst = 0;
      const double step = 1e-5;
      for (arma::uword e = 0; e < filters.data.n_elem; e += 5) {
        FilterBank<double> plus = filters, minus = filters;
        plus.data[e] += step;
        minus.data[e] -= step;
        const double numeric = (objective(plus) - objective(minus)) / (2 * step);
        worst = std::max(worst, std::abs(numeric - gradient.data[e]) / (1 + std::abs(numeric)));
      }
      BOOST_TEST_CONTEXT(ToString(boundary) << " s " << s) {
        BOOST_TEST(worst <= Tolerance<double>::gradient);
      }
    }
}

// Learning through a strided layer: from images synthesised by a planted strided dictionary
// with sparse maps, the objective never rises from one outer iteration to the next, falls well
// below its start, every filter stays in the unit ball, and a saved state continues bit for bit.
BOOST_AUTO_TEST_CASE(learning_through_a_strided_layer) {
  for (Boundary boundary : {Boundary::Valid, Boundary::Circular}) {
    Seed(44);
    StridedGeometry g;
    g.stride = 2;
    g.paddingRows = g.paddingCols = 2;
    const arma::uword H = 24, W = 20, K = 4;
    const FilterBank<float> planted = RandomFilters<float>(K, 1, 5, 5, 3, false);
    StridedConvOperator<float> synthesis(planted, H, W, g, boundary);
    std::vector<Image<float>> images;
    for (int i = 0; i < 3; ++i) {
      arma::Cube<float> z(synthesis.MapRows(), synthesis.MapCols(), K, arma::fill::randn);
      z.for_each([](float& v) { v = std::abs(v) > 1.6f ? v : 0.0f; });
      Image<float> image;
      synthesis.Apply(z, image);
      images.push_back(image);
    }
    LearningOptions options;
    options.lambda = 0.05;
    options.iterations = 12;
    options.codingIterations = 10;
    options.boundary = boundary;
    const FilterBank<float> start = RandomFilters<float>(K, 1, 5, 5, 9, false);
    StridedLayerLearner<float> learner(options, images, start, g);
    BOOST_TEST(learner.MapsOf(0).n_rows == synthesis.MapRows());

    struct Objectives : Observer {
      std::vector<double> values;
      bool Observe(const IterationRecord& r) override {
        values.push_back(r.objective);
        return false;
      }
    } seen;
    options.iterations = 6;
    StridedLayerLearner<float> half(options, images, start, g);
    half.Run(&seen);
    const SavedState<float> saved = half.SaveState();
    half.Run(&seen);
    learner.Run();
    BOOST_TEST_CONTEXT(ToString(boundary)) {
      BOOST_REQUIRE(seen.values.size() == 12u);
      for (std::size_t i = 1; i < seen.values.size(); ++i)
        BOOST_TEST(seen.values[i] <= seen.values[i - 1] * (1 + Tolerance<float>::monotone), i);
      BOOST_TEST(seen.values.back() < 0.5 * seen.values.front());
      for (arma::uword k = 0; k < K; ++k)
        BOOST_TEST(arma::norm(arma::vectorise(learner.Dictionary().data.slice(k))) <= 1.0 + 1e-5);
      // Six and six iterations are the twelve of one run; a restored learner goes on alike.
      BOOST_TEST(
          arma::approx_equal(half.Dictionary().data, learner.Dictionary().data, "absdiff", 0.0f));
      StridedLayerLearner<float> resumed(options, images, start, g);
      resumed.RestoreState(saved);
      resumed.Run();
      BOOST_TEST(resumed.Iteration() == 12u);
      BOOST_TEST(arma::approx_equal(resumed.Dictionary().data, learner.Dictionary().data, "absdiff",
                                    0.0f));
      BOOST_TEST(arma::approx_equal(resumed.MapsOf(2), learner.MapsOf(2), "absdiff", 0.0f));
      // A state of another stride is refused.
      StridedGeometry other = g;
      other.stride = 1;
      StridedLayerLearner<float> stride1(options, images, start, other);
      BOOST_CHECK_THROW(stride1.RestoreState(saved), std::runtime_error);
    }
  }
  std::vector<Image<float>> images(2, Image<float>(12, 12, 1, arma::fill::randn));
  LearningOptions options;
  options.solver = "admm";
  options.boundary = Boundary::Circular;
  StridedGeometry g;
  g.stride = 2;
  const FilterBank<float> start = RandomFilters<float>(2, 1, 3, 3, 1, false);
  BOOST_CHECK_THROW(StridedLayerLearner<float>(options, images, start, g), std::invalid_argument);
  options.solver = "fista";
  g.stride = 5;  // does not divide 12
  BOOST_CHECK_THROW(StridedLayerLearner<float>(options, images, start, g), std::invalid_argument);
  g.stride = 2;
  images[1] = Image<float>(12, 10, 1, arma::fill::randn);
  BOOST_CHECK_THROW(StridedLayerLearner<float>(options, images, start, g), std::invalid_argument);
}
