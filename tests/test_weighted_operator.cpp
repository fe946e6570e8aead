// A data weight (solvers/weighted_operator.hpp): 1/2 ||W (A z - s)||^2 + lambda ||z||_1 solved by
// FISTA through W A. An all-ones weight gives the unweighted solve exactly; the KKT conditions
// hold with the weight (gradient A^T W^2 (A z - s)); pixels of weight 0 do not influence the
// solution; the known pixels of a planted signal are reproduced within the fidelity the objective
// allows; bad weights are refused. The operator is a stride-1 StridedConvOperator, the ordinary
// dictionary operator as a LinearOperator.
#define BOOST_TEST_MODULE weighted_operator
#include <boost/test/unit_test.hpp>

#include "conv/strided_conv_operator.hpp"
#include "solvers/operator_fista.hpp"
#include "solvers/weighted_operator.hpp"
#include "test_support.hpp"

using namespace dn;
using namespace dn::test;

namespace {

template <typename T>
arma::Cube<T> Solve(LinearOperator<T>& op, const arma::Cube<T>& signal, double lambda,
                    std::size_t iterations) {
  OperatorFista<T> fista(lambda, true);
  OperatorFistaState<T> state;
  fista.Start(op, signal, state);
  SolveOptions options;
  options.maxIterations = iterations;
  fista.Solve(op, signal, state, options);
  return state.x;
}

//! A random 0/1 mask keeping about `known` of the entries.
template <typename T>
arma::Cube<T> RandomMask(arma::uword rows, arma::uword cols, arma::uword channels, double known) {
  arma::Cube<T> mask(rows, cols, channels, arma::fill::randu);
  return arma::conv_to<arma::Cube<T>>::from(
      arma::Cube<double>(arma::conv_to<arma::Cube<double>>::from(mask).transform(
          [known](double u) { return u < known ? 1.0 : 0.0; })));
}

template <typename T>
void CheckKkt(Boundary boundary, arma::uword C, unsigned long seed) {
  Seed(seed);
  const FilterBank<T> filters = RandomFilters<T>(4, C, 5, 5);
  StridedConvOperator<T> plain(filters, 20, 18, StridedGeometry::Ordinary(5, 5, boundary),
                               boundary);
  const arma::Cube<T> signal(20, 18, C, arma::fill::randn);
  WeightedOperator<T> op(plain, RandomMask<T>(20, 18, C, 0.5));
  const double lambda = 0.1;
  // Masked problems are ill-conditioned: FISTA needs many iterations to the table's tolerance.
  const arma::Cube<T> z =
      Solve<T>(op, op.Weighted(signal), lambda, std::is_same_v<T, double> ? 30000 : 3000);
  arma::Cube<T> fitted, gradient;
  op.Apply(z, fitted);
  op.Adjoint(arma::Cube<T>(fitted - op.Weighted(signal)), gradient);  // A^T W^2 (A z - s)
  double violation = 0;
  for (arma::uword i = 0; i < z.n_elem; ++i) {
    const double g = gradient[i];
    violation = std::max(violation, z[i] != 0 ? std::abs(g + lambda * (z[i] > 0 ? 1 : -1))
                                              : std::max(0.0, std::abs(g) - lambda));
  }
  BOOST_TEST_MESSAGE(ToString(boundary) << " C " << C << ": KKT violation " << violation / lambda
                                        << " of lambda, " << arma::accu(z != T(0)) << " non-zeros");
  BOOST_TEST(violation <= Tolerance<T>::kkt * lambda);
}

}  // namespace

BOOST_AUTO_TEST_CASE(all_ones_weight_is_the_unweighted_solve) {
  Seed(1501);
  const FilterBank<double> filters = RandomFilters<double>(3, 1, 4, 4);
  StridedConvOperator<double> plain(
      filters, 16, 16, StridedGeometry::Ordinary(4, 4, Boundary::Valid), Boundary::Valid);
  const arma::Cube<double> signal(16, 16, 1, arma::fill::randn);
  WeightedOperator<double> ones(plain, arma::Cube<double>(16, 16, 1, arma::fill::ones));
  const arma::Cube<double> weighted = Solve<double>(ones, ones.Weighted(signal), 0.1, 100);
  const arma::Cube<double> unweighted = Solve<double>(plain, signal, 0.1, 100);
  BOOST_TEST(arma::approx_equal(weighted, unweighted, "absdiff", 0.0));
}

