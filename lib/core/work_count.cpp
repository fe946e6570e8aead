#include "core/work_count.hpp"

#include <atomic>
#include <cmath>

namespace dn {
namespace {

struct Counters {
  std::atomic<std::uint64_t> ffts{0};
  std::atomic<std::uint64_t> fftPointLogs{0};  //!< sum of n log2 n, in units of 1/1024
  std::atomic<std::uint64_t> windowOps{0};
  std::atomic<std::uint64_t> windowTaps{0};
};

Counters& Global() {
  static Counters counters;
  return counters;
}

}  // namespace

WorkCount WorkCount::operator-(const WorkCount& earlier) const {
  WorkCount d;
  d.ffts = ffts - earlier.ffts;
  d.fftFlops = fftFlops - earlier.fftFlops;
  d.windowOps = windowOps - earlier.windowOps;
  d.windowTaps = windowTaps - earlier.windowTaps;
  return d;
}

WorkCount WorkDone() {
  const Counters& c = Global();
  WorkCount w;
  w.ffts = c.ffts.load(std::memory_order_relaxed);
  w.fftFlops = 2.5 * static_cast<double>(c.fftPointLogs.load(std::memory_order_relaxed)) / 1024.0;
  w.windowOps = c.windowOps.load(std::memory_order_relaxed);
  w.windowTaps = c.windowTaps.load(std::memory_order_relaxed);
  return w;
}

void CountFfts(std::uint64_t count, std::uint64_t points) {
  Counters& c = Global();
  const double n = static_cast<double>(points);
  const auto pointLogs = static_cast<std::uint64_t>(std::llround(n * std::log2(n) * 1024.0));
  c.ffts.fetch_add(count, std::memory_order_relaxed);
  c.fftPointLogs.fetch_add(count * pointLogs, std::memory_order_relaxed);
}

void CountWindowOps(std::uint64_t count, std::uint64_t taps) {
  Counters& c = Global();
  c.windowOps.fetch_add(count, std::memory_order_relaxed);
  c.windowTaps.fetch_add(count * taps, std::memory_order_relaxed);
}

}  // namespace dn
