#include "dictionary/filter_step.hpp"

namespace dn {

template <typename T>
bool BacktrackingFilterStep(FilterBank<T>& filters, const FilterBank<T>& gradient, double& fidelity,
                            double& lipschitz, const std::function<void(FilterBank<T>&)>& project,
                            const std::function<double(const FilterBank<T>&)>& fidelityAt) {
  double trialLipschitz = lipschitz;
  for (int attempt = 0; attempt < kMaxFilterBacktracking; ++attempt, trialLipschitz *= 2) {
    FilterBank<T> fresh = filters;
    fresh.data -= static_cast<T>(1.0 / trialLipschitz) * gradient.data;
    project(fresh);
    double inner = 0.0, distance = 0.0;
    for (arma::uword e = 0; e < fresh.data.n_elem; ++e) {
      const double delta = double(fresh.data[e]) - double(filters.data[e]);
      inner += double(gradient.data[e]) * delta;
      distance += delta * delta;
    }
    const double value = fidelityAt(fresh);
    if (value <= fidelity + inner + 0.5 * trialLipschitz * distance && value <= fidelity) {
      filters = std::move(fresh);
      fidelity = value;
      lipschitz = trialLipschitz;
      return true;
    }
  }
  return false;
}

template <typename T>
double HalfSquaredNorm(const arma::Cube<T>& x) {
  double sum = 0.0;
  for (arma::uword i = 0; i < x.n_elem; ++i) sum += double(x[i]) * double(x[i]);
  return 0.5 * sum;
}

template bool BacktrackingFilterStep(FilterBank<float>&, const FilterBank<float>&, double&, double&,
                                     const std::function<void(FilterBank<float>&)>&,
                                     const std::function<double(const FilterBank<float>&)>&);
template bool BacktrackingFilterStep(FilterBank<double>&, const FilterBank<double>&, double&,
                                     double&, const std::function<void(FilterBank<double>&)>&,
                                     const std::function<double(const FilterBank<double>&)>&);
template double HalfSquaredNorm(const arma::Cube<float>&);
template double HalfSquaredNorm(const arma::Cube<double>&);

}  // namespace dn
