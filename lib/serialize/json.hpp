// A tiny JSON writer: objects of numbers, strings, nested objects and arrays of objects
// (dn-reconstruct's metrics.json, dn-bench's results.json).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dn {

//! The shortest text of a value that reads back exactly (at most 17 significant digits); whole
//! numbers below 1e15 as such (60, not 6e+01).
std::string NumberText(double value);

//! A flat JSON object; members keep their insertion order. Strings are escaped; numbers have
//! the shortest text that reads back exactly, NaN and infinities become null.
class JsonObject {
public:
  JsonObject& Number(const std::string& key, double value);
  JsonObject& Integer(const std::string& key, std::uint64_t value);
  JsonObject& String(const std::string& key, const std::string& value);
  JsonObject& Object(const std::string& key, const JsonObject& value);
  JsonObject& Array(const std::string& key, const std::vector<JsonObject>& values);
  //! The object, one member per line (nested ones indented), ending with a newline.
  std::string Text() const;

private:
  struct Member {
    std::string key;
    std::string scalar;               //!< the JSON text of a number or string
    std::vector<JsonObject> objects;  //!< a nested object (one) or an array's elements
    enum class Kind { Scalar, Object, Array } kind = Kind::Scalar;
  };
  //! The object with its members at `indent` + 2 spaces and its closing brace at `indent`.
  std::string Render(std::size_t indent) const;

  std::vector<Member> members_;
};

}  // namespace dn
