// Memory use of this process, as the operating system counts it.
#pragma once

#include <cstddef>

namespace dn {

//! The peak resident set size of this process so far (Linux: VmHWM of /proc/self/status), in
//! bytes; 0 where the system does not report it.
std::size_t PeakResidentBytes();

}  // namespace dn
