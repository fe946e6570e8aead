#include "io/image_stream.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "io/image.hpp"
#include "io/input_file.hpp"
#include "io/npy.hpp"

namespace dn {
namespace {

namespace fs = std::filesystem;

const char* const kOpen = "OpenImageSource()";
const char* const kLoad = "ImageSource::Load()";

[[noreturn]] void FailOpen(const std::string& path, const std::string& what) {
  throw std::runtime_error(std::string(kOpen) + ": " + path + ": " + what);
}

[[noreturn]] void FailLoad(const std::string& name, const std::string& what) {
  throw std::runtime_error(std::string(kLoad) + ": " + name + ": " + what);
}

std::uint32_t BigEndian16(const unsigned char* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

std::uint32_t LittleEndian16(const unsigned char* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8);
}

std::uint32_t LittleEndian32(const unsigned char* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
         (std::uint32_t(p[3]) << 24);
}

//! True when the name ends in `extension` (lower case, with its dot), in any case.
bool HasExtension(const std::string& path, const std::string& extension) {
  if (path.size() < extension.size()) return false;
  for (std::size_t i = 0; i < extension.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(path[path.size() - extension.size() + i]);
    if (std::tolower(c) != extension[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reading headers.

//! Random-access reads of a file's header bytes. Unbuffered, so that each read is one system
//! call of the size asked for and walking past image data reads none of it.
class HeaderFile {
public:
  explicit HeaderFile(const std::string& path) : path_(path) {
    in_.rdbuf()->pubsetbuf(nullptr, 0);
    size_ = OpenInputFile(kOpen, path, in_);
  }

  const std::string& Path() const { return path_; }
  std::uintmax_t Size() const { return size_; }

  //! Reads min(count, Size() - offset) bytes at `offset` into `out`; returns how many.
  std::size_t Read(std::uintmax_t offset, std::size_t count, unsigned char* out) {
    if (offset >= size_) return 0;
    count = static_cast<std::size_t>(std::min<std::uintmax_t>(count, size_ - offset));
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(count));
    if (static_cast<std::size_t>(in_.gcount()) != count) FailOpen(path_, "read error");
    return count;
  }

  //! Reads exactly `count` bytes at `offset`, or fails with `truncated`.
  void ReadExactly(std::uintmax_t offset, std::size_t count, unsigned char* out,
                   const std::string& truncated) {
    if (offset > size_ || count > size_ - offset) FailOpen(path_, truncated);
    Read(offset, count, out);
  }

private:
  std::string path_;
  std::ifstream in_;
  std::uintmax_t size_ = 0;
};

//! Width and height of an image file, as its header declares them.
struct Dimensions {
  std::uint64_t width = 0, height = 0;
};

//! The limits ReadImage applies: at most kMaxImagePixels pixels, and (stb_image's) at most 2^24
//! pixels along each side.
void CheckPixelCount(const std::string& path, std::uint64_t width, std::uint64_t height) {
  if (width == 0 || height == 0) FailOpen(path, "image with zero size");
  constexpr std::uint64_t maxSide = std::uint64_t(1) << 24;
  if (width > kMaxImagePixels || height > kMaxImagePixels / width || width > maxSide ||
      height > maxSide) {
    FailOpen(path, "image too large (" + std::to_string(width) + "x" + std::to_string(height) +
                       " pixels; at most " + std::to_string(kMaxImagePixels) + " are accepted)");
  }
}

//! PNG: the IHDR chunk's fields (as stb_image checks them), then the chunk sequence up to IEND
//! within the file (as ReadImage checks it), by reading each chunk's 8-byte head only.
Dimensions PngHeader(HeaderFile& file) {
  const std::string& path = file.Path();
  const std::uintmax_t size = file.Size();
  Dimensions dims;
  std::uintmax_t pos = 8;
  for (bool first = true;; first = false) {
    unsigned char head[8];
    if (size - pos < 8)
      FailOpen(path, first ? "truncated PNG header" : "truncated PNG (no IEND chunk)");
    file.Read(pos, 8, head);
    const std::uint64_t length = BigEndian32(head);
    const unsigned char* type = head + 4;
    if (first) {
      if (std::memcmp(type, "IHDR", 4) != 0) FailOpen(path, "corrupt PNG header (no IHDR chunk)");
      if (length != 13)
        FailOpen(path, "corrupt PNG header (IHDR length " + std::to_string(length) + ")");
      unsigned char ihdr[13];
      file.ReadExactly(pos + 8, 13, ihdr, "truncated PNG header");
      dims.width = BigEndian32(ihdr);
      dims.height = BigEndian32(ihdr + 4);
      const unsigned depth = ihdr[8], colourType = ihdr[9];
      if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16)
        FailOpen(path, "corrupt PNG header (bit depth " + std::to_string(depth) + ")");
      if (colourType > 6 || (colourType != 3 && (colourType & 1u)) ||
          (colourType == 3 && depth == 16))
        FailOpen(path, "corrupt PNG header (colour type " + std::to_string(colourType) + ")");
      if (ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1)
        FailOpen(path, "corrupt PNG header (compression, filter or interlace method)");
      if (dims.width == 0 || dims.height == 0) FailOpen(path, "corrupt PNG header (zero size)");
      CheckPixelCount(path, dims.width, dims.height);
    }
    if (length > size - pos - 8 || size - pos - 8 - length < 4) FailOpen(path, "truncated PNG");
    if (std::memcmp(type, "IEND", 4) == 0) return dims;
    pos += 12 + length;
  }
}

//! JPEG: the marker segments before the frame header (those stb_image accepts there), skipped
//! by their lengths, then the baseline or progressive frame header's size. A JPEG's data takes at
//! least one bit per 8x8 block (ReadImage's check against files claiming millions of pixels).
Dimensions JpegHeader(HeaderFile& file) {
  const std::string& path = file.Path();
  const std::string truncated = "truncated JPEG (no frame header)";
  std::uintmax_t pos = 2;  // after SOI
  unsigned char b[6];
  for (;;) {
    file.ReadExactly(pos, 2, b, truncated);
    if (b[0] != 0xFF) FailOpen(path, "corrupt JPEG (expected a marker)");
    ++pos;
    while (b[1] == 0xFF) file.ReadExactly(++pos, 1, b + 1, truncated);  // fill bytes
    const unsigned marker = b[1];
    ++pos;
    const bool known = marker == 0xC4 || marker == 0xDB || marker == 0xDD ||
                       (marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE;
    const bool frame = marker == 0xC0 || marker == 0xC1 || marker == 0xC2;
    if (marker >= 0xC3 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      FailOpen(path,
               "unsupported JPEG (lossless, hierarchical or arithmetic-coded; only baseline and "
               "progressive JPEGs are supported)");
    }
    if (!known && !frame) {
      static const char digits[] = "0123456789ABCDEF";
      FailOpen(path, std::string("corrupt JPEG (marker 0xFF") + digits[marker >> 4] +
                         digits[marker & 15] + " before the frame header)");
    }
    file.ReadExactly(pos, 2, b, truncated);
    const std::uint32_t length = BigEndian16(b);
    if (length < 2) FailOpen(path, "corrupt JPEG (bad segment length)");
    if (frame) {
      if (length < 8) FailOpen(path, "corrupt JPEG (bad frame header)");
      file.ReadExactly(pos + 2, 6, b, truncated);
      if (b[0] != 8)
        FailOpen(path, "unsupported JPEG (" + std::to_string(b[0]) +
                           "-bit samples; only 8-bit JPEGs are supported)");
      Dimensions dims;
      dims.height = BigEndian16(b + 1);
      dims.width = BigEndian16(b + 3);
      const unsigned components = b[5];
      if (dims.height == 0)
        FailOpen(path, "unsupported JPEG (height defined after the first scan)");
      if (components != 1 && components != 3 && components != 4)
        FailOpen(path, "corrupt JPEG (bad component count)");
      if (length < 8 + 3 * components) FailOpen(path, "corrupt JPEG (bad frame header)");
      CheckPixelCount(path, dims.width, dims.height);
      const std::uint64_t blocks = (dims.width + 7) / 8 * ((dims.height + 7) / 8);
      if (blocks > 8 * static_cast<std::uint64_t>(file.Size())) {
        FailOpen(path, "truncated JPEG (" + std::to_string(dims.width) + "x" +
                           std::to_string(dims.height) + " pixels cannot fit in " +
                           std::to_string(file.Size()) + " bytes)");
      }
      return dims;
    }
    pos += length;
  }
}

//! Binary PGM (P5) or PPM (P6): "P5", width, height and maxval separated by white space and
//! comments, then one white-space byte; the file must hold the data the header declares.
Dimensions PnmHeader(HeaderFile& file) {
  const std::string& path = file.Path();
  // The header is read in growing pieces: comments can make it long.
  std::vector<unsigned char> bytes;
  const auto has = [&](std::size_t pos) {
    while (pos >= bytes.size() && bytes.size() < file.Size()) {
      const std::size_t old = bytes.size();
      bytes.resize(std::max<std::size_t>(256, 2 * old));
      bytes.resize(old + file.Read(old, bytes.size() - old, bytes.data() + old));
    }
    return pos < bytes.size();
  };
  has(2);
  const std::size_t channels = bytes[1] == '5' ? 1 : 3;
  std::size_t pos = 2;
  std::size_t fields[3] = {0, 0, 0};
  for (std::size_t& field : fields) {
    for (;;) {  // white space and comments
      while (has(pos) && std::isspace(bytes[pos])) ++pos;
      if (has(pos) && bytes[pos] == '#') {
        while (has(pos) && bytes[pos] != '\n' && bytes[pos] != '\r') ++pos;
        continue;
      }
      break;
    }
    if (!has(pos)) FailOpen(path, "truncated PGM/PPM header");
    if (!std::isdigit(bytes[pos])) FailOpen(path, "corrupt PGM/PPM header");
    while (has(pos) && std::isdigit(bytes[pos])) {
      field = field * 10 + static_cast<std::size_t>(bytes[pos++] - '0');
      if (field > (std::size_t(1) << 30))
        FailOpen(path, "corrupt PGM/PPM header (number too large)");
    }
  }
  if (!has(pos) || !std::isspace(bytes[pos])) FailOpen(path, "corrupt or truncated PGM/PPM header");
  const std::size_t dataOffset = pos + 1;
  Dimensions dims;
  dims.width = fields[0];
  dims.height = fields[1];
  const std::size_t maxValue = fields[2];
  if (dims.width == 0 || dims.height == 0) FailOpen(path, "PGM/PPM with zero size");
  if (maxValue == 0 || maxValue > 65535) FailOpen(path, "PGM/PPM maxval out of range");
  CheckPixelCount(path, dims.width, dims.height);
  const std::uint64_t needed = dims.width * dims.height * channels * (maxValue > 255 ? 2 : 1);
  const std::uint64_t available = file.Size() - dataOffset;
  if (available < needed) {
    FailOpen(path, "truncated PGM/PPM data (expected " + std::to_string(needed) + " bytes, found " +
                       std::to_string(available) + ")");
  }
  return dims;
}

//! BMP: the info header's size, planes, bits and compression (those stb_image decodes), and the
//! rows within the file.
Dimensions BmpHeader(HeaderFile& file) {
  const std::string& path = file.Path();
  unsigned char b[34] = {};
  file.ReadExactly(0, 26, b, "truncated BMP header");
  const std::uint64_t offset = LittleEndian32(b + 10);
  const std::uint32_t infoSize = LittleEndian32(b + 14);
  if (infoSize != 12 && infoSize != 40 && infoSize != 56 && infoSize != 108 && infoSize != 124)
    FailOpen(path, "unsupported BMP (info header of " + std::to_string(infoSize) + " bytes)");
  Dimensions dims;
  std::uint64_t planes = 0, bits = 0, compression = 0;
  if (infoSize == 12) {
    dims.width = LittleEndian16(b + 18);
    dims.height = LittleEndian16(b + 20);
    planes = LittleEndian16(b + 22);
    bits = LittleEndian16(b + 24);
  } else {
    file.ReadExactly(0, 34, b, "truncated BMP header");
    const auto w = static_cast<std::int32_t>(LittleEndian32(b + 18));
    const auto h = static_cast<std::int32_t>(LittleEndian32(b + 22));
    dims.width = static_cast<std::uint64_t>(w < 0 ? -static_cast<std::int64_t>(w) : w);
    dims.height = static_cast<std::uint64_t>(h < 0 ? -static_cast<std::int64_t>(h) : h);
    planes = LittleEndian16(b + 26);
    bits = LittleEndian16(b + 28);
    compression = LittleEndian32(b + 30);
  }
  if (dims.width == 0 || dims.height == 0 || dims.width > (1u << 24) || dims.height > (1u << 24) ||
      planes != 1 || bits == 0 || bits > 32) {
    FailOpen(path, "corrupt BMP header");
  }
  if (compression != 0 && compression != 3 && compression != 6) {
    FailOpen(path, "unsupported BMP compression " + std::to_string(compression) +
                       " (only uncompressed and bit-field BMPs are supported)");
  }
  CheckPixelCount(path, dims.width, dims.height);
  const std::uint64_t rowBytes = (dims.width * bits + 31) / 32 * 4;
  if (offset + rowBytes * dims.height > file.Size()) {
    FailOpen(path, "truncated BMP (expected " + std::to_string(offset + rowBytes * dims.height) +
                       " bytes, found " + std::to_string(file.Size()) + ")");
  }
  return dims;
}

//! An image file's size from its header; the format is recognised by its first bytes, as
//! ReadImage does, and the file's size is checked as ReadImage checks it.
Dimensions ImageFileHeader(const std::string& path) {
  HeaderFile file(path);
  if (file.Size() == 0) FailOpen(path, "empty file");
  if (file.Size() > static_cast<std::uintmax_t>(INT_MAX)) FailOpen(path, "file too large");
  unsigned char b[8] = {};
  const std::size_t n = file.Read(0, 8, b);
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n >= 8 && std::memcmp(b, png, 8) == 0) return PngHeader(file);
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return JpegHeader(file);
  if (n >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '6') && std::isspace(b[2]))
    return PnmHeader(file);
  if (n >= 2 && b[0] == 'B' && b[1] == 'M') return BmpHeader(file);
  if (n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '4')
    FailOpen(path, "ASCII or 1-bit PBM/PGM/PPM (P1-P4) is not supported; use binary P5/P6");
  FailOpen(path, "unrecognised image format (PNG, JPEG, binary PGM/PPM and BMP are supported)");
}

// ---------------------------------------------------------------------------------------------
// .npy arrays: the header as ReadNpyHeader (io/npy.hpp) checks it, the images read one at a time.

//! A .npy array's images, as ImagesFromNpy reads them; read one at a time.
struct NpyLayout {
  std::uint64_t dataOffset = 0;  //!< where element 0 starts
  std::size_t itemSize = 0;      //!< 4 ('<f4') or 8 ('<f8')
  std::size_t count = 1;         //!< images N
  std::size_t fileChannels = 1;  //!< channels stored per image
  std::size_t rows = 0, cols = 0;
  bool toGrey = false;   //!< (N, 3, H, W) without colour: 0.299 R + 0.587 G + 0.114 B
  bool indexed = false;  //!< has an image axis N (so its images are named "file[i]")
};

NpyLayout NpyHeader(const std::string& path, bool colour) {
  const dn::NpyHeader header = ReadNpyHeader(kOpen, path);
  NpyLayout layout;
  layout.itemSize = header.itemSize;
  layout.dataOffset = header.dataOffset;
  const std::vector<std::size_t>& s = header.shape;

  const std::string expected = colour ? "(H, W), (C, H, W), (N, H, W) or (N, C, H, W)"
                                      : "(H, W), (N, H, W), (N, 1, H, W) or (N, 3, H, W)";
  const auto badShape = [&](const std::string& what) {
    FailOpen(path, "unsupported array shape " + ShapeToString(s) + "; expected " + what);
  };
  if (s.size() < 2 || s.size() > 4) badShape(expected);
  for (std::size_t d : s)
    if (d == 0) badShape(expected + " with no zero dimension");
  layout.rows = s[s.size() - 2];
  layout.cols = s[s.size() - 1];
  if (s.size() == 3) {
    if (colour && s[0] == 3) {
      layout.fileChannels = 3;
    } else {
      layout.count = s[0];
      layout.indexed = true;
    }
  } else if (s.size() == 4) {
    layout.count = s[0];
    layout.fileChannels = s[1];
    layout.indexed = true;
    if (!colour) {
      if (s[1] == 3) {
        layout.toGrey = true;
      } else if (s[1] != 1) {
        badShape(expected + " for grey images");
      }
    }
  }
  if (layout.rows > kMaxImagePixels / layout.cols) {
    FailOpen(path, "images too large (" + std::to_string(layout.cols) + "x" +
                       std::to_string(layout.rows) + " pixels; at most " +
                       std::to_string(kMaxImagePixels) + " are accepted)");
  }
  return layout;
}

//! Element k of raw little-endian data of `kItemSize` bytes per element.
template <std::size_t kItemSize>
double Decode(const unsigned char* raw, std::size_t k) {
  if constexpr (kItemSize == 4) {
    return DecodeNpyF4(raw + 4 * k);
  } else {
    return DecodeNpyF8(raw + 8 * k);
  }
}

//! Image j of array `a` from its raw bytes, with ReadNpy's value check and ImagesFromNpy's
//! arithmetic. `name` names it in messages.
template <std::size_t kItemSize>
Image<double> NpyImage(const NpyLayout& a, const unsigned char* raw, std::size_t j,
                       const std::string& name) {
  const std::size_t plane = a.rows * a.cols, elements = a.fileChannels * plane;
  for (std::size_t k = 0; k < elements; ++k) {
    if (!std::isfinite(Decode<kItemSize>(raw, k))) {
      FailLoad(name, "contains NaN or infinite values (first at flat index " +
                         std::to_string(static_cast<std::uint64_t>(j) * elements + k) +
                         " of the array)");
    }
  }
  const std::size_t w = a.cols;
  if (a.toGrey) {
    Image<double> image(a.rows, a.cols, 1);
    for (std::size_t y = 0; y < a.rows; ++y) {
      for (std::size_t x = 0; x < w; ++x) {
        const std::size_t at = y * w + x;
        image(y, x, 0) = 0.299 * Decode<kItemSize>(raw, at) +
                         0.587 * Decode<kItemSize>(raw, plane + at) +
                         0.114 * Decode<kItemSize>(raw, 2 * plane + at);
      }
    }
    return image;
  }
  Image<double> image(a.rows, a.cols, a.fileChannels);
  for (std::size_t c = 0; c < a.fileChannels; ++c) {
    for (std::size_t y = 0; y < a.rows; ++y) {
      for (std::size_t x = 0; x < w; ++x)
        image(y, x, c) = Decode<kItemSize>(raw, c * plane + y * w + x);
    }
  }
  return image;
}

// ---------------------------------------------------------------------------------------------
// Sources.

//! A run of images from one file: one image file, or the images of one .npy array.
struct Segment {
  std::string path;
  std::size_t first = 0;  //!< the source's index of its first image
  std::size_t count = 1;
  ImageShape shape;  //!< of each of its images
  bool isNpy = false;
  NpyLayout npy;  //!< when isNpy
};

class FileImageSource final : public ImageSource {
public:
  FileImageSource(std::vector<Segment> segments, bool colour)
      : segments_(std::move(segments)), colour_(colour) {
    count_ = segments_.back().first + segments_.back().count;
  }

  std::size_t Count() const override { return count_; }

  ImageShape Shape(std::size_t i) const override { return Find(i, "ImageSource::Shape()").shape; }

  std::string Name(std::size_t i) const override {
    const Segment& s = Find(i, "ImageSource::Name()");
    return s.isNpy && s.npy.indexed ? s.path + "[" + std::to_string(i - s.first) + "]" : s.path;
  }

  Image<double> Load(std::size_t i) const override {
    const Segment& s = Find(i, kLoad);
    if (s.isNpy) return LoadFromNpy(s, i - s.first);
    Image<double> image = ReadImage(s.path, colour_);
    if (image.n_rows != s.shape.rows || image.n_cols != s.shape.cols ||
        image.n_slices != s.shape.channels) {
      FailLoad(s.path, "decoded as " + std::to_string(image.n_cols) + "x" +
                           std::to_string(image.n_rows) + " pixels but its header read " +
                           std::to_string(s.shape.cols) + "x" + std::to_string(s.shape.rows) +
                           " when it was opened (has the file changed?)");
    }
    return image;
  }

private:
  const Segment& Find(std::size_t i, const char* who) const {
    if (i >= count_) {
      throw std::invalid_argument(std::string(who) + ": index " + std::to_string(i) +
                                  " out of range (" + std::to_string(count_) + " images)");
    }
    const auto after =
        std::upper_bound(segments_.begin(), segments_.end(), i,
                         [](std::size_t v, const Segment& s) { return v < s.first; });
    return *(after - 1);
  }

  //! Image j of a .npy array: its bytes alone, read at their offset, as ImagesFromNpy reads it.
  Image<double> LoadFromNpy(const Segment& s, std::size_t j) const {
    const NpyLayout& a = s.npy;
    const std::string name = a.indexed ? s.path + "[" + std::to_string(j) + "]" : s.path;
    const std::size_t elements = a.fileChannels * a.rows * a.cols;
    const std::size_t bytes = elements * a.itemSize;
    std::ifstream in(s.path, std::ios::binary);
    if (!in) FailLoad(name, std::string("cannot open: ") + std::strerror(errno));
    std::vector<unsigned char> buffer(bytes);
    in.seekg(static_cast<std::streamoff>(a.dataOffset + static_cast<std::uint64_t>(j) * bytes));
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(bytes));
    if (!in || static_cast<std::size_t>(in.gcount()) != bytes)
      FailLoad(name, "truncated data (has the file changed since it was opened?)");
    return a.itemSize == 4 ? NpyImage<4>(a, buffer.data(), j, name)
                           : NpyImage<8>(a, buffer.data(), j, name);
  }

  std::vector<Segment> segments_;
  bool colour_ = false;
  std::size_t count_ = 0;
};

//! Builds the segments of OpenImageSource's inputs, reading every header.
class Opener {
public:
  explicit Opener(bool colour) : colour_(colour) {}

