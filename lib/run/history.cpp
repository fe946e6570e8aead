#include "run/history.hpp"

#include <cstdio>

namespace dn {

LearningHistory LearningHistory::FromCsv(const std::string& csv) {
  LearningHistory history;
  const std::string header = kHeader;
  if (csv.rfind(header, 0) != 0) return history;
  std::size_t begin = header.size();
  while (begin < csv.size()) {
    std::size_t end = csv.find('\n', begin);
    if (end == std::string::npos) end = csv.size();
    const std::string row = csv.substr(begin, end - begin);
    begin = end + 1;
    HistoryRow r;
    IterationRecord& x = r.record;
    if (std::sscanf(row.c_str(), "%zu,%zu,%lf,%lf,%lf,%lf,%lf,%zu", &r.layer, &x.iteration,
                    &x.seconds, &x.objective, &x.fidelity, &x.l1, &x.density,
                    &x.rejectedSteps) == 8)
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
    std::snprintf(line, sizeof line, "%zu,%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%zu\n", row.layer,
                  r.iteration, r.seconds, r.objective, r.fidelity, r.l1, r.density,
                  r.rejectedSteps);
    text += line;
  }
  return text;
}

}  // namespace dn
