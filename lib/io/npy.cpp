#include "io/npy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "core/atomic_file.hpp"
#include "core/checksum.hpp"
#include "io/input_file.hpp"

namespace dn {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLength = 6;
constexpr std::size_t kChunkElements = std::size_t(1) << 16;

[[noreturn]] void Fail(const std::string& who, const std::string& path, const std::string& what) {
  throw std::runtime_error(who + ": " + path + ": " + what);
}

//! Header text quoted in a message: non-printable bytes escaped, at most 40 characters.
std::string Printable(const std::string& text) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < 40; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  if (text.size() > 40) out += "...";
  return out;
}

//! Little-endian encoding that does not depend on the host's byte order.
void Encode(float value, unsigned char* p) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 4; ++i, bits >>= 8) p[i] = static_cast<unsigned char>(bits & 0xFFu);
}

void Encode(double value, unsigned char* p) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 8; ++i, bits >>= 8) p[i] = static_cast<unsigned char>(bits & 0xFFu);
}

//! Parser for the header: a Python dict literal such as
//! {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
public:
  HeaderParser(const std::string& text, const std::string& who, const std::string& path)
      : text_(text), who_(who), path_(path) {}

  struct Header {
    std::string descr;
    bool descrIsString = false;
    bool fortranOrder = false;
    std::vector<std::size_t> shape;
  };

  Header Parse() {
    Header header;
    bool haveDescr = false, haveFortran = false, haveShape = false;
    SkipSpace();
    Expect('{');
    for (;;) {
      SkipSpace();
      if (Consume('}')) break;
      const std::string key = ParseString();
      SkipSpace();
      Expect(':');
      SkipSpace();
      if (key == "descr" && !haveDescr) {
        haveDescr = true;
        if (Peek() == '\'' || Peek() == '"') {
          header.descr = ParseString();
          header.descrIsString = true;
        } else {
          Fail(who_, path_,
               "unsupported dtype (structured or non-string descr); only '<f4' and "
               "'<f8' are supported");
        }
      } else if (key == "fortran_order" && !haveFortran) {
        haveFortran = true;
        header.fortranOrder = ParseBool();
      } else if (key == "shape" && !haveShape) {
        haveShape = true;
        header.shape = ParseShape();
      } else {
        Malformed("unexpected or repeated key '" + Printable(key) + "'");
      }
      SkipSpace();
      if (Consume(',')) continue;
      Expect('}');
      break;
    }
    SkipSpace();
    if (pos_ != text_.size()) Malformed("unexpected text after the dictionary");
    if (!haveDescr) Malformed("no 'descr' key");
    if (!haveFortran) Malformed("no 'fortran_order' key");
    if (!haveShape) Malformed("no 'shape' key");
    return header;
  }

private:
  [[noreturn]] void Malformed(const std::string& what) const {
    Fail(who_, path_, "malformed header: " + what);
  }

  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    if (Peek() != c || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }

  void Expect(char c) {
    if (!Consume(c)) {
      Malformed(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
    }
  }

  std::string ParseString() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') {
      Malformed("expected a quoted string at offset " + std::to_string(pos_));
    }
    ++pos_;
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string::npos) Malformed("unterminated string");
    std::string value = text_.substr(pos_, end - pos_);
    if (value.find('\\') != std::string::npos) Malformed("escape sequences are not supported");
    pos_ = end + 1;
    return value;
  }

  bool ParseBool() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    Malformed("fortran_order must be True or False");
  }

  std::size_t ParseInteger() {
    if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
      Malformed("expected a non-negative integer in the shape at offset " + std::to_string(pos_));
    }
    std::size_t value = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      const std::size_t digit = static_cast<std::size_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) {
        Fail(who_, path_, "shape dimension too large");
      }
      value = value * 10 + digit;
      ++pos_;
    }
    if (Peek() == 'L') ++pos_;  // Python 2 long literal, e.g. (3L, 4L)
    return value;
  }

  std::vector<std::size_t> ParseShape() {
    std::vector<std::size_t> shape;
    Expect('(');
    SkipSpace();
    if (Consume(')')) return shape;
    for (;;) {
      shape.push_back(ParseInteger());
      if (shape.size() > 64) Malformed("more than 64 dimensions");
      SkipSpace();
      if (Consume(',')) {
        SkipSpace();
        if (Consume(')')) break;
        continue;
      }
      if (shape.size() == 1) Malformed("shape is not a tuple (a 1-tuple needs a comma)");
      Expect(')');
      break;
    }
    return shape;
  }

  const std::string& text_;
  const std::string& who_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

