#include "cli/json.hpp"

#include <cmath>
#include <cstdio>

#include "cli/command_line.hpp"

namespace dn::cli {
namespace {

//! A JSON string literal: quotes, backslashes and control characters escaped.
std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return FullNumber(value);
}

}  // namespace

JsonObject& JsonObject::Number(const std::string& key, double value) {
  members_.emplace_back(key, JsonNumber(value));
  return *this;
}

JsonObject& JsonObject::Integer(const std::string& key, std::uint64_t value) {
  members_.emplace_back(key, std::to_string(value));
  return *this;
}

JsonObject& JsonObject::String(const std::string& key, const std::string& value) {
  members_.emplace_back(key, JsonString(value));
  return *this;
}

std::string JsonObject::Text() const {
  std::string out = "{";
  for (std::size_t i = 0; i < members_.size(); ++i)
    out += (i ? ",\n  " : "\n  ") + JsonString(members_[i].first) + ": " + members_[i].second;
  return out + "\n}\n";
}

}  // namespace dn::cli
