#include "core/threads.hpp"

#include <cblas.h>
#include <omp.h>
#include <stdexcept>
#include <string>

namespace dn {

int ConfigureThreads(int threads) {
  // libgomp crashes when asked for absurd team sizes (seen at 100000).
  if (threads < 0 || threads > kMaxThreads)
    throw std::invalid_argument("ConfigureThreads(): threads must be between 0 and " +
                                std::to_string(kMaxThreads));
  if (threads == 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  omp_set_max_active_levels(1);
  openblas_set_num_threads(1);
  return threads;
}

int ThreadCount() { return omp_get_max_threads(); }

} // namespace dn
