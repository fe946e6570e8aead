#include "run/history.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dn {
namespace {

//! history.csv's header before the test_objective column.
constexpr const char* kHeaderWithoutTest =
    "layer,iteration,seconds,objective,fidelity,l1,density,rejected_steps\n";

}  // namespace

LearningHistory LearningHistory::FromCsv(const std::string& csv) {
  LearningHistory history;
  std::size_t begin = 0;
  for (const std::string header : {kHeader, kHeaderWithoutTest})
    if (csv.rfind(header, 0) == 0) begin = header.size();
  if (begin == 0) return history;
  while (begin < csv.size()) {
    std::size_t end = csv.find('\n', begin);
    if (end == std::string::npos) end = csv.size();
    const std::string row = csv.substr(begin, end - begin);
    begin = end + 1;
    HistoryRow r;
    IterationRecord& x = r.record;
    int consumed = 0;
    if (std::sscanf(row.c_str(), "%zu,%zu,%lf,%lf,%lf,%lf,%lf,%zu%n", &r.layer, &x.iteration,
                    &x.seconds, &x.objective, &x.fidelity, &x.l1, &x.density, &x.rejectedSteps,
                    &consumed) != 8)
      continue;
    const char* rest = row.c_str() + consumed;
    if (*rest == ',' && rest[1] != '\0') {
      char* parsed = nullptr;
      x.testObjective = std::strtod(rest + 1, &parsed);
      if (*parsed != '\0') continue;
    }
    history.rows_.push_back(r);
  }
  return history;
}

std::pair<IterationRecord, IterationRecord> LearningHistory::Span(std::size_t layer) const {
  std::pair<IterationRecord, IterationRecord> span;
  bool first = true;
  for (const HistoryRow& row : rows_)
    if (row.layer == layer) {
      if (first) span.first = row.record;
      span.second = row.record;
      first = false;
    }
  return span;
}

std::string LearningHistory::Csv() const {
  std::string text = kHeader;
  for (const HistoryRow& row : rows_) {
    const IterationRecord& r = row.record;
    char line[256];
    std::snprintf(line, sizeof line, "%zu,%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%zu,", row.layer,
                  r.iteration, r.seconds, r.objective, r.fidelity, r.l1, r.density,
                  r.rejectedSteps);
    text += line;
    if (!std::isnan(r.testObjective)) {
      std::snprintf(line, sizeof line, "%.12g", r.testObjective);
      text += line;
    }
    text += '\n';
  }
  return text;
}

}  // namespace dn
