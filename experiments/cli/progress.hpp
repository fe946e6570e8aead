// Progress of an iterative run on stderr: on a terminal one line updated in place (iteration,
// objective, density, estimated time left); otherwise, e.g. in a log, plain lines every few
// iterations. Never both.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cli/console.hpp"
#include "core/timer.hpp"
#include "parallel/communicator.hpp"
#include "run/learning_run.hpp"
#include "solvers/iteration_record.hpp"

namespace dn::cli {

//! True when stderr is a terminal.
bool StderrIsTerminal();

class ProgressReporter {
public:
  //! `label` prefixes every line (the program name); `total` is the planned iteration count.
  //! Plain lines are written every `every` iterations (0: about ten lines per run).
  ProgressReporter(std::string label, std::size_t total, std::ostream& out, bool terminal,
                   std::size_t every = 0);
  //! Ends an unfinished updating line, so that what follows starts on a new line.
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  //! Reports iteration `iteration` (1-based) after `seconds` of work.
  void Update(std::size_t iteration, double seconds, double objective, double density);
  //! Adds the newest test objective (dn-learn --test) to the lines from now on.
  void SetTestObjective(double value) { test_ = value; }
  //! Ends the report: the updating line gets its newline, and a plain report its last line.
  void Finish();

private:
  std::string Line() const;
  //! Rewrites the updating line in place.
  void Draw();

  std::string label_;
  std::size_t total_;
  std::ostream& out_;
  bool terminal_;
  std::size_t every_;
  std::size_t iteration_ = 0;
  std::size_t printed_ = 0;  //!< the last iteration shown
  std::size_t width_ = 0;    //!< length of the updating line on the screen
  double seconds_ = 0, objective_ = 0, density_ = 0;
  double test_ = std::numeric_limits<double>::quiet_NaN();  //!< none yet
  bool open_ = false;  //!< an updating line is on the screen without its newline
  std::chrono::steady_clock::time_point lastDraw_;
};

//! Feeds a solver's iteration records to a ProgressReporter.
class SolverProgress : public Observer {
public:
  explicit SolverProgress(ProgressReporter& reporter) : reporter_(reporter) {}
  bool Observe(const IterationRecord& record) override {
    reporter_.Update(record.iteration, record.seconds, record.objective, record.density);
    return false;
  }

private:
  ProgressReporter& reporter_;
};

//! A learning run's progress, a ProgressReporter per layer, and the checkpoints it writes.
class LearningProgress : public LearningRunObserver {
public:
  //! `program` labels the lines, with the layer when the run has `depth` > 1 layers.
  LearningProgress(std::string program, const Console& console, std::size_t depth)
      : program_(std::move(program)), console_(console), depth_(depth) {}
  bool Observe(const IterationRecord& r) override;
  void Begin(const ObservedRun& run) override;
  void End(const IterationRecord&, StopReason) override;
  void CheckpointWritten(const std::string& path, double seconds) override;
  //! From now on, the shares of every iteration (wall-clock, from one record to the next) that
  //! this rank spends in `communicator`'s calls (data-parallel runs): exchanging, and waiting
  //! for the other ranks.
  void MeasureCommunication(const Communicator& communicator);
  //! Per iteration: the median share exchanging, the median share waiting, and the largest
  //! share in the calls (0 before any iteration).
  double MedianExchangeShare() const;
  double MedianWaitShare() const;
  double LargestCommunicationShare() const;

private:
  std::string program_;
  const Console& console_;
  std::size_t depth_;
  const Communicator* communicator_ = nullptr;
  Timer clock_;
  double lastCommunication_ = 0.0, lastWait_ = 0.0, lastWall_ = 0.0;
  std::vector<double> exchangeShares_, waitShares_;
  std::unique_ptr<ProgressReporter> progress_;
};

}  // namespace dn::cli
