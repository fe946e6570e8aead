// When a run first reached a target: the detection shared by the benchmarks, on the records a
// RecordKeeper (or a learner's observer) kept. No interpolation: the first record that reaches
// the target counts, with its seconds and iteration.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace dn {

//! The first record of a run that reached a target; iteration 0 (and NaN seconds) when none did.
struct TargetHit {
  double seconds = std::numeric_limits<double>::quiet_NaN();
  std::size_t iteration = 0;
};

//! The first record (IterationRecord or a type derived from it) for which `reached(record)`.
template <typename Record, typename Reached>
TargetHit FirstReaching(const std::vector<Record>& records, Reached&& reached) {
  for (const Record& r : records)
    if (reached(r)) return {r.seconds, r.iteration};
  return {};
}

//! The first record within `relative` of the reference objective F*:
//! (objective - F*) / F* <= relative.
template <typename Record>
TargetHit FirstWithin(const std::vector<Record>& records, double reference, double relative) {
  return FirstReaching(
      records, [&](const Record& r) { return (r.objective - reference) / reference <= relative; });
}

//! The first record whose objective is at most `target` (none for a NaN target).
template <typename Record>
TargetHit FirstAtOrBelow(const std::vector<Record>& records, double target) {
  return FirstReaching(records, [&](const Record& r) { return r.objective <= target; });
}

//! best = min(best, value), where a NaN best means none yet and a NaN value changes nothing.
inline void KeepSmaller(double& best, double value) {
  if (std::isnan(best) || value < best) best = value;
}

}  // namespace dn
