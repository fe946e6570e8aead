// The machine a benchmark runs on, as results record it: host, processor, load.
#pragma once

#include <string>

namespace dn {

//! The host name (uname's nodename).
std::string HostName();
//! The processor's model name from /proc/cpuinfo, or "unknown".
std::string CpuModel();
//! Load average over the last minute, from /proc/loadavg (NaN where unavailable).
double LoadAverage();

}  // namespace dn
