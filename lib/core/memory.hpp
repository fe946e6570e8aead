// Memory use of this process, as the operating system counts it.
#pragma once

#include <cstddef>

namespace dn {

//! The peak resident set size of this process so far (Linux: VmHWM of /proc/self/status), in
//! bytes; 0 where the system does not report it.
std::size_t PeakResidentBytes();

//! The memory this process can still take: MemAvailable of /proc/meminfo, lowered to what the
//! cgroup's memory.max leaves (cgroup v2) when that is less; 0 where neither is reported.
std::size_t AvailableMemoryBytes();

}  // namespace dn
