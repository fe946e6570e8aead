#include "solvers/iteration_record.hpp"

#include <cstdio>
#include <ostream>

namespace dn {

bool TablePrinter::Observe(const IterationRecord& r) {
  if (!headerDone_) {
    out_ << "   iter    seconds        objective         fidelity               l1   density   rel.change\n";
    headerDone_ = true;
  }
  if (every_ > 1 && r.iteration % every_ != 0) return false;
  char line[160];
  std::snprintf(line, sizeof line, "%7zu %10.3f %16.8e %16.8e %16.8e %9.5f %12.4e\n", r.iteration,
                r.seconds, r.objective, r.fidelity, r.l1, r.density, r.relativeChange);
  out_ << line;
  return false;
}

std::string CsvHeader() { return "iteration,seconds,objective,fidelity,l1,density,relative_change"; }

std::string CsvRow(const IterationRecord& r) {
  char line[256];
  std::snprintf(line, sizeof line, "%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%.8g", r.iteration, r.seconds,
                r.objective, r.fidelity, r.l1, r.density, r.relativeChange);
  return line;
}

} // namespace dn
