// Uses the installed headers and library: applies a random dictionary and checks the adjoint.
#include "conv/conv_operator.hpp"
#include "dictionary/dictionary.hpp"

#include <cmath>
#include <cstdio>

int main() {
  const dn::FilterBank<double> filters = dn::RandomFilters<double>(4, 1, 5, 5, 1, false);
  dn::ConvOperator<double> op(filters, 20, 20, dn::Boundary::Valid);
  dn::Maps<double> z(op.MapRows(), op.MapCols(), 4, arma::fill::randn);
  dn::Image<double> r(20, 20, 1, arma::fill::randn);
  const double lhs = arma::accu(op.Apply(z) % r), rhs = arma::accu(z % op.Adjoint(r));
  std::printf("<Dz,r> = %.12g, <z,D^T r> = %.12g\n", lhs, rhs);
  return std::abs(lhs - rhs) <= 1e-9 * std::abs(lhs) ? 0 : 1;
}
