// Stop policies: observers that end a run early. A solver's Solve() and a learner's Run() ask
// their observer after every iteration whether to stop; these answer from the iteration record.
// Combine them with other observers (a RecordKeeper, progress) through an ObserverList.
#pragma once

#include "solvers/iteration_record.hpp"

namespace dn {

//! Stops once the objective reaches the target (objective <= target), e.g. a reference
//! objective F* times 1 + a tolerance, to time a run to that accuracy. A NaN target never stops.
class TargetObjectiveStop : public Observer {
public:
  explicit TargetObjectiveStop(double target) : target_(target) {}
  bool Observe(const IterationRecord& record) override;

private:
  double target_;
};

//! Stops once the run's wall time, as its records count it (IterationRecord::seconds: no set-up,
//! no planning), reaches the limit: the iteration that crosses it is the last.
class TimeLimitStop : public Observer {
public:
  //! Throws std::invalid_argument unless `seconds` is positive (infinity never stops).
  explicit TimeLimitStop(double seconds);
  bool Observe(const IterationRecord& record) override;

private:
  double seconds_;
};

}  // namespace dn