//! Product of the dimensions, or false on overflow.
bool ShapeProduct(const std::vector<std::size_t>& shape, std::size_t& product) {
  product = 1;
  for (std::size_t d : shape) {
    if (d != 0 && product > std::numeric_limits<std::size_t>::max() / d) return false;
    product *= d;
  }
  return true;
}

//! Fills `out` with the C-order rows [first, first + count) of an array's last axis.
template <typename T>
using RowSource = std::function<void(std::size_t first, std::size_t count, T* out)>;

//! Writes an array of `shape` whose rows `source` supplies a chunk at a time, and returns the
//! checksum of the bytes written; no copy of the whole array is made.
template <typename T>
std::uint64_t WriteNpyRows(const std::string& path, const std::vector<std::size_t>& shape,
                           const RowSource<T>& source) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  constexpr std::size_t itemSize = sizeof(T);
  if (shape.empty()) {
    throw std::invalid_argument("WriteNpy(): " + path + ": scalar (0-d) arrays are not supported");
  }
  std::size_t size = 0;
  if (!ShapeProduct(shape, size) || size > std::numeric_limits<std::size_t>::max() / itemSize) {
    throw std::invalid_argument("WriteNpy(): " + path + ": shape " + ShapeToString(shape) +
                                " is too large");
  }

  std::string header = std::string("{'descr': '") + (itemSize == 4 ? "<f4" : "<f8") +
                       "', 'fortran_order': False, 'shape': " + ShapeToString(shape) + ", }";
  const std::size_t unpadded = kMagicLength + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 65535) {
    throw std::invalid_argument("WriteNpy(): " + path + ": shape " + ShapeToString(shape) +
                                " does not fit a version 1.0 header");
  }

  const std::size_t rowLength = shape.back();
  const std::size_t rows = rowLength == 0 ? 0 : size / rowLength;
  const std::size_t rowsPerChunk =
      std::max<std::size_t>(1, kChunkElements / std::max<std::size_t>(rowLength, 1));
  std::uint64_t checksum = kChecksumStart;
  WriteFileAtomically(path, [&](std::ostream& out) {
    const auto put = [&](const void* bytes, std::size_t count) {
      checksum = Checksum(bytes, count, checksum);
      out.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(count));
    };
    put(kMagic, kMagicLength);
    const char version[2] = {1, 0};
    put(version, 2);
    const char length[2] = {static_cast<char>(header.size() & 0xFFu),
                            static_cast<char>((header.size() >> 8) & 0xFFu)};
    put(length, 2);
    put(header.data(), header.size());
    std::vector<T> values(std::min(rows, rowsPerChunk) * rowLength);
    std::vector<unsigned char> bytes(values.size() * itemSize);
    for (std::size_t first = 0; first < rows && out; first += rowsPerChunk) {
      const std::size_t count = std::min(rowsPerChunk, rows - first);
      source(first, count, values.data());
      const std::size_t elements = count * rowLength;
      for (std::size_t i = 0; i < elements; ++i) Encode(values[i], &bytes[i * itemSize]);
      put(bytes.data(), elements * itemSize);
    }
  });
  return checksum;
}

template <typename T>
std::uint64_t WriteNpyImpl(const std::string& path, const std::vector<std::size_t>& shape,
                           const T* data) {
  std::size_t size = 0;
  if (ShapeProduct(shape, size) && size > 0 && data == nullptr) {
    throw std::invalid_argument("WriteNpy(): " + path + ": null data pointer");
  }
  const std::size_t rowLength = shape.empty() ? 0 : shape.back();
  return WriteNpyRows<T>(path, shape, [&](std::size_t first, std::size_t count, T* out) {
    std::copy_n(data + first * rowLength, count * rowLength, out);
  });
}

[[noreturn]] void BadShape(const char* function, const std::vector<std::size_t>& shape,
                           const std::string& expected) {
  throw std::invalid_argument(std::string(function) + "(): unsupported array shape " +
                              ShapeToString(shape) + "; expected " + expected);
}

//! Checks that the values match the shape and that no dimension is zero.
void CheckArray(const char* function, const NpyArray& a, const std::string& expected) {
  std::size_t size = 0;
  if (!ShapeProduct(a.shape, size) || size != a.values.size()) {
    throw std::invalid_argument(std::string(function) + "(): array of shape " +
                                ShapeToString(a.shape) + " holds " +
                                std::to_string(a.values.size()) + " values");
  }
  for (std::size_t d : a.shape) {
    if (d == 0) BadShape(function, a.shape, expected + " with no zero dimension");
  }
}

