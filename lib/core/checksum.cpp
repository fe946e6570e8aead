#include "core/checksum.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace dn {

std::uint64_t Checksum(const void* data, std::size_t size, std::uint64_t checksum) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    checksum ^= bytes[i];
    checksum *= 0x100000001b3ull;  // FNV prime
  }
  return checksum;
}

std::uint64_t FileChecksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("FileChecksum(): " + path + ": cannot be read");
  std::vector<char> buffer(1 << 16);
  std::uint64_t checksum = kChecksumStart;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    checksum = Checksum(buffer.data(), static_cast<std::size_t>(in.gcount()), checksum);
  }
  if (in.bad()) throw std::runtime_error("FileChecksum(): " + path + ": read error");
  return checksum;
}

std::string ChecksumText(std::uint64_t checksum) {
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(checksum));
  return text;
}

}  // namespace dn
