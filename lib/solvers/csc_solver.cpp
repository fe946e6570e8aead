#include "solvers/csc_solver.hpp"

#include "solvers/admm.hpp"
#include "solvers/auto_solver.hpp"
#include "solvers/coordinate_descent.hpp"
#include "solvers/proximal_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dn {

bool ShouldStop(const IterationRecord& record, const SolveOptions& options, Observer* observer,
                SolveReport& report, const char* who) {
  if (!std::isfinite(record.objective))
    throw DivergenceError(std::string(who) + ": the objective is not finite (diverged)");
  if (observer && observer->Observe(record)) {
    report.reason = StopReason::Observer;
    return true;
  }
  if (options.tolerance > 0.0 && record.relativeChange < options.tolerance) {
    report.reason = StopReason::Tolerance;
    return true;
  }
  return false;
}

template <typename T> double CheckedLipschitz(const ConvOperator<T>& op, const char* who) {
  const double lipschitz = op.Lipschitz();
  if (!(lipschitz > 0.0) || !std::isfinite(lipschitz))
    throw std::invalid_argument(std::string(who) + ": the dictionary is zero or not finite");
  return lipschitz;
}

template <typename T>
double CheckResetArguments(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                           const Maps<T>* start, const Image<T>* weight, const char* who) {
  op.CheckImage(signal, who);
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    throw std::invalid_argument(std::string(who) + ": lambda must be finite and >= 0");
  if (start) op.CheckMaps(*start, who);
  if (weight) {
    if (weight->n_rows != signal.n_rows || weight->n_cols != signal.n_cols ||
        weight->n_slices != signal.n_slices)
      throw std::invalid_argument(std::string(who) + ": the weight is not shaped as the signal");
    bool positive = false;
    for (const T w : *weight) {
      if (!std::isfinite(w) || w < T(0))
        throw std::invalid_argument(std::string(who) +
                                    ": the weight must be finite and >= 0 everywhere");
      positive = positive || w > T(0);
    }
    if (!positive) throw std::invalid_argument(std::string(who) + ": the weight is zero everywhere");
  }
  return CheckedLipschitz(op, who);
}

template <typename T> void ApplySquaredWeight(Image<T>& values, const Image<T>& squaredWeight) {
  for (arma::uword i = 0; i < values.n_elem; ++i)
    values[i] = squaredWeight[i] == T(0) ? T(0) : squaredWeight[i] * values[i];
}

template <typename T> double MaxWeight(const Image<T>& weight) {
  return weight.is_empty() ? 0.0 : static_cast<double>(weight.max());
}

template <typename T> void DescribeRecord(StateArchive<T>& a, IterationRecord& record) {
  a.Count("iteration", record.iteration);
  a.Number("seconds", record.seconds);
  a.Number("objective", record.objective);
  a.Number("fidelity", record.fidelity);
  a.Number("l1", record.l1);
  a.Number("density", record.density);
  a.Number("relative_change", record.relativeChange);
}

template <typename T> SavedState<T> CscSolver<T>::SaveState() const {
  return SaveDescribed<T>(*this);
}

template <typename T> void CscSolver<T>::RestoreState(const SavedState<T>& state) {
  RestoreDescribed(state, *this, "CscSolver::RestoreState(): ");
}

std::vector<std::string> CscSolverNames() { return {"auto", "ista", "fista", "admm", "cd"}; }

void CheckSolverSupports(const std::string& name, Boundary) {
  const std::vector<std::string> names = CscSolverNames();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw std::invalid_argument("unknown solver '" + name +
                                "' (expected auto, ista, fista, admm or cd)");
}

bool CodesThroughOperator(const std::string& name) {
  return name == "auto" || name == "ista" || name == "fista";
}

bool OperatorMomentum(const std::string& name) { return name == "auto" || name == "fista"; }

template <typename T>
std::unique_ptr<CscSolver<T>> MakeCscSolver(const std::string& name, bool keepSpectra) {
  if (name == "fista") return std::make_unique<ProximalGradientSolver<T>>(true, keepSpectra);
  if (name == "ista") return std::make_unique<ProximalGradientSolver<T>>(false, keepSpectra);
  if (name == "admm") return std::make_unique<AdmmSolver<T>>();
  if (name == "cd") return std::make_unique<CoordinateDescentSolver<T>>(keepSpectra);
  if (name == "auto") return std::make_unique<AutoSolver<T>>(keepSpectra);
  throw std::invalid_argument("unknown solver '" + name +
                              "' (expected auto, ista, fista, admm or cd)");
}

template double CheckedLipschitz(const ConvOperator<float>&, const char*);
template double CheckedLipschitz(const ConvOperator<double>&, const char*);
template double CheckResetArguments(const ConvOperator<float>&, const Image<float>&, double,
                                    const Maps<float>*, const Image<float>*, const char*);
template double CheckResetArguments(const ConvOperator<double>&, const Image<double>&, double,
                                    const Maps<double>*, const Image<double>*, const char*);
template void ApplySquaredWeight(Image<float>&, const Image<float>&);
template void ApplySquaredWeight(Image<double>&, const Image<double>&);
template double MaxWeight(const Image<float>&);
template double MaxWeight(const Image<double>&);
template void DescribeRecord(StateArchive<float>&, IterationRecord&);
template void DescribeRecord(StateArchive<double>&, IterationRecord&);
template class CscSolver<float>;
template class CscSolver<double>;
template std::unique_ptr<CscSolver<float>> MakeCscSolver(const std::string&, bool);
template std::unique_ptr<CscSolver<double>> MakeCscSolver(const std::string&, bool);

} // namespace dn
