// Fuzz target: the image reader (ReadImage: PNG, JPEG, PGM/PPM, BMP), grey and colour.
// Contract: any input either loads or throws std::runtime_error; anything else (a crash, a
// sanitizer report, another exception, a leak, a hang, a huge allocation) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "fuzz_support.hpp"
#include "io/image.hpp"

// Images up to 2^22 pixels (a colour one is 100 MB as doubles): the default limit, 2^28, lets a
// few hundred bytes of PNG ask for gigabytes, which the fuzzer would report as out of memory.
constexpr std::size_t kMaxPixels = std::size_t(1) << 22;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = dn::fuzz::ScratchDirectory() + "/input.img";
  dn::fuzz::WriteBytes(path, data, size);
  try {
    const dn::Image<double> grey = dn::ReadImage(path, false, kMaxPixels);
    const dn::Image<double> colour = dn::ReadImage(path, true, kMaxPixels);
    if (grey.n_slices != 1 || colour.n_slices != 3 || grey.n_rows != colour.n_rows ||
        grey.n_cols != colour.n_cols)
      __builtin_trap();  // grey and colour readings of one file must agree in size
  } catch (const std::runtime_error&) {
  }
  return 0;
}
