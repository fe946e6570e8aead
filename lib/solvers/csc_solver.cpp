#include "solvers/csc_solver.hpp"

#include "solvers/admm.hpp"
#include "solvers/proximal_gradient.hpp"

#include <algorithm>
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

std::vector<std::string> CscSolverNames() { return {"ista", "fista", "admm"}; }

void CheckSolverSupports(const std::string& name, Boundary boundary) {
  const std::vector<std::string> names = CscSolverNames();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw std::invalid_argument("unknown solver '" + name + "' (expected ista, fista or admm)");
  if (name == "admm" && boundary != Boundary::Circular)
    throw std::invalid_argument(
        "the admm solver supports only the circular boundary (use fista or ista for valid)");
}

template <typename T>
std::unique_ptr<CscSolver<T>> MakeCscSolver(const std::string& name, bool keepSpectra) {
  if (name == "fista") return std::make_unique<ProximalGradientSolver<T>>(true, keepSpectra);
  if (name == "ista") return std::make_unique<ProximalGradientSolver<T>>(false, keepSpectra);
  if (name == "admm") return std::make_unique<AdmmSolver<T>>();
  throw std::invalid_argument("unknown solver '" + name + "' (expected ista, fista or admm)");
}

template std::unique_ptr<CscSolver<float>> MakeCscSolver(const std::string&, bool);
template std::unique_ptr<CscSolver<double>> MakeCscSolver(const std::string&, bool);

} // namespace dn