BOOST_AUTO_TEST_CASE(kkt_conditions_hold_with_a_mask) {
  CheckKkt<double>(Boundary::Valid, 1, 1502);
  CheckKkt<double>(Boundary::Circular, 3, 1503);
  CheckKkt<float>(Boundary::Valid, 3, 1504);
  CheckKkt<float>(Boundary::Circular, 1, 1505);
}

BOOST_AUTO_TEST_CASE(unknown_pixels_do_not_matter_and_known_ones_are_reproduced) {
  Seed(1506);
  const FilterBank<double> filters = RandomFilters<double>(4, 1, 6, 6);
  StridedConvOperator<double> plain(
      filters, 32, 32, StridedGeometry::Ordinary(6, 6, Boundary::Valid), Boundary::Valid);
  arma::Cube<double> planted(plain.MapRows(), plain.MapCols(), 4, arma::fill::zeros);
  for (int n = 0; n < 15; ++n)
    planted(arma::randi<arma::uword>(arma::distr_param(0, int(plain.MapRows()) - 1)),
            arma::randi<arma::uword>(arma::distr_param(0, int(plain.MapCols()) - 1)),
            arma::randi<arma::uword>(arma::distr_param(0, 3))) = arma::randn() + 3.0;
  arma::Cube<double> signal;
  plain.Apply(planted, signal);
  const arma::Cube<double> mask = RandomMask<double>(32, 32, 1, 0.5);
  WeightedOperator<double> op(plain, mask);
  const double lambda = 0.02;
  const arma::Cube<double> z = Solve<double>(op, op.Weighted(signal), lambda, 1500);
  // Garbage where the mask is 0 changes nothing.
  arma::Cube<double> corrupted = signal;
  corrupted.elem(arma::find(mask == 0.0)).randn();
  corrupted.elem(arma::find(mask == 0.0)) *= 100.0;
  BOOST_TEST(arma::approx_equal(Solve<double>(op, op.Weighted(corrupted), lambda, 1500), z,
                                "absdiff", 0.0));
  // F(z) <= F(planted) = lambda ||planted||_1 bounds the fidelity on the known pixels.
  arma::Cube<double> fitted;
  op.Apply(z, fitted);
  const double fidelity =
      0.5 * std::pow(arma::norm(arma::vectorise(fitted - op.Weighted(signal))), 2);
  BOOST_TEST(fidelity + lambda * arma::accu(arma::abs(z)) <=
             lambda * arma::accu(arma::abs(planted)) * (1 + 1e-9));
  BOOST_TEST_MESSAGE("known pixels: fidelity " << fidelity << ", planted l1 "
                                               << arma::accu(arma::abs(planted)));
}

BOOST_AUTO_TEST_CASE(bad_weights_are_refused) {
  const FilterBank<double> filters = RandomFilters<double>(2, 1, 3, 3);
  StridedConvOperator<double> plain(filters, 8, 8, StridedGeometry::Ordinary(3, 3, Boundary::Valid),
                                    Boundary::Valid);
  const auto message = [&](arma::Cube<double> weight) {
    try {
      WeightedOperator<double> op(plain, std::move(weight));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  arma::Cube<double> weight(8, 8, 1, arma::fill::ones);
  BOOST_TEST(message(arma::Cube<double>()) == "the mask is empty");
  BOOST_TEST(message(arma::Cube<double>(8, 8, 1, arma::fill::zeros)) ==
             "the mask is zero everywhere: no known pixel");
  weight(3, 3, 0) = -1;
  BOOST_TEST(message(weight) == "the mask holds negative weights");
  weight(3, 3, 0) = arma::datum::nan;
  BOOST_TEST(message(weight) == "the mask holds NaN or infinite weights");
  WeightedOperator<double> wrong(plain, arma::Cube<double>(7, 8, 1, arma::fill::ones));
  arma::Cube<double> out;
  BOOST_CHECK_THROW(wrong.Apply(arma::Cube<double>(10, 10, 2, arma::fill::ones), out),
                    std::invalid_argument);
  BOOST_CHECK_THROW(wrong.Weighted(arma::Cube<double>(8, 8, 1)), std::invalid_argument);
}
