#include "io/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace dn {

std::uintmax_t OpenInputFile(const std::string& who, const std::string& path, std::ifstream& in) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& what) {
    throw std::runtime_error(who + ": " + path + ": " + what);
  };
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) fail("no such file");
  if (fs::is_directory(status)) fail("is a directory");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fail("cannot determine the file size: " + ec.message());
  in.open(path, std::ios::binary);
  if (!in) fail(std::string("cannot open: ") + std::strerror(errno));
  return size;
}

} // namespace dn
