// Thread configuration: OpenMP runs across filters and images; OpenBLAS and FFTW stay
// single-threaded inside those regions so that they never compete for the cores.
#pragma once

#include <cstddef>

namespace dn {

//! The range [begin, end) of n items that thread `thread` of `threads` owns under a static
//! split: the same for every run with the same thread count, so reductions are deterministic.
inline void ThreadRange(std::size_t n, int thread, int threads, std::size_t& begin,
                        std::size_t& end) {
  begin = n * static_cast<std::size_t>(thread) / static_cast<std::size_t>(threads);
  end = n * static_cast<std::size_t>(thread + 1) / static_cast<std::size_t>(threads);
}

//! The largest thread count ConfigureThreads accepts.
constexpr int kMaxThreads = 1024;

//! Sets the OpenMP thread count (0 = all cores) and pins OpenBLAS to one thread.
//! Returns the thread count in force.
int ConfigureThreads(int threads);

//! The OpenMP thread count in force.
int ThreadCount();

} // namespace dn