  //! Adds `input`; `where` names the list line it comes from ("" for an argument).
  void Add(const std::string& input, const std::string& where, bool inList) {
    std::error_code ec;
    if (!fs::exists(input, ec))
      throw std::runtime_error(std::string(kOpen) + ": " + where + "input " + input +
                               " does not exist");
    if (fs::is_directory(input, ec)) {
      const std::vector<std::string> files = ListImageFiles(input);
      if (files.empty()) {
        throw std::runtime_error(std::string(kOpen) + ": " + where + "directory " + input +
                                 " contains no images (.png, .jpg, .jpeg, .pgm, .ppm, .pnm, .bmp)");
      }
      for (const std::string& file : files) AddImageFile(file);
    } else if (HasExtension(input, ".npy")) {
      AddNpy(input);
    } else if (HasExtension(input, ".txt")) {
      if (inList) {
        throw std::runtime_error(
            std::string(kOpen) + ": " + where + "list " + input +
            ": a list may name images, directories and .npy arrays, not other lists");
      }
      AddList(input);
    } else {
      AddImageFile(input);
    }
  }

  std::vector<Segment> Finish() {
    if (segments_.empty()) throw std::runtime_error(std::string(kOpen) + ": no input images");
    const std::size_t channels = segments_.front().shape.channels;
    for (const Segment& s : segments_) {
      if (s.shape.channels != channels) {
        throw std::runtime_error(std::string(kOpen) + ": " + NameOf(s) + " has " +
                                 std::to_string(s.shape.channels) + " channels but " +
                                 NameOf(segments_.front()) + " has " + std::to_string(channels));
      }
    }
    return std::move(segments_);
  }

private:
  static std::string NameOf(const Segment& s) {
    return s.isNpy && s.npy.indexed ? s.path + "[0]" : s.path;
  }

