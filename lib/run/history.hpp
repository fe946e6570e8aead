// The history of a learning run: one record per outer iteration of each layer, kept in memory
// and written as history.csv (docs/file_formats.md), which a resumed run reads back here.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "learning/dictionary_learning.hpp"

namespace dn {

struct HistoryRow {
  std::size_t layer = 1;  //!< 1-based
  IterationRecord record;
};

class LearningHistory {
public:
  //! The columns of history.csv.
  static constexpr const char* kHeader =
      "layer,iteration,seconds,objective,fidelity,l1,density,rejected_steps,test_objective\n";

  //! Reads history.csv text (as Csv() writes it, or without test_objective as written before it
  //! existed); rows that do not parse are skipped, and text without a header gives an empty
  //! history.
  static LearningHistory FromCsv(const std::string& csv);

  void Add(std::size_t layer, const IterationRecord& record) { rows_.push_back({layer, record}); }
  bool Empty() const { return rows_.empty(); }
  const std::vector<HistoryRow>& Rows() const { return rows_; }
  //! The newest record (not Empty()).
  const IterationRecord& Last() const { return rows_.back().record; }
  //! The first and last record of a layer (default records when it has none).
  std::pair<IterationRecord, IterationRecord> Span(std::size_t layer) const;
  //! history.csv: the header, then one row per record, in the formats
  //! %zu,%zu,%.6f,%.12g,%.12g,%.12g,%.8g,%zu,%.12g; seconds count that layer's learning only;
  //! test_objective is empty where it was not evaluated.
  std::string Csv() const;

private:
  std::vector<HistoryRow> rows_;
};

}  // namespace dn