template <typename T>
T Element(const char* function, double value) {
  if constexpr (std::is_same_v<T, float>) {
    if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
      throw std::invalid_argument(std::string(function) + "(): value " + std::to_string(value) +
                                  " is out of float range");
    }
  }
  return static_cast<T>(value);
}

}  // namespace

std::size_t NpyArray::Size() const {
  std::size_t size = 0;
  if (!ShapeProduct(shape, size)) throw std::overflow_error("NpyArray::Size(): shape overflows");
  return size;
}

std::string ShapeToString(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

namespace {

//! ReadNpyHeader on an open stream of `fileSize` bytes, which it leaves at the data.
NpyHeader ReadHeader(const std::string& who, const std::string& path, std::istream& in,
                     std::uintmax_t fileSize) {
  // Preamble: magic, version, header length.
  unsigned char preamble[12] = {};
  const std::size_t preambleRead = static_cast<std::size_t>(std::min<std::uintmax_t>(fileSize, 10));
  in.read(reinterpret_cast<char*>(preamble), static_cast<std::streamsize>(preambleRead));
  if (static_cast<std::size_t>(in.gcount()) != preambleRead) Fail(who, path, "read error");
  if (preambleRead < kMagicLength || std::memcmp(preamble, kMagic, kMagicLength) != 0) {
    Fail(who, path, "bad magic (not a .npy file)");
  }
  if (preambleRead < 10) Fail(who, path, "truncated header");
  const int major = preamble[6], minor = preamble[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
    Fail(who, path,
         "unsupported NPY format version " + std::to_string(major) + "." + std::to_string(minor) +
             " (1.0, 2.0 and 3.0 are supported)");
  }
  std::size_t headerLength = std::size_t(preamble[8]) | (std::size_t(preamble[9]) << 8);
  std::size_t headerStart = 10;
  if (major >= 2) {
    if (fileSize < 12) Fail(who, path, "truncated header");
    in.read(reinterpret_cast<char*>(preamble + 10), 2);
    if (in.gcount() != 2) Fail(who, path, "read error");
    headerLength |= (std::size_t(preamble[10]) << 16) | (std::size_t(preamble[11]) << 24);
    headerStart = 12;
  }
  if (headerLength > fileSize - headerStart) {
    Fail(who, path,
         "truncated header (expected " + std::to_string(headerLength) + " bytes, found " +
             std::to_string(fileSize - headerStart) + ")");
  }
  std::string headerText(headerLength, '\0');
  in.read(headerText.data(), static_cast<std::streamsize>(headerLength));
  if (static_cast<std::size_t>(in.gcount()) != headerLength) Fail(who, path, "read error");

  const HeaderParser::Header dictionary = HeaderParser(headerText, who, path).Parse();
  NpyHeader header;
  if (dictionary.descr == "<f4") {
    header.itemSize = 4;
  } else if (dictionary.descr == "<f8") {
    header.itemSize = 8;
  } else if (dictionary.descr == ">f4" || dictionary.descr == ">f8") {
    Fail(who, path, "big-endian data ('" + dictionary.descr + "') is not supported");
  } else {
    Fail(who, path,
         "unsupported dtype '" + Printable(dictionary.descr) +
             "' (only '<f4' and '<f8' are supported)");
  }
  if (dictionary.fortranOrder) Fail(who, path, "Fortran-order arrays are not supported");
  if (dictionary.shape.empty()) Fail(who, path, "scalar (0-d) arrays are not supported");
  header.shape = dictionary.shape;
  std::size_t size = 0;
  if (!ShapeProduct(header.shape, size) ||
      size > std::numeric_limits<std::size_t>::max() / header.itemSize) {
    Fail(who, path, "shape " + ShapeToString(header.shape) + " is too large");
  }
  const std::size_t dataBytes = size * header.itemSize;
  const std::uintmax_t available = fileSize - headerStart - headerLength;
  if (available < dataBytes) {
    Fail(who, path,
         "truncated data (expected " + std::to_string(dataBytes) + " bytes, found " +
             std::to_string(available) + ")");
  }
  header.dataOffset = headerStart + headerLength;
  return header;
}

}  // namespace

std::size_t NpyHeader::Size() const {
  std::size_t size = 1;
  for (std::size_t d : shape) size *= d;
  return size;
}

NpyHeader ReadNpyHeader(const std::string& who, const std::string& path) {
  std::ifstream in;
  const std::uintmax_t fileSize = OpenInputFile(who, path, in);
  return ReadHeader(who, path, in, fileSize);
}

NpyArray ReadNpy(const std::string& path) {
  const std::string who = "ReadNpy()";
  std::ifstream in;
  const std::uintmax_t fileSize = OpenInputFile(who, path, in);
  const NpyHeader header = ReadHeader(who, path, in, fileSize);
  const std::size_t size = header.Size(), itemSize = header.itemSize;
  NpyArray array;
  array.shape = header.shape;
  array.isFloat32 = itemSize == 4;
  array.values.resize(size);
  std::vector<unsigned char> buffer(std::min(size, kChunkElements) * itemSize);
  for (std::size_t start = 0; start < size; start += kChunkElements) {
    const std::size_t count = std::min(kChunkElements, size - start);
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(count * itemSize));
    if (static_cast<std::size_t>(in.gcount()) != count * itemSize) {
      Fail(who, path,
           "truncated data (read error after " + std::to_string(start * itemSize) + " bytes)");
    }
    for (std::size_t i = 0; i < count; ++i) {
      const double value =
          itemSize == 4 ? DecodeNpyF4(&buffer[i * 4]) : DecodeNpyF8(&buffer[i * 8]);
      if (!std::isfinite(value)) {
        Fail(who, path,
             "contains NaN or infinite values (first at flat index " + std::to_string(start + i) +
                 ")");
      }
      array.values[start + i] = value;
    }
  }
  return array;
}

