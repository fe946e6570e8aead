#include "bench/machine.hpp"

#include <sys/utsname.h>

#include <fstream>
#include <limits>

namespace dn {

std::string HostName() {
  utsname host{};
  uname(&host);
  return host.nodename;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = std::numeric_limits<double>::quiet_NaN();
  in >> load;
  return load;
}

}  // namespace dn
