// Fuzz target: the model loader (LoadModel), which reads a directory. The input is a small
// archive of the directory's two files:
//
//   <manifest.ini bytes> "\n--dictionary.npy--\n" <dictionary.npy bytes>
//
// Without the separator line the whole input is the manifest and dictionary.npy is absent.
// Contract: any directory either loads or throws std::runtime_error; anything else (a crash, a
// sanitizer report, another exception, a leak, a hang, a huge allocation) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "fuzz_support.hpp"
#include "serialize/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char kSeparator[] = "\n--dictionary.npy--\n";
  const std::string dir = dn::fuzz::ScratchDirectory() + "/model";
  std::filesystem::create_directories(dir);
  const std::string manifest = dir + "/manifest.ini", dictionary = dir + "/dictionary.npy";

  const std::uint8_t* end = data + size;
  const std::size_t separatorLength = sizeof kSeparator - 1;
  const std::uint8_t* split = end;
  for (const std::uint8_t* p = data; p + separatorLength <= end; ++p) {
    if (std::memcmp(p, kSeparator, separatorLength) == 0) {
      split = p;
      break;
    }
  }
  dn::fuzz::WriteBytes(manifest, data, static_cast<std::size_t>(split - data));
  std::error_code ignored;
  if (split == end) {
    std::filesystem::remove(dictionary, ignored);
  } else {
    const std::uint8_t* npy = split + separatorLength;
    dn::fuzz::WriteBytes(dictionary, npy, static_cast<std::size_t>(end - npy));
  }
  try {
    const dn::Model model = dn::LoadModel(dir);
    if (model.filters.filters != model.manifest.filters) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
