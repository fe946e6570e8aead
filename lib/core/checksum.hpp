// A 64-bit checksum (FNV-1a) for detecting corrupted or changed data, not for security.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dn {

constexpr std::uint64_t kChecksumStart = 0xcbf29ce484222325ull;  //!< FNV-1a offset basis

//! Extends `checksum` (kChecksumStart for a fresh one) by `size` bytes.
std::uint64_t Checksum(const void* data, std::size_t size, std::uint64_t checksum = kChecksumStart);

//! The checksum of a file's bytes; std::runtime_error naming the file if it cannot be read.
std::uint64_t FileChecksum(const std::string& path);

//! "fnv1a64:" and 16 lower-case hexadecimal digits.
std::string ChecksumText(std::uint64_t checksum);

}  // namespace dn
