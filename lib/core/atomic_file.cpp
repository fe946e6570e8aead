#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <system_error>

namespace dn {
namespace {

//! A hard-to-guess 48-bit suffix: process id, a per-process counter, the clock and
//! std::random_device mixed together.
std::string TempSuffix() {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = static_cast<std::uint64_t>(::getpid());
  x = x * 0x9E3779B97F4A7C15ull + counter.fetch_add(1);
  x = x * 0x9E3779B97F4A7C15ull +
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    std::random_device device;
    x ^= (static_cast<std::uint64_t>(device()) << 32) ^ device();
  } catch (const std::exception&) {
    // The clock and counter are unique enough on their own.
  }
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  static const char digits[] = "0123456789abcdef";
  std::string suffix(12, '0');
  for (char& c : suffix) {
    c = digits[x & 15u];
    x >>= 4;
  }
  return suffix;
}

//! Creates a new, empty temporary file next to `path` (O_EXCL, so never an existing one) and
//! returns its name.
std::string CreateTempFile(const std::string& path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string name = path + ".tmp-" + TempSuffix();
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      return name;
    }
    if (errno != EEXIST) {
      throw std::runtime_error("WriteFileAtomically(): " + path +
                               ": cannot create temporary file: " + std::strerror(errno));
    }
  }
  throw std::runtime_error("WriteFileAtomically(): " + path +
                           ": cannot find an unused temporary file name");
}

void RemoveQuietly(const std::string& name) {
  std::error_code ignored;
  std::filesystem::remove(name, ignored);
}

}  // namespace

void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  if (path.empty()) throw std::invalid_argument("WriteFileAtomically(): empty path");
  if (!write) throw std::invalid_argument("WriteFileAtomically(): " + path + ": no writer given");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error("WriteFileAtomically(): " + path + ": is a directory");
  }

  const std::string temp = CreateTempFile(path);
  try {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("WriteFileAtomically(): " + path + ": cannot open " + temp);
    write(out);
    out.flush();
    if (!out.good()) {
      throw std::runtime_error("WriteFileAtomically(): " + path +
                               ": write failed (disk full or I/O error?)");
    }
    out.close();
    if (out.fail()) throw std::runtime_error("WriteFileAtomically(): " + path + ": close failed");
    SyncToDisk(temp);
    std::filesystem::rename(temp, path, ec);
    if (ec) {
      throw std::runtime_error("WriteFileAtomically(): " + path + ": cannot rename " + temp + ": " +
                               ec.message());
    }
  } catch (...) {
    RemoveQuietly(temp);
    throw;
  }
}

void SyncToDisk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("SyncToDisk(): " + path + ": cannot open: " + std::strerror(errno));
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot sync directories (EINVAL); there is nothing more to do then.
  if (status != 0 && error != EINVAL)
    throw std::runtime_error("SyncToDisk(): " + path + ": fsync failed: " + std::strerror(error));
}

void WriteTextFileAtomically(const std::string& path, const std::string& text) {
  WriteFileAtomically(path, [&text](std::ostream& out) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  });
}

}  // namespace dn
