// Fuzz target: the checkpoint reader (ReadCheckpoint, ReadCheckpointFile, FindLatestCheckpoint),
// which reads a directory. The input is a small archive of that directory's files:
//
//   <manifest.ini bytes> { "\n--file " <relative path> "--\n" <bytes> }
//
// e.g. "...\n--file state/filters.npy--\n<npy bytes>". Paths with "..", absolute paths and
// empty parts are dropped. Contract: any directory either loads or throws std::runtime_error.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "fuzz_support.hpp"
#include "serialize/checkpoint.hpp"

namespace {

bool SafePath(const std::string& path) {
  if (path.empty() || path.size() > 200 || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return path.find('\0') == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  static const std::string kMarker = "\n--file ";
  const std::string root = dn::fuzz::ScratchDirectory() + "/checkpoints";
  const std::string dir = root + "/iteration-000001";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(dir);

  const std::string input(reinterpret_cast<const char*>(data), size);
  std::size_t at = input.find(kMarker);
  const std::string manifest = input.substr(0, at);
  dn::fuzz::WriteBytes(dir + "/manifest.ini",
                       reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size());
  while (at != std::string::npos) {
    const std::size_t nameStart = at + kMarker.size();
    const std::size_t nameEnd = input.find("--\n", nameStart);
    if (nameEnd == std::string::npos) break;
    const std::string name = input.substr(nameStart, nameEnd - nameStart);
    const std::size_t contentStart = nameEnd + 3;
    at = input.find(kMarker, contentStart);
    const std::string content =
        input.substr(contentStart, at == std::string::npos ? std::string::npos : at - contentStart);
    if (!SafePath(name)) continue;
    const fs::path path = fs::path(dir) / name;
    fs::create_directories(path.parent_path(), ec);
    if (ec || fs::is_directory(path, ec)) continue;
    dn::fuzz::WriteBytes(path.string(), reinterpret_cast<const std::uint8_t*>(content.data()),
                         content.size());
  }

  try {
    if (dn::FindLatestCheckpoint(root) != dir) __builtin_trap();
    (void)dn::ReadCheckpointFile(dir, "run.ini");
  } catch (const std::runtime_error&) {
  }
  try {
    if (dn::CheckpointPrecision(dir) == "single")
      (void)dn::ReadCheckpoint<float>(dir);
    else
      (void)dn::ReadCheckpoint<double>(dir);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