std::uint64_t WriteNpy(const std::string& path, const std::vector<std::size_t>& shape,
                       const float* data) {
  return WriteNpyImpl(path, shape, data);
}

std::uint64_t WriteNpy(const std::string& path, const std::vector<std::size_t>& shape,
                       const double* data) {
  return WriteNpyImpl(path, shape, data);
}

template <typename T>
std::vector<Image<T>> ImagesFromNpy(const NpyArray& a, bool colour) {
  const std::string expected = colour ? "(H, W), (C, H, W), (N, H, W) or (N, C, H, W)"
                                      : "(H, W), (N, H, W), (N, 1, H, W) or (N, 3, H, W)";
  const auto& s = a.shape;
  if (s.size() < 2 || s.size() > 4) BadShape("ImagesFromNpy", s, expected);
  CheckArray("ImagesFromNpy", a, expected);
  std::size_t n = 1, c = 1, h = 0, w = 0;
  bool toGrey = false;
  if (s.size() == 2) {
    h = s[0];
    w = s[1];
  } else if (s.size() == 3) {
    if (colour && s[0] == 3) {
      c = 3;
    } else {
      n = s[0];
    }
    h = s[1];
    w = s[2];
  } else {
    n = s[0];
    c = s[1];
    h = s[2];
    w = s[3];
    if (!colour) {
      if (c == 3) {
        toGrey = true;
      } else if (c != 1) {
        BadShape("ImagesFromNpy", s, expected + " for grey images");
      }
    }
  }

  const double* v = a.values.data();
  std::vector<Image<T>> images;
  images.reserve(n);
  const std::size_t plane = h * w;
  for (std::size_t i = 0; i < n; ++i) {
    const double* base = v + i * c * plane;
    if (toGrey) {
      Image<T> image(h, w, 1);
      for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
          const std::size_t at = y * w + x;
          image(y, x, 0) = Element<T>("ImagesFromNpy", 0.299 * base[at] + 0.587 * base[plane + at] +
                                                           0.114 * base[2 * plane + at]);
        }
      }
      images.push_back(std::move(image));
    } else {
      Image<T> image(h, w, c);
      for (std::size_t ch = 0; ch < c; ++ch) {
        for (std::size_t y = 0; y < h; ++y) {
          for (std::size_t x = 0; x < w; ++x) {
            image(y, x, ch) = Element<T>("ImagesFromNpy", base[ch * plane + y * w + x]);
          }
        }
      }
      images.push_back(std::move(image));
    }
  }
  return images;
}

template <typename T>
FilterBank<T> FilterBankFromNpy(const NpyArray& a) {
  const std::string expected = "(K, h, w) or (K, C, h, w)";
  const auto& s = a.shape;
  if (s.size() != 3 && s.size() != 4) BadShape("FilterBankFromNpy", s, expected);
  CheckArray("FilterBankFromNpy", a, expected);
  const std::size_t K = s[0];
  const std::size_t C = s.size() == 4 ? s[1] : 1;
  const std::size_t h = s[s.size() - 2], w = s[s.size() - 1];
  FilterBank<T> bank(K, C, h, w);
  const double* v = a.values.data();
  for (std::size_t k = 0; k < K; ++k) {
    for (std::size_t c = 0; c < C; ++c) {
      arma::Mat<T>& f = bank.Filter(k, c);
      const double* base = v + (k * C + c) * h * w;
      for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
          f(y, x) = Element<T>("FilterBankFromNpy", base[y * w + x]);
        }
      }
    }
  }
  return bank;
}

