#include "core/memory.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace dn {

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

}  // namespace dn
