// Per-iteration statistics as data, and the observers that consume them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace dn {

//! One record per solver iteration. objective = fidelity + lambda * l1, where
//! fidelity = 1/2 ||D z - s||^2 and l1 = ||z||_1, all at the iterate z after the iteration.
struct IterationRecord {
  std::size_t iteration = 0;    //!< 1-based, counted over all Solve() calls of the solver
  double seconds = 0.0;         //!< wall time of the solve so far (no set-up, no planning)
  double objective = 0.0;
  double fidelity = 0.0;
  double l1 = 0.0;
  double density = 0.0;         //!< fraction of non-zero map entries
  double relativeChange = 0.0;  //!< ||z_new - z_old|| / ||z_new||
};

//! Receives every record; returns true to stop the solver.
class IterationObserver {
public:
  virtual ~IterationObserver() = default;
  virtual bool Observe(const IterationRecord& record) = 0;
};

//! Keeps every record (e.g. to write history CSV afterwards).
class RecordKeeper : public IterationObserver {
public:
  bool Observe(const IterationRecord& record) override {
    records.push_back(record);
    return false;
  }
  std::vector<IterationRecord> records;
};

//! Forwards to several observers; stops when any asks to.
class ObserverList : public IterationObserver {
public:
  void Add(IterationObserver* observer) { observers_.push_back(observer); }
  bool Observe(const IterationRecord& record) override {
    bool stop = false;
    for (IterationObserver* o : observers_) stop = o->Observe(record) || stop;
    return stop;
  }

private:
  std::vector<IterationObserver*> observers_;
};

//! The CSV header and one row, columns iteration,seconds,objective,fidelity,l1,density,relative_change.
std::string CsvHeader();
std::string CsvRow(const IterationRecord& record);

} // namespace dn
