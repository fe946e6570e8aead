// The dictionary operator: FFT implementation against the direct loop, the adjoint identity,
// the Lipschitz constant, and the sparse synthesis against both.
#define BOOST_TEST_MODULE conv
#include "conv/conv_operator.hpp"
#include "conv/direct_conv.hpp"
#include "conv/sparse_synthesis.hpp"
#include "core/threads.hpp"
#include "core/work_count.hpp"
#include "test_support.hpp"

#include <boost/mpl/list.hpp>

using namespace dn;
using Types = boost::mpl::list<float, double>;

namespace {
struct Shape {
  arma::uword H, W, h, w, K, C;
  Boundary boundary;
};
const Shape kShapes[] = {
    {12, 9, 3, 4, 3, 1, Boundary::Valid},   {11, 16, 5, 5, 2, 3, Boundary::Valid},
    {12, 9, 3, 4, 3, 1, Boundary::Circular}, {11, 16, 4, 5, 2, 3, Boundary::Circular},
    {7, 7, 7, 7, 2, 1, Boundary::Valid},    {8, 10, 1, 1, 2, 1, Boundary::Circular},
    {15, 10, 3, 2, 3, 1, Boundary::Valid},  {15, 15, 3, 3, 2, 3, Boundary::Valid},  // 17 -> grid 18
};
} // namespace

BOOST_AUTO_TEST_SUITE(conv)

