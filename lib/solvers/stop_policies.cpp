#include "solvers/stop_policies.hpp"

#include <stdexcept>

namespace dn {

bool TargetObjectiveStop::Observe(const IterationRecord& record) {
  return record.objective <= target_;
}

TimeLimitStop::TimeLimitStop(double seconds) : seconds_(seconds) {
  if (!(seconds > 0))
    throw std::invalid_argument("TimeLimitStop: the time limit must be positive seconds");
}

bool TimeLimitStop::Observe(const IterationRecord& record) { return record.seconds >= seconds_; }

}  // namespace dn
