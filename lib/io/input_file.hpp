// Opening an input file with the checks every reader makes first.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace dn {

//! Opens `path` for binary reading into `in` and returns its size in bytes. Throws
//! std::runtime_error "<who>: <path>: <reason>" when it does not exist, is a directory, has no
//! size, or cannot be opened.
std::uintmax_t OpenInputFile(const std::string& who, const std::string& path, std::ifstream& in);

} // namespace dn
