#include "solvers/auto_solver.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dn {

template <typename T>
SolverChoice ChooseSolver(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                          const Image<T>* weight) {
  Image<T> data = signal;
  if (weight) ApplySquaredWeight(data, Image<T>(arma::square(*weight)));
  const Maps<T> correlation = op.Adjoint(data);
  std::size_t violators = 0;
  const T threshold = static_cast<T>(lambda);
  for (const T g : correlation) violators += std::abs(g) > threshold;
  SolverChoice choice;
  choice.violators =
      correlation.n_elem ? static_cast<double>(violators) / static_cast<double>(correlation.n_elem)
                         : 0.0;
  const bool decoupled = weight || op.BoundaryMode() == Boundary::Valid;
  const double limit = decoupled ? kValidCdLimit : kCircularCdLimit;
  choice.solver = choice.violators <= limit ? "cd" : "admm";
  return choice;
}

template <typename T>
void AutoSolver<T>::Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
                          const Maps<T>* start, const Image<T>* weight) {
  CheckResetArguments(op, signal, lambda, start, weight, "CscSolver::Reset()");
  SolverChoice choice = ChooseSolver(op, signal, lambda, weight);
  std::unique_ptr<CscSolver<T>> chosen = MakeCscSolver<T>(choice.solver, keepSpectra_);
  chosen->Reset(op, signal, lambda, start, weight);
  choice_ = std::move(choice);
  chosen_ = std::move(chosen);
  op_ = &op;
  signal_ = &signal;
  weight_ = weight;
  lambda_ = lambda;
}

template <typename T>
CscSolver<T>& AutoSolver<T>::Chosen(const char* who) const {
  if (!chosen_) throw std::logic_error(std::string(who) + ": Reset() was not called");
  return *chosen_;
}

template <typename T>
SolveReport AutoSolver<T>::Solve(const SolveOptions& options, Observer* observer) {
  return Chosen("CscSolver::Solve()").Solve(options, observer);
}

template <typename T>
IterationRecord AutoSolver<T>::OperatorChanged() {
  return Chosen("CscSolver::OperatorChanged()").OperatorChanged();
}

template <typename T>
const Maps<T>& AutoSolver<T>::Solution() const {
  return Chosen("CscSolver::Solution()").Solution();
}

template <typename T>
const arma::Mat<Complex<T>>& AutoSolver<T>::SolutionSpectra() const {
  return Chosen("CscSolver::SolutionSpectra()").SolutionSpectra();
}

template <typename T>
IterationRecord AutoSolver<T>::Current() const {
  return Chosen("CscSolver::Current()").Current();
}

template <typename T>
const SolverChoice& AutoSolver<T>::Choice() const {
  Chosen("AutoSolver::Choice()");
  return choice_;
}

template <typename T>
void AutoSolver<T>::Describe(StateArchive<T>& a) {
  Chosen(a.Reading() ? "CscSolver::RestoreState()" : "CscSolver::SaveState()");
  const std::vector<std::string> names = CscSolverNames();
  const auto index = [&](const std::string& name) {
    return static_cast<double>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  const double saved = a.NumberValue("chosen", index(choice_.solver));
  if (!a.Reading() || saved == index(choice_.solver)) {
    a.Part("chosen", [&] { chosen_->Describe(a); });
    return;
  }
  const bool known = saved >= 0 && saved < static_cast<double>(names.size()) &&
                     saved == std::floor(saved) && names[static_cast<std::size_t>(saved)] != "auto";
  a.Require(known, "chosen is not a solver");
  // The state chose another solver (for another dictionary): bind that one to this problem and
  // restore into it; it replaces the current one only when the whole state was read.
  restoring_ = MakeCscSolver<T>(names[static_cast<std::size_t>(saved)], keepSpectra_);
  restoring_->Reset(*op_, *signal_, lambda_, nullptr, weight_);
  a.Part("chosen", [&] { restoring_->Describe(a); });
  SolverChoice choice{names[static_cast<std::size_t>(saved)], choice_.violators};
  a.OnCommit([this, choice] {
    chosen_ = std::move(restoring_);
    choice_ = choice;
  });
}

template SolverChoice ChooseSolver(const ConvOperator<float>&, const Image<float>&, double,
                                   const Image<float>*);
template SolverChoice ChooseSolver(const ConvOperator<double>&, const Image<double>&, double,
                                   const Image<double>*);
template class AutoSolver<float>;
template class AutoSolver<double>;

}  // namespace dn
