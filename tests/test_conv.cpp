// The dictionary operator: FFT implementation against the direct loop, the adjoint identity,
// and the Lipschitz constant.
#define BOOST_TEST_MODULE conv
#include "conv/conv_operator.hpp"
#include "conv/direct_conv.hpp"
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

BOOST_AUTO_TEST_CASE(rejects_bad_shapes) {
  FilterBank<double> filters = test::RandomFilters<double>(2, 1, 5, 5);
  BOOST_CHECK_THROW(ConvOperator<double>(filters, 4, 10, Boundary::Valid), std::invalid_argument);
  BOOST_CHECK_THROW(ConvOperator<double>(FilterBank<double>(), 10, 10, Boundary::Valid),
                    std::invalid_argument);
  ConvOperator<double> op(filters, 10, 10, Boundary::Circular);
  BOOST_CHECK_THROW(op.Apply(Maps<double>(10, 10, 3)), std::invalid_argument);
  BOOST_CHECK_THROW(op.Adjoint(Image<double>(9, 10, 1)), std::invalid_argument);
  BOOST_CHECK_THROW(op.SetFilters(test::RandomFilters<double>(3, 1, 5, 5)), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
