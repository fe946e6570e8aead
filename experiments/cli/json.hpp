// A tiny JSON writer for flat objects (metrics.json).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dn::cli {

//! A flat JSON object; members keep their insertion order. Strings are escaped; numbers have
//! the shortest text that reads back exactly, NaN and infinities become null.
class JsonObject {
public:
  JsonObject& Number(const std::string& key, double value);
  JsonObject& Integer(const std::string& key, std::uint64_t value);
  JsonObject& String(const std::string& key, const std::string& value);
  //! The object, one member per line, ending with a newline.
  std::string Text() const;

private:
  std::vector<std::pair<std::string, std::string>> members_;  //!< key, JSON value
};

}  // namespace dn::cli
