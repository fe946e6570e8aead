#include "core/memory.hpp"

#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dn {

bool KeepFreedMemory() {
#if defined(__GLIBC__)
  constexpr int kMmapThreshold = 32 * 1024 * 1024;  // glibc's upper limit on 64-bit systems
  const bool mapped = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  const bool trimmed = mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()) == 1;
  return mapped && trimmed;
#else
  return false;
#endif
}

std::size_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::size_t kilobytes = 0;
    if (fields >> kilobytes) return kilobytes * 1024;  // the kernel reports kB = 1024 bytes
  }
  return 0;
}

std::size_t AvailableMemoryBytes() {
  std::size_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::size_t kilobytes = 0;
    if (fields >> kilobytes) available = kilobytes * 1024;
  }
  std::ifstream limitFile("/sys/fs/cgroup/memory.max"), currentFile("/sys/fs/cgroup/memory.current");
  std::size_t limit = 0, current = 0;
  if (limitFile >> limit && currentFile >> current && limit > current) {  // "max": no limit
    const std::size_t left = limit - current;
    if (available == 0 || left < available) available = left;
  }
  return available;
}

}  // namespace dn