  void Append(Segment segment) {
    segment.first = next_;
    next_ += segment.count;
    segments_.push_back(std::move(segment));
  }

  void AddImageFile(const std::string& path) {
    const Dimensions dims = ImageFileHeader(path);
    Segment s;
    s.path = path;
    s.shape =
        ImageShape{static_cast<std::size_t>(dims.height), static_cast<std::size_t>(dims.width),
                   colour_ ? std::size_t(3) : std::size_t(1)};
    Append(std::move(s));
  }

  void AddNpy(const std::string& path) {
    Segment s;
    s.path = path;
    s.isNpy = true;
    s.npy = NpyHeader(path, colour_);
    s.count = s.npy.count;
    s.shape =
        ImageShape{s.npy.rows, s.npy.cols, s.npy.toGrey ? std::size_t(1) : s.npy.fileChannels};
    Append(std::move(s));
  }

  //! One path per line, relative to the list's directory; blank lines and '#' lines skipped.
  void AddList(const std::string& list) {
    std::ifstream in;
    OpenInputFile(kOpen, list, in);
    const fs::path directory = fs::path(list).parent_path();
    const std::size_t before = next_;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
      const auto begin = std::find_if_not(line.begin(), line.end(), space);
      const auto end = std::find_if_not(line.rbegin(), line.rend(), space).base();
      if (begin >= end || *begin == '#') continue;
      const fs::path entry(std::string(begin, end));
      const std::string path = entry.is_absolute() ? entry.string() : (directory / entry).string();
      Add(path, list + " line " + std::to_string(number) + ": ", true);
    }
    if (in.bad()) FailOpen(list, "read error");
    if (next_ == before) FailOpen(list, "the list names no images");
  }

