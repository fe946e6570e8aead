#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <ostream>

namespace dn::cli {
namespace {

std::string Duration(double seconds) {
  char text[32];
  if (seconds < 60)
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  else if (seconds < 3600)
    std::snprintf(text, sizeof text, "%d min %02d s", int(seconds) / 60, int(seconds) % 60);
  else
    std::snprintf(text, sizeof text, "%d h %02d min", int(seconds) / 3600, int(seconds) / 60 % 60);
  return text;
}

}  // namespace

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressReporter::ProgressReporter(std::string label, std::size_t total, std::ostream& out,
                                   bool terminal, std::size_t every)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      terminal_(terminal),
      every_(every > 0 ? every : std::max<std::size_t>(1, (total + 9) / 10)) {}

ProgressReporter::~ProgressReporter() {
  if (open_) out_ << std::endl;
}

std::string ProgressReporter::Line() const {
  char text[200];
  std::snprintf(text, sizeof text, "%s: iteration %zu/%zu  objective %.8e  density %.5f  %s",
                label_.c_str(), iteration_, total_, objective_, density_,
                Duration(seconds_).c_str());
  std::string line = text;
  if (!std::isnan(test_)) {
    std::snprintf(text, sizeof text, "  test %.8e", test_);
    line.insert(line.find("  density"), text);
  }
  if (iteration_ > 0 && iteration_ < total_)
    line += ", about " + Duration(seconds_ / double(iteration_) * double(total_ - iteration_)) +
            " left";
  return line;
}

void ProgressReporter::Draw() {
  std::string line = Line();
  const std::size_t width = line.size();
  if (width < width_) line.append(width_ - width, ' ');  // erase the rest of a longer line
  width_ = width;
  out_ << '\r' << line << std::flush;
  open_ = true;
  printed_ = iteration_;
  lastDraw_ = std::chrono::steady_clock::now();
}

void ProgressReporter::Update(std::size_t iteration, double seconds, double objective,
                              double density) {
  iteration_ = iteration;
  seconds_ = seconds;
  objective_ = objective;
  density_ = density;
  if (terminal_) {
    // Redraw at most ten times a second, and always at the end.
    if (!open_ || iteration >= total_ ||
        std::chrono::steady_clock::now() - lastDraw_ >= std::chrono::milliseconds(100))
      Draw();
  } else if (iteration == 1 || iteration % every_ == 0 || iteration == total_) {
    out_ << Line() << std::endl;
    printed_ = iteration;
  }
}

void ProgressReporter::Finish() {
  if (terminal_ && open_) {
    if (printed_ != iteration_) Draw();
    out_ << std::endl;
    open_ = false;
  } else if (!terminal_ && iteration_ > 0 && printed_ != iteration_) {
    out_ << Line() << std::endl;
    printed_ = iteration_;
  }
}

void LearningProgress::MeasureCommunication(const Communicator& communicator) {
  communicator_ = &communicator;
  lastCommunication_ = communicator.Seconds();
  lastWait_ = communicator.WaitSeconds();
  lastWall_ = clock_.Seconds();
}

namespace {
double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}
}  // namespace

double LearningProgress::MedianExchangeShare() const { return Median(exchangeShares_); }

double LearningProgress::MedianWaitShare() const { return Median(waitShares_); }

double LearningProgress::LargestCommunicationShare() const {
  double largest = 0.0;
  for (std::size_t i = 0; i < exchangeShares_.size(); ++i)
    largest = std::max(largest, exchangeShares_[i] + waitShares_[i]);
  return largest;
}

bool LearningProgress::Observe(const IterationRecord& r) {
  if (communicator_) {
    const double communication = communicator_->Seconds(), wait = communicator_->WaitSeconds();
    const double wall = clock_.Seconds();
    if (wall > lastWall_) {
      const double waiting = wait - lastWait_;
      exchangeShares_.push_back((communication - lastCommunication_ - waiting) / (wall - lastWall_));
      waitShares_.push_back(waiting / (wall - lastWall_));
    }
    lastCommunication_ = communication;
    lastWait_ = wait;
    lastWall_ = wall;
  }
  if (progress_ && !std::isnan(r.testObjective)) progress_->SetTestObjective(r.testObjective);
  if (progress_) progress_->Update(r.iteration, r.seconds, r.objective, r.density);
  return false;
}

void LearningProgress::Begin(const ObservedRun& run) {
  const std::string label = program_ + (depth_ == 1 ? "" : " layer " + std::to_string(run.layer));
  progress_ =
      std::make_unique<ProgressReporter>(label, run.iterations, std::cerr, StderrIsTerminal());
}

void LearningProgress::End(const IterationRecord&, StopReason) {
  progress_->Finish();
  progress_.reset();
}

void LearningProgress::CheckpointWritten(const std::string& path, double seconds) {
  char took[32];
  std::snprintf(took, sizeof took, " (%.2f s)", seconds);
  console_.Info("wrote checkpoint " + path + took);
}

}  // namespace dn::cli
