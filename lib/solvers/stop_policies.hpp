// Stop policies: observers that end a run early. A solver's Solve() and a learner's Run() ask
// their observer after every iteration whether to stop; these answer from the iteration record.
// Combine them with other observers (a RecordKeeper, progress) through an ObserverList.
#pragma once

#include "solvers/iteration_record.hpp"

namespace dn {

//! Stops once the objective reaches the target (objective <= target), e.g. a reference
//! objective F* times 1 + a tolerance, to time a run to that accuracy. A NaN target never stops.
class TargetObjectiveStop : public IterationObserver {
public:
  explicit TargetObjectiveStop(double target) : target_(target) {}
  bool Observe(const IterationRecord& record) override;

private:
  double target_;
};

//! Stops once the run's wall time, as its records count it (IterationRecord::seconds: no set-up,
//! no planning), reaches the limit: the iteration that crosses it is the last.
class TimeLimitStop : public IterationObserver {
public:
  //! Throws std::invalid_argument unless `seconds` is positive (infinity never stops).
  explicit TimeLimitStop(double seconds);
  bool Observe(const IterationRecord& record) override;

private:
  double seconds_;
};

//! Lets an IterationObserver (e.g. the policies above) watch a run that reports records of a
//! type derived from IterationRecord to an interface of its own: a learner's LearningObserver is
//! ObserverAdapter<LearningObserver, LearningRecord>. The adapted observer must outlive it.
template <typename Interface, typename Record>
class ObserverAdapter : public Interface {
public:
  explicit ObserverAdapter(IterationObserver& observer) : observer_(observer) {}
  bool Observe(const Record& record) override { return observer_.Observe(record); }

private:
  IterationObserver& observer_;
};

}  // namespace dn
