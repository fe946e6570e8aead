#include "serialize/json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dn {
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
  return NumberText(value);
}

}  // namespace

std::string NumberText(double value) {
  char text[32];
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  for (int digits = 1; digits <= 17; ++digits) {  // the shortest text that reads back exactly
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

JsonObject& JsonObject::Number(const std::string& key, double value) {
  members_.push_back({key, JsonNumber(value), {}, Member::Kind::Scalar});
  return *this;
}

JsonObject& JsonObject::Integer(const std::string& key, std::uint64_t value) {
  members_.push_back({key, std::to_string(value), {}, Member::Kind::Scalar});
  return *this;
}

JsonObject& JsonObject::String(const std::string& key, const std::string& value) {
  members_.push_back({key, JsonString(value), {}, Member::Kind::Scalar});
  return *this;
}

JsonObject& JsonObject::Object(const std::string& key, const JsonObject& value) {
  members_.push_back({key, "", {value}, Member::Kind::Object});
  return *this;
}

JsonObject& JsonObject::Array(const std::string& key, const std::vector<JsonObject>& values) {
  members_.push_back({key, "", values, Member::Kind::Array});
  return *this;
}

std::string JsonObject::Render(std::size_t indent) const {
  const std::string pad(indent + 2, ' ');
  std::string out = "{";
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const Member& m = members_[i];
    out += (i ? ",\n" : "\n") + pad + JsonString(m.key) + ": ";
    if (m.kind == Member::Kind::Scalar) {
      out += m.scalar;
    } else if (m.kind == Member::Kind::Object) {
      out += m.objects.front().Render(indent + 2);
    } else {
      out += "[";
      for (std::size_t j = 0; j < m.objects.size(); ++j)
        out += (j ? ",\n" : "\n") + pad + "  " + m.objects[j].Render(indent + 4);
      out += m.objects.empty() ? "]" : "\n" + pad + "]";
    }
  }
  return out + "\n" + std::string(indent, ' ') + "}";
}

std::string JsonObject::Text() const { return Render(0) + "\n"; }

}  // namespace dn
