#include "solvers/csc_solver.hpp"

#include "solvers/proximal_gradient.hpp"

#include <stdexcept>

namespace dn {

std::string Describe(StopReason reason) {
  switch (reason) {
    case StopReason::IterationLimit: return "the iteration limit was reached";
    case StopReason::Tolerance: return "the relative change fell below the tolerance";
    case StopReason::Observer: return "an observer asked to stop";
  }
  return "unknown";
}

std::vector<std::string> CscSolverNames() { return {"ista", "fista"}; }

template <typename T>
std::unique_ptr<CscSolver<T>> MakeCscSolver(const std::string& name, bool keepSpectra) {
  if (name == "fista") return std::make_unique<ProximalGradientSolver<T>>(true, keepSpectra);
  if (name == "ista") return std::make_unique<ProximalGradientSolver<T>>(false, keepSpectra);
  throw std::invalid_argument("unknown solver '" + name + "' (expected ista or fista)");
}

template std::unique_ptr<CscSolver<float>> MakeCscSolver(const std::string&, bool);
template std::unique_ptr<CscSolver<double>> MakeCscSolver(const std::string&, bool);

} // namespace dn
