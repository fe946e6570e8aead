// Thread configuration: OpenMP runs across filters and images; OpenBLAS and FFTW stay
// single-threaded inside those regions so that they never compete for the cores.
#pragma once

#include <cstddef>
#include <exception>
#include <vector>

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

//! One copy of `prototype` per OpenMP thread, made before a parallel region: an exception
//! escaping a region terminates the process, so regions allocate nothing and index these with
//! omp_get_thread_num() under `num_threads(buffers.size())`.
template <typename Buffer> std::vector<Buffer> PerThread(const Buffer& prototype) {
  return std::vector<Buffer>(static_cast<std::size_t>(ThreadCount()), prototype);
}

//! Carries the first exception thrown by a loop body out of a parallel region, to be rethrown
//! after it (for calls that may throw, e.g. LAPACK wrappers that allocate).
class ExceptionTrap {
public:
  template <typename Body> void Run(Body&& body) noexcept {
    try {
      body();
    } catch (...) {
#pragma omp critical(dn_exception_trap)
      if (!error_) error_ = std::current_exception();
    }
  }
  void Rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

private:
  std::exception_ptr error_;
};

} // namespace dn
