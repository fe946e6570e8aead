// Memory use of this process, as the operating system counts it.
#pragma once

#include <cstddef>

namespace dn {

//! The peak resident set size of this process so far (Linux: VmHWM of /proc/self/status), in
//! bytes; 0 where the system does not report it.
std::size_t PeakResidentBytes();

//! Asks the C library's allocator to keep freed memory for reuse rather than hand it back to the
//! system: with glibc, blocks below 32 MiB (the most it allows) come from the heap instead of
//! their own mappings, and the heap's free top is not trimmed. A solver or a workspace made anew
//! for every image or repetition then reuses pages instead of faulting them in again, which on a
//! virtual machine costs microseconds per page (dn-bench, cd on benchmark B, 5 repetitions:
//! 15.5k page faults before, 7.4k after; docs/performance.md). The peak resident size is
//! unchanged; the resident size stays at its peak. Returns whether the allocator took the
//! settings (false on other C libraries, and under AddressSanitizer, whose allocator replaces
//! glibc's). The executables call it first.
bool KeepFreedMemory();

//! The memory this process can still take: MemAvailable of /proc/meminfo, lowered to what the
//! cgroup's memory.max leaves (cgroup v2) when that is less; 0 where neither is reported.
std::size_t AvailableMemoryBytes();

}  // namespace dn
