// Shared by the fuzz targets: the readers under test take file names, so each input is written
// to a file in a private temporary directory first (in /dev/shm when there is one, to keep the
// round trip through the file system cheap). The directory is removed when the process exits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dn::fuzz {

//! The process's private temporary directory, created on first use.
const std::string& ScratchDirectory();

//! Writes `size` bytes to `path`, replacing it. Aborts if that fails (not a finding).
void WriteBytes(const std::string& path, const std::uint8_t* data, std::size_t size);

}  // namespace dn::fuzz
