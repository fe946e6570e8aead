// Wall-clock timer.
#pragma once

#include <chrono>

namespace dn {

class Timer {
public:
  Timer() : start_(Clock::now()) {}
  void Reset() { start_ = Clock::now(); }
  //! Seconds since construction or the last Reset().
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

} // namespace dn