  bool colour_ = false;
  std::vector<Segment> segments_;
  std::size_t next_ = 0;
};

class MemorySource final : public ImageSource {
public:
  explicit MemorySource(std::vector<Image<double>> images) : images_(std::move(images)) {
    const char* who = "MemoryImageSource()";
    if (images_.empty()) throw std::invalid_argument(std::string(who) + ": no images");
    for (std::size_t i = 0; i < images_.size(); ++i) {
      const Image<double>& image = images_[i];
      if (image.n_elem == 0)
        throw std::invalid_argument(std::string(who) + ": " + Name(i) + " is empty");
      if (image.n_slices != images_.front().n_slices) {
        throw std::invalid_argument(std::string(who) + ": " + Name(i) + " has " +
                                    std::to_string(image.n_slices) + " channels but image 0 has " +
                                    std::to_string(images_.front().n_slices));
      }
      if (!image.is_finite())
        throw std::invalid_argument(std::string(who) + ": " + Name(i) +
                                    " has NaN or infinite values");
    }
  }

  std::size_t Count() const override { return images_.size(); }
  ImageShape Shape(std::size_t i) const override {
    const Image<double>& image = At(i, "ImageSource::Shape()");
    return ImageShape{image.n_rows, image.n_cols, image.n_slices};
  }
  Image<double> Load(std::size_t i) const override { return At(i, kLoad); }
  std::string Name(std::size_t i) const override { return "image " + std::to_string(i); }

private:
  const Image<double>& At(std::size_t i, const char* who) const {
    if (i >= images_.size()) {
      throw std::invalid_argument(std::string(who) + ": index " + std::to_string(i) +
                                  " out of range (" + std::to_string(images_.size()) + " images)");
    }
    return images_[i];
  }

  std::vector<Image<double>> images_;
};

}  // namespace

std::unique_ptr<ImageSource> OpenImageSource(const std::vector<std::string>& inputs, bool colour) {
  Opener opener(colour);
  for (const std::string& input : inputs) opener.Add(input, "", false);
  return std::make_unique<FileImageSource>(opener.Finish(), colour);
}

std::unique_ptr<ImageSource> MemoryImageSource(std::vector<Image<double>> images) {
  return std::make_unique<MemorySource>(std::move(images));
}

}  // namespace dn
