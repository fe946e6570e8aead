#include "fuzz_support.hpp"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace dn::fuzz {
namespace {

std::string* scratch = nullptr;

void RemoveScratch() {
  std::error_code ignored;
  if (scratch != nullptr) std::filesystem::remove_all(*scratch, ignored);
}

}  // namespace

const std::string& ScratchDirectory() {
  if (scratch == nullptr) {
    std::error_code ec;
    const std::string base = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/dn_fuzz.XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    if (::mkdtemp(name.data()) == nullptr) {
      std::perror("fuzz: mkdtemp");
      std::abort();
    }
    scratch = new std::string(name.data());
    std::atexit(RemoveScratch);
  }
  return *scratch;
}

void WriteBytes(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

}  // namespace dn::fuzz
