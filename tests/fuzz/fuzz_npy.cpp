// Fuzz target: the .npy reader (ReadNpy) and the conversions its result goes through
// (images, filter bank, cube). Contract: any input either loads or throws
// std::runtime_error / std::invalid_argument; anything else (a crash, a sanitizer report, another
// exception, a leak, a hang, a huge allocation) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "fuzz_support.hpp"
#include "io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = dn::fuzz::ScratchDirectory() + "/input.npy";
  dn::fuzz::WriteBytes(path, data, size);
  dn::NpyArray array;
  try {
    array = dn::ReadNpy(path);
  } catch (const std::runtime_error&) {
    return 0;
  }
  const auto attempt = [](auto&& convert) {
    try {
      convert();
    } catch (const std::invalid_argument&) {
    }
  };
  attempt([&] { dn::ImagesFromNpy<float>(array, false); });
  attempt([&] { dn::ImagesFromNpy<double>(array, true); });
  attempt([&] { dn::FilterBankFromNpy<float>(array); });
  attempt([&] { dn::CubeFromNpy<double>(array); });
  return 0;
}