template <typename T>
void WriteNpy(const std::string& path, const FilterBank<T>& filters) {
  const std::size_t K = filters.filters, C = filters.channels;
  const std::size_t h = filters.Rows(), w = filters.Cols();
  if (K == 0 || C == 0 || h == 0 || w == 0) {
    throw std::invalid_argument("WriteNpy(): " + path + ": empty filter bank");
  }
  if (filters.data.n_slices != K * C) {
    throw std::invalid_argument("WriteNpy(): " + path + ": filter bank has " +
                                std::to_string(filters.data.n_slices) +
                                " slices, expected K*C = " + std::to_string(K * C));
  }
  std::vector<T> buffer(K * C * h * w);
  for (std::size_t k = 0; k < K; ++k) {
    for (std::size_t c = 0; c < C; ++c) {
      const arma::Mat<T>& f = filters.Filter(k, c);
      T* base = buffer.data() + (k * C + c) * h * w;
      for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) base[y * w + x] = f(y, x);
      }
    }
  }
  const std::vector<std::size_t> shape =
      C == 1 ? std::vector<std::size_t>{K, h, w} : std::vector<std::size_t>{K, C, h, w};
  WriteNpy(path, shape, buffer.data());
}

template <typename T>
std::uint64_t WriteNpy(const std::string& path, const arma::Cube<T>& cube,
                       bool squeezeSingleSlice) {
  const std::size_t rows = cube.n_rows, cols = cube.n_cols, slices = cube.n_slices;
  if (cube.n_elem == 0) throw std::invalid_argument("WriteNpy(): " + path + ": empty array");
  const std::vector<std::size_t> shape = slices == 1 && squeezeSingleSlice
                                             ? std::vector<std::size_t>{rows, cols}
                                             : std::vector<std::size_t>{slices, rows, cols};
  // C-order row r is row r % rows of slice r / rows: a strided read of the column-major cube.
  return WriteNpyRows<T>(path, shape, [&](std::size_t first, std::size_t count, T* out) {
    for (std::size_t r = first; r < first + count; ++r, out += cols) {
      const T* column = cube.slice(r / rows).memptr() + r % rows;
      for (std::size_t x = 0; x < cols; ++x) out[x] = column[x * rows];
    }
  });
}

template <typename T>
arma::Cube<T> CubeFromNpy(const NpyArray& a) {
  const std::string expected = "(H, W) or (S, H, W)";
  const auto& s = a.shape;
  if (s.size() != 2 && s.size() != 3) BadShape("CubeFromNpy", s, expected);
  CheckArray("CubeFromNpy", a, expected);
  const std::size_t slices = s.size() == 3 ? s[0] : 1;
  const std::size_t rows = s[s.size() - 2], cols = s[s.size() - 1];
  arma::Cube<T> cube(rows, cols, slices);
  for (std::size_t k = 0; k < slices; ++k) {
    const double* base = a.values.data() + k * rows * cols;
    for (std::size_t y = 0; y < rows; ++y) {
      for (std::size_t x = 0; x < cols; ++x) {
        cube(y, x, k) = Element<T>("CubeFromNpy", base[y * cols + x]);
      }
    }
  }
  return cube;
}

template std::vector<Image<float>> ImagesFromNpy<float>(const NpyArray&, bool);
template std::vector<Image<double>> ImagesFromNpy<double>(const NpyArray&, bool);
template FilterBank<float> FilterBankFromNpy<float>(const NpyArray&);
template FilterBank<double> FilterBankFromNpy<double>(const NpyArray&);
template void WriteNpy<float>(const std::string&, const FilterBank<float>&);
template void WriteNpy<double>(const std::string&, const FilterBank<double>&);
template std::uint64_t WriteNpy<float>(const std::string&, const arma::Cube<float>&, bool);
template std::uint64_t WriteNpy<double>(const std::string&, const arma::Cube<double>&, bool);
template arma::Cube<float> CubeFromNpy<float>(const NpyArray&);
template arma::Cube<double> CubeFromNpy<double>(const NpyArray&);

}  // namespace dn
