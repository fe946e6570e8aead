// The "auto" solver: binds a problem to the solver ChooseSolver() (solvers/solver_choice.hpp)
// expects to be fastest for it, and forwards every call to that solver. The choice is made at
// Reset() and kept for the solver's life (OperatorChanged() keeps it: dictionary learning codes
// each image with one solver throughout), and it is part of the saved state.
#pragma once

#include <memory>
#include <string>

#include "solvers/csc_solver.hpp"
#include "solvers/solver_choice.hpp"

namespace dn {

template <typename T>
class AutoSolver : public CscSolver<T> {
public:
  explicit AutoSolver(bool keepSpectra = false) : keepSpectra_(keepSpectra) {}

  std::string Name() const override { return "auto"; }
  void Reset(const ConvOperator<T>& op, const Image<T>& signal, double lambda,
             const Maps<T>* start = nullptr, const Image<T>* weight = nullptr) override;
  SolveReport Solve(const SolveOptions& options, Observer* observer = nullptr) override;
  IterationRecord OperatorChanged() override;
  const Maps<T>& Solution() const override;
  const arma::Mat<Complex<T>>& SolutionSpectra() const override;
  IterationRecord Current() const override;
  //! Entries: number chosen (the index of the chosen solver in CscSolverNames()) and the chosen
  //! solver's own entries under "chosen/". Restoring a state whose choice differs from this
  //! solver's makes the saved choice (Reset() on the same problem) and restores into it.
  void Describe(StateArchive<T>& archive) override;

  //! The choice made by the last Reset() (or restored); throws std::logic_error before one.
  const SolverChoice& Choice() const;

private:
  CscSolver<T>& Chosen(const char* who) const;

  bool keepSpectra_;
  SolverChoice choice_;
  std::unique_ptr<CscSolver<T>> chosen_, restoring_;
  // The bound problem, for a restore into another choice.
  const ConvOperator<T>* op_ = nullptr;
  const Image<T>* signal_ = nullptr;
  const Image<T>* weight_ = nullptr;
  double lambda_ = 0.0;
};

extern template class AutoSolver<float>;
extern template class AutoSolver<double>;

}  // namespace dn