BOOST_AUTO_TEST_CASE_TEMPLATE(fft_matches_direct_loop, T, Types) {
  test::Seed(11);
  for (const Shape& s : kShapes) {
    FilterBank<T> filters = test::RandomFilters<T>(s.K, s.C, s.h, s.w);
    ConvOperator<T> op(filters, s.H, s.W, s.boundary);
    Maps<T> maps(op.MapRows(), op.MapCols(), s.K, arma::fill::randn);
    Image<T> residual(s.H, s.W, s.C, arma::fill::randn);

    const Image<T> fast = op.Apply(maps);
    const Image<T> slow = DirectApply(filters, maps, s.H, s.W, s.boundary);
    BOOST_TEST(test::MaxAbs<T>(fast - slow) <= test::Tolerance<T>::fftVsDirect * test::MaxAbs(slow),
               "apply " << ToString(s.boundary) << " C=" << s.C);
    const Maps<T> fastAdj = op.Adjoint(residual);
    const Maps<T> slowAdj = DirectAdjoint(filters, residual, s.boundary);
    BOOST_TEST(test::MaxAbs<T>(fastAdj - slowAdj) <=
                   test::Tolerance<T>::fftVsDirect * test::MaxAbs(slowAdj),
               "adjoint " << ToString(s.boundary) << " C=" << s.C);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adjoint_identity, T, Types) {
  test::Seed(12);
  for (const Shape& s : kShapes) {
    ConvOperator<T> op(test::RandomFilters<T>(s.K, s.C, s.h, s.w), s.H, s.W, s.boundary);
    Maps<T> z(op.MapRows(), op.MapCols(), s.K, arma::fill::randn);
    Image<T> r(s.H, s.W, s.C, arma::fill::randn);
    const double lhs = test::Dot(op.Apply(z), r);
    const double rhs = test::Dot(z, op.Adjoint(r));
    BOOST_TEST(std::abs(lhs - rhs) <= test::Tolerance<T>::adjoint * (std::abs(lhs) + 1.0),
               "<Dz,r>=" << lhs << " <z,D^T r>=" << rhs);
  }
}

// Power iteration on D^T D: a lower bound of the largest eigenvalue that converges to it.
template <typename T> double PowerIteration(const ConvOperator<T>& op, int steps) {
  Maps<T> z(op.MapRows(), op.MapCols(), op.FilterCount(), arma::fill::randn);
  double estimate = 0;
  for (int i = 0; i < steps; ++i) {
    z /= static_cast<T>(std::sqrt(test::Dot(z, z)));
    Maps<T> next = op.Adjoint(op.Apply(z));
    estimate = test::Dot(z, next);
    z = next;
  }
  return estimate;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(lipschitz_is_tight_upper_bound, T, Types) {
  test::Seed(13);
  for (const Shape& s : kShapes) {
    ConvOperator<T> op(test::RandomFilters<T>(s.K, s.C, s.h, s.w), s.H, s.W, s.boundary);
    const double L = op.Lipschitz();
    const double power = PowerIteration(op, 3000);
    BOOST_TEST(power <= L * (1 + test::Tolerance<T>::lipschitz), "power " << power << " L " << L);
    // Circular: exact. Valid: the crop loses little on these sizes.
    const double tight = s.boundary == Boundary::Circular ? 1 - 1e-3 : 0.5;
    BOOST_TEST(power >= tight * L, ToString(s.boundary) << " power " << power << " L " << L);
  }
}

BOOST_AUTO_TEST_CASE(valid_grid_is_a_fast_size) {
  BOOST_TEST(FastFftSize(263) == 264u);  // 8 * 3 * 11
  BOOST_TEST(FastFftSize(17) == 18u);
  BOOST_TEST(FastFftSize(11) == 11u);
  BOOST_TEST(FastFftSize(135) == 135u);
  BOOST_TEST(FastFftSize(1) == 1u);
  ConvOperator<double> op(test::RandomFilters<double>(2, 1, 3, 3), 15, 15, Boundary::Valid);
  BOOST_TEST(op.MapRows() == 17u);
  BOOST_TEST(op.GridRows() == 18u);
  BOOST_TEST(op.Padded());
}

namespace {
//! Standard normal maps with about `density` of their values non-zero, and the last value of map
//! 0 set so that a window wraps around the grid.
template <typename T>
Maps<T> SparseMaps(const ConvOperator<T>& op, double density) {
  Maps<T> maps(op.MapRows(), op.MapCols(), op.FilterCount(), arma::fill::randn);
  const arma::Cube<T> draw(arma::size(maps), arma::fill::randu);
  for (arma::uword i = 0; i < maps.n_elem; ++i)
    if (draw[i] > density) maps[i] = 0;
  maps(op.MapRows() - 1, op.MapCols() - 1, 0) = 1;
  return maps;
}

template <typename T>
Image<T> CropGrid(const ConvOperator<T>& op, const arma::Mat<T>& grid) {
  Image<T> image(op.ImageRows(), op.ImageCols(), op.Channels());
  for (arma::uword c = 0; c < op.Channels(); ++c) op.Crop(grid.colptr(c), image.slice(c).memptr());
  return image;
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(sparse_synthesis_matches_fft_and_direct_loop, T, Types) {
  test::Seed(15);
  for (const Shape& s : kShapes) {
    FilterBank<T> filters = test::RandomFilters<T>(s.K, s.C, s.h, s.w);
    if (s.C > 1) filters.Filter(0, 1).zeros();  // an unconnected pair
    ConvOperator<T> op(filters, s.H, s.W, s.boundary);
    for (double density : {0.0, 0.1, 1.0}) {
      const Maps<T> maps = SparseMaps(op, density);
      arma::Mat<T> grid;
      NonzeroColumns<T> nonzeros;
      const WorkCount before = WorkDone();
      SynthesizeSparse(op, maps, nonzeros, grid);
      const WorkCount work = WorkDone() - before;
      const Image<T> sparse = CropGrid(op, grid);
      const Image<T> slow = DirectApply(filters, maps, s.H, s.W, s.boundary);
      const std::string what = ToString(s.boundary) + " " + std::to_string(s.H) + "x" +
                               std::to_string(s.W) + " C=" + std::to_string(s.C) +
                               " density " + std::to_string(density);
      BOOST_TEST(test::MaxAbs<T>(sparse - slow) <=
                     test::Tolerance<T>::fftVsDirect * test::MaxAbs(slow), what);
      BOOST_TEST(test::MaxAbs<T>(sparse - op.Apply(maps)) <=
                     test::Tolerance<T>::fftVsDirect * test::MaxAbs(slow), what);
      // One window operation per non-zero and connected channel, no transform.
      std::uint64_t windows = 0;
      for (arma::uword k = 0; k < s.K; ++k)
        windows += arma::accu(maps.slice(k) != T(0)) * op.ChannelsOf(k).size();
      BOOST_TEST(work.windowOps == windows, what);
      BOOST_TEST(work.windowTaps == windows * s.h * s.w, what);
      BOOST_TEST(work.ffts == 0u, what);
    }
  }
}

BOOST_AUTO_TEST_CASE(sparse_synthesis_is_the_same_for_every_thread_count) {
  // Each output value sums its terms in the same order whatever columns a thread owns.
  test::Seed(16);
  const int before = ThreadCount();
  for (const Shape& s : kShapes) {
    ConvOperator<float> op(test::RandomFilters<float>(s.K, s.C, s.h, s.w), s.H, s.W, s.boundary);
    const Maps<float> maps = SparseMaps(op, 0.3);
    arma::Mat<float> reference;
    NonzeroColumns<float> gathered;
    ConfigureThreads(1);
    SynthesizeSparse(op, maps, gathered, reference);
    for (int threads : {2, 3, 7}) {
      ConfigureThreads(threads);
      arma::Mat<float> grid;
      SynthesizeSparse(op, maps, gathered, grid);
      BOOST_TEST(arma::approx_equal(grid, reference, "absdiff", 0.0f),
                 ToString(s.boundary) << " C=" << s.C << " threads " << threads);
    }
    // Gathered by hand, one thread writing every column.
    NonzeroColumns<float> nonzeros;
    nonzeros.Resize(maps.n_rows, maps.n_cols, maps.n_slices);
    for (arma::uword k = 0; k < maps.n_slices; ++k) nonzeros.Gather(k, maps.slice(k).memptr());
    arma::Mat<float> grid(op.Fft().Size(), s.C);
    SynthesizeSparseColumns(op, nonzeros, grid, 0, op.GridCols());
    BOOST_TEST(arma::approx_equal(grid, reference, "absdiff", 0.0f), "one range " << ToString(s.boundary));
  }
  ConfigureThreads(before);
}

BOOST_AUTO_TEST_CASE(rejects_bad_shapes) {
  FilterBank<double> filters = test::RandomFilters<double>(2, 1, 5, 5);
  BOOST_CHECK_THROW(ConvOperator<double>(filters, 4, 10, Boundary::Valid), std::invalid_argument);
  BOOST_CHECK_THROW(ConvOperator<double>(FilterBank<double>(), 10, 10, Boundary::Valid),
                    std::invalid_argument);
  ConvOperator<double> op(filters, 10, 10, Boundary::Circular);
  BOOST_CHECK_THROW(op.Apply(Maps<double>(10, 10, 3)), std::invalid_argument);
  BOOST_CHECK_THROW(op.Adjoint(Image<double>(9, 10, 1)), std::invalid_argument);
  BOOST_CHECK_THROW(op.SetFilters(test::RandomFilters<double>(3, 1, 5, 5)), std::invalid_argument);
  arma::Mat<double> grid;
  NonzeroColumns<double> nonzeros;
  BOOST_CHECK_THROW(SynthesizeSparse(op, Maps<double>(10, 10, 3), nonzeros, grid),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
