#include "solvers/iteration_record.hpp"

#include <cstdio>

namespace dn {

std::string Describe(StopReason reason) {
  switch (reason) {
    case StopReason::IterationLimit:
      return "the iteration limit was reached";
    case StopReason::Tolerance:
      return "the relative change fell below the tolerance";
    case StopReason::Observer:
      return "an observer asked to stop";
  }
  return "unknown";
}

std::string CsvHeader() { return "iteration,seconds,objective,fidelity,l1,density,relative_change"; }

std::string CsvRow(const IterationRecord& r) {
  char line[256];
  std::snprintf(line, sizeof line, "%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%.8g", r.iteration, r.seconds,
                r.objective, r.fidelity, r.l1, r.density, r.relativeChange);
  return line;
}

} // namespace dn
