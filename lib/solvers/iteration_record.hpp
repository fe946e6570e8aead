// Per-iteration statistics as data, and the one observer interface that solvers, learners and
// network trainers report them to.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace dn {

//! One record per iteration of a solver, a learner or a network layer's learner.
//! objective = fidelity + lambda * l1 (solvers/proximal.hpp), where fidelity = 1/2 ||D z - s||^2
//! and l1 = ||z||_1, all at the iterate z after the iteration (for a learner: summed over the
//! training images, at the new dictionary).
struct IterationRecord {
  std::size_t iteration = 0;  //!< 1-based, counted over all Solve() / Run() calls
  double seconds = 0.0;       //!< wall time so far (no set-up, no planning)
  double objective = 0.0;
  double fidelity = 0.0;
  double l1 = 0.0;
  double density = 0.0;           //!< fraction of non-zero map entries (a learner: mean per image)
  double relativeChange = 0.0;    //!< ||z_new - z_old|| / ||z_new|| (a learner: of the filters)
  std::size_t layer = 0;          //!< 1-based layer of a network being trained; 0 outside one
  std::size_t rejectedSteps = 0;  //!< a learner: dictionary steps rejected so far
  //! A learning run with held-out images (run/held_out.hpp): their mean objective at the new
  //! dictionary; NaN when not evaluated at this iteration.
  double testObjective = std::numeric_limits<double>::quiet_NaN();
};

enum class StopReason { IterationLimit, Tolerance, Observer };
//! One sentence per stop reason.
std::string Describe(StopReason reason);

//! What Observer::Begin() announces.
struct ObservedRun {
  std::string what;       //!< the solver's name ("fista", ...) or the learner's ("batch", "pixel")
  std::size_t layer = 0;  //!< 1-based layer of a network being trained; 0 outside one
  std::size_t iterations = 0;  //!< planned in this call (fewer when stopped early)
};

//! Watches one iterative run (a solver's Solve(), a learner's Run(), a network layer's training):
//! Begin() before the first iteration, Observe() after each (true stops the run after that
//! iteration), End() after the last with its record and why the run stopped. A run that throws
//! (e.g. DivergenceError) ends without End().
class Observer {
public:
  virtual ~Observer() = default;
  virtual void Begin(const ObservedRun& /*run*/) {}
  virtual bool Observe(const IterationRecord& record) = 0;
  virtual void End(const IterationRecord& /*last*/, StopReason /*reason*/) {}
};

//! Keeps every record (e.g. to write history CSV afterwards).
class RecordKeeper : public Observer {
public:
  bool Observe(const IterationRecord& record) override {
    records.push_back(record);
    return false;
  }
  std::vector<IterationRecord> records;
};

//! Forwards to several observers, in the order added; stops when any asks to (all still see the
//! record).
class ObserverList : public Observer {
public:
  void Add(Observer* observer) { observers_.push_back(observer); }
  void Begin(const ObservedRun& run) override {
    for (Observer* o : observers_) o->Begin(run);
  }
  bool Observe(const IterationRecord& record) override {
    bool stop = false;
    for (Observer* o : observers_) stop = o->Observe(record) || stop;
    return stop;
  }
  void End(const IterationRecord& last, StopReason reason) override {
    for (Observer* o : observers_) o->End(last, reason);
  }

private:
  std::vector<Observer*> observers_;
};

//! The CSV header and one row, columns
//! iteration,seconds,objective,fidelity,l1,density,relative_change.
std::string CsvHeader();
std::string CsvRow(const IterationRecord& record);

}  // namespace dn
