#include "io/image.hpp"

#include "io/input_file.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "core/atomic_file.hpp"

// stb_image (PNG, JPEG and BMP decoding) and stb_image_write (PNG encoding), compiled into this
// file only, with internal linkage, and with their warnings silenced here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_FAILURE_USERMSG
#include <stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace dn {
namespace {

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("ReadImage(): " + path + ": " + what);
}

std::vector<unsigned char> ReadWholeFile(const std::string& path) {
  std::ifstream in;
  const std::uintmax_t size = OpenInputFile("ReadImage()", path, in);
  if (size == 0) Fail(path, "empty file");
  if (size > static_cast<std::uintmax_t>(INT_MAX)) Fail(path, "file too large");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) Fail(path, "read error");
  return bytes;
}

enum class Format { Png, Jpeg, Pnm, Bmp };

Format DetectFormat(const std::string& path, const std::vector<unsigned char>& b) {
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= 8 && std::memcmp(b.data(), png, 8) == 0) return Format::Png;
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Format::Jpeg;
  if (b.size() >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '6') && std::isspace(b[2])) {
    return Format::Pnm;
  }
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return Format::Bmp;
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '4') {
    Fail(path, "ASCII or 1-bit PBM/PGM/PPM (P1-P4) is not supported; use binary P5/P6");
  }
  Fail(path, "unrecognised image format (PNG, JPEG, binary PGM/PPM and BMP are supported)");
}

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

std::uint32_t LittleEndian32(const unsigned char* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
         (std::uint32_t(p[3]) << 24);
}

//! A PNG must be a sequence of complete chunks starting with IHDR and reaching IEND.
void CheckPngComplete(const std::string& path, const std::vector<unsigned char>& b) {
  std::size_t pos = 8;
  bool first = true;
  while (pos + 8 <= b.size()) {
    const std::size_t length = BigEndian32(&b[pos]);
    const unsigned char* type = &b[pos + 4];
    if (first && std::memcmp(type, "IHDR", 4) != 0) Fail(path, "corrupt PNG (no IHDR chunk)");
    first = false;
    if (length > b.size() - pos - 8 || b.size() - pos - 8 - length < 4) {
      Fail(path, "truncated PNG");
    }
    if (std::memcmp(type, "IEND", 4) == 0) return;
    pos += 12 + length;
  }
  Fail(path, "truncated PNG (no IEND chunk)");
}

//! Huffman tables (DHT segment payload): class 0/1, id 0-3, at most 256 codes each. Debian's
//! stb_image 2.27 does not check the code count and writes past its tables when it exceeds 256.
//! `defined[class][id]` records the tables seen so far.
void CheckJpegHuffmanTables(const std::string& path, const unsigned char* p, std::size_t length,
                            bool defined[2][4]) {
  std::size_t pos = 0;
  while (pos < length) {
    if (length - pos < 17) Fail(path, "corrupt JPEG (bad Huffman table)");
    const unsigned char q = p[pos];
    if ((q >> 4) > 1 || (q & 15) > 3) Fail(path, "corrupt JPEG (bad Huffman table)");
    std::size_t codes = 0;
    for (std::size_t i = 1; i <= 16; ++i) codes += p[pos + i];
    if (codes > 256 || codes > length - pos - 17) {
      Fail(path, "corrupt JPEG (bad Huffman table)");
    }
    defined[q >> 4][q & 15] = true;
    pos += 17 + codes;
  }
}

//! A scan (SOS segment payload) may only use Huffman tables defined before it: stb_image 2.27
//! decodes with whatever its uninitialised table memory holds (found by fuzzing: an index far
//! past a 256-entry table). A sequential scan uses both tables of each component; a progressive
//! one its DC table in a first DC scan (Ss = 0, Ah = 0) and its AC table in an AC scan (Ss > 0;
//! Se > 0 too, which a DC scan must not have).
void CheckJpegScanTables(const std::string& path, const unsigned char* p, std::size_t length,
                         const bool defined[2][4], bool progressive) {
  if (length < 1) Fail(path, "corrupt JPEG (bad scan header)");
  const std::size_t components = p[0];
  if (components < 1 || components > 4 || length < 4 + 2 * components)
    Fail(path, "corrupt JPEG (bad scan header)");
  const unsigned char first = p[1 + 2 * components], last = p[2 + 2 * components];
  const unsigned char high = p[3 + 2 * components] >> 4;
  for (std::size_t i = 0; i < components; ++i) {
    const unsigned char tables = p[2 + 2 * i];
    const unsigned dc = tables >> 4, ac = tables & 15u;
    if (dc > 3 || ac > 3) Fail(path, "corrupt JPEG (bad scan header)");
    const bool usesDc = !progressive || (first == 0 && high == 0);
    const bool usesAc = !progressive || first != 0 || last > 0;
    if ((usesDc && !defined[0][dc]) || (usesAc && !defined[1][ac]))
      Fail(path, "corrupt JPEG (a scan uses an undefined Huffman table)");
  }
}

//! A JPEG must be a sequence of complete marker segments and entropy-coded data that reaches
//! the end-of-image marker. (stb_image refuses most truncated files itself; this makes the
//! rule explicit instead of depending on where the file was cut.) Huffman tables are checked too.
void CheckJpegComplete(const std::string& path, const std::vector<unsigned char>& b) {
  const std::size_t n = b.size();
  bool defined[2][4] = {};
  bool progressive = false;
  std::size_t pos = 2;  // after SOI
  while (pos < n) {
    if (b[pos] != 0xFF) Fail(path, "corrupt JPEG (expected a marker)");
    while (pos < n && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= n) break;
    const unsigned char marker = b[pos++];
    if (marker == 0xD9) return;                                          // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0x00 || marker == 0xD8) Fail(path, "corrupt JPEG (unexpected marker)");
    if (pos + 2 > n) break;
    const std::size_t length = (std::size_t(b[pos]) << 8) | b[pos + 1];
    if (length < 2) Fail(path, "corrupt JPEG (bad segment length)");
    if (length > n - pos) break;
    if (marker == 0xC4) CheckJpegHuffmanTables(path, &b[pos + 2], length - 2, defined);
    if (marker == 0xC2) progressive = true;
    if (marker == 0xDA) CheckJpegScanTables(path, &b[pos + 2], length - 2, defined, progressive);
    pos += length;
    if (marker == 0xDA) {  // start of scan: skip the entropy-coded data
      for (;;) {
        if (pos + 1 >= n) {
          pos = n;
          break;
        }
        if (b[pos] != 0xFF) {
          ++pos;
          continue;
        }
        const unsigned char next = b[pos + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          pos += 2;  // stuffed byte or restart marker
        } else if (next == 0xFF) {
          ++pos;  // fill byte
        } else {
          break;  // a marker: handled by the outer loop
        }
      }
    }
  }
  Fail(path, "truncated JPEG (no end-of-image marker)");
}

//! An uncompressed BMP must hold all its rows (stb_image would read zeros past the end).
void CheckBmpComplete(const std::string& path, const std::vector<unsigned char>& b) {
  if (b.size() < 26) Fail(path, "truncated BMP header");
  const std::uint64_t offset = LittleEndian32(&b[10]);
  const std::uint32_t infoSize = LittleEndian32(&b[14]);
  std::uint64_t width = 0, height = 0, bits = 0, compression = 0;
  if (infoSize == 12) {
    width = std::uint64_t(b[18]) | (std::uint64_t(b[19]) << 8);
    height = std::uint64_t(b[20]) | (std::uint64_t(b[21]) << 8);
    bits = std::uint64_t(b[24]) | (std::uint64_t(b[25]) << 8);
  } else {
    if (b.size() < 34) Fail(path, "truncated BMP header");
    const std::int32_t w = static_cast<std::int32_t>(LittleEndian32(&b[18]));
    const std::int32_t h = static_cast<std::int32_t>(LittleEndian32(&b[22]));
    width = static_cast<std::uint64_t>(w < 0 ? -static_cast<std::int64_t>(w) : w);
    height = static_cast<std::uint64_t>(h < 0 ? -static_cast<std::int64_t>(h) : h);
    bits = std::uint64_t(b[28]) | (std::uint64_t(b[29]) << 8);
    compression = LittleEndian32(&b[30]);
  }
  if (width == 0 || height == 0 || width > (1u << 24) || height > (1u << 24) || bits == 0 ||
      bits > 32) {
    Fail(path, "corrupt BMP header");
  }
  // stb_image decodes only these (none, bit fields, alpha bit fields) and would read any other
  // compression as uncompressed rows.
  if (compression != 0 && compression != 3 && compression != 6) {
    Fail(path, "unsupported BMP compression " + std::to_string(compression) +
                   " (only uncompressed and bit-field BMPs are supported)");
  }
  const std::uint64_t rowBytes = (width * bits + 31) / 32 * 4;
  if (offset + rowBytes * height > b.size()) {
    Fail(path, "truncated BMP (expected " + std::to_string(offset + rowBytes * height) +
                   " bytes, found " + std::to_string(b.size()) + ")");
  }
}

//! Binary PGM (P5) or PPM (P6), 8 or 16 bits, any maxval in 1..65535.
struct Pnm {
  std::size_t width = 0, height = 0, channels = 0, maxValue = 0, dataOffset = 0;
};

Pnm ParsePnmHeader(const std::string& path, const std::vector<unsigned char>& b) {
  Pnm pnm;
  pnm.channels = b[1] == '5' ? 1 : 3;
  std::size_t pos = 2;
  std::size_t fields[3] = {0, 0, 0};
  for (std::size_t& field : fields) {
    for (;;) {  // whitespace and comments
      while (pos < b.size() && std::isspace(b[pos])) ++pos;
      if (pos < b.size() && b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n' && b[pos] != '\r') ++pos;
        continue;
      }
      break;
    }
    if (pos >= b.size()) Fail(path, "truncated PGM/PPM header");
    if (!std::isdigit(b[pos])) Fail(path, "corrupt PGM/PPM header");
    while (pos < b.size() && std::isdigit(b[pos])) {
      field = field * 10 + static_cast<std::size_t>(b[pos++] - '0');
      if (field > (std::size_t(1) << 30)) Fail(path, "corrupt PGM/PPM header (number too large)");
    }
  }
  if (pos >= b.size() || !std::isspace(b[pos])) Fail(path, "corrupt or truncated PGM/PPM header");
  pnm.width = fields[0];
  pnm.height = fields[1];
  pnm.maxValue = fields[2];
  pnm.dataOffset = pos + 1;
  if (pnm.width == 0 || pnm.height == 0) Fail(path, "PGM/PPM with zero size");
  if (pnm.maxValue == 0 || pnm.maxValue > 65535) Fail(path, "PGM/PPM maxval out of range");
  return pnm;
}

void CheckPixelCount(const std::string& path, std::size_t width, std::size_t height,
                     std::size_t maxPixels) {
  if (width == 0 || height == 0) Fail(path, "image with zero size");
  if (width > maxPixels || height > maxPixels / width) {
    Fail(path, "image too large (" + std::to_string(width) + "x" + std::to_string(height) +
                   " pixels; at most " + std::to_string(maxPixels) + " are accepted)");
  }
}

//! Builds the image from `sample(i, c)`, the value in [0, 1] of channel c of pixel i = y*w + x
//! in a source with `channels` (1 or 3) channels.
template <typename Sample>
Image<double> Assemble(std::size_t width, std::size_t height, int channels, bool colour,
                       Sample sample) {
  Image<double> image(height, width, colour ? 3 : 1);
  for (std::size_t y = 0; y < height; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      const std::size_t i = y * width + x;
      if (channels == 1) {
        const double v = sample(i, 0);
        for (arma::uword c = 0; c < image.n_slices; ++c) image(y, x, c) = v;
      } else if (colour) {
        for (int c = 0; c < 3; ++c) image(y, x, static_cast<arma::uword>(c)) = sample(i, c);
      } else {
        image(y, x, 0) = 0.299 * sample(i, 0) + 0.587 * sample(i, 1) + 0.114 * sample(i, 2);
      }
    }
  }
  return image;
}

Image<double> ReadPnm(const std::string& path, const std::vector<unsigned char>& b, bool colour,
                      std::size_t maxPixels) {
  const Pnm pnm = ParsePnmHeader(path, b);
  CheckPixelCount(path, pnm.width, pnm.height, maxPixels);
  const std::size_t bytesPerSample = pnm.maxValue > 255 ? 2 : 1;
  const std::size_t needed = pnm.width * pnm.height * pnm.channels * bytesPerSample;
  const std::size_t available = b.size() - pnm.dataOffset;
  if (available < needed) {
    Fail(path, "truncated PGM/PPM data (expected " + std::to_string(needed) + " bytes, found " +
                   std::to_string(available) + ")");
  }
  const unsigned char* data = b.data() + pnm.dataOffset;
  const double scale = 1.0 / static_cast<double>(pnm.maxValue);
  const std::size_t channels = pnm.channels;
  return Assemble(
      pnm.width, pnm.height, static_cast<int>(channels), colour, [&](std::size_t i, int c) {
        const std::size_t at = i * channels + static_cast<std::size_t>(c);
        const std::size_t raw =
            bytesPerSample == 1 ? data[at] : (std::size_t(data[2 * at]) << 8) | data[2 * at + 1];
        return std::min(1.0, static_cast<double>(raw) * scale);
      });
}

std::string StbReason() {
  const char* reason = stbi_failure_reason();
  return reason != nullptr ? reason : "unknown error";
}

Image<double> ReadWithStb(const std::string& path, const std::vector<unsigned char>& b, bool colour,
                          Format format, std::size_t maxPixels) {
  const char* formatName = format == Format::Png ? "PNG" : format == Format::Jpeg ? "JPEG" : "BMP";
  const int length = static_cast<int>(b.size());
  int width = 0, height = 0, fileChannels = 0;
  if (!stbi_info_from_memory(b.data(), length, &width, &height, &fileChannels)) {
    Fail(path, std::string("corrupt or unsupported ") + formatName + " file (" + StbReason() + ")");
  }
  if (width <= 0 || height <= 0) Fail(path, std::string("corrupt ") + formatName + " file");
  CheckPixelCount(path, static_cast<std::size_t>(width), static_cast<std::size_t>(height),
                  maxPixels);
  if (format == Format::Jpeg) {
    // Every 8x8 block takes at least one bit of coded data; stb_image would decode the missing
    // rest of a shorter file as zeros (a few hundred bytes could claim 2^28 pixels).
    const std::uint64_t blocks = (static_cast<std::uint64_t>(width) + 7) / 8 *
                                 ((static_cast<std::uint64_t>(height) + 7) / 8);
    if (blocks > 8 * static_cast<std::uint64_t>(b.size())) {
      Fail(path, "truncated JPEG (" + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels cannot fit in " + std::to_string(b.size()) + " bytes)");
    }
  }
  const int wanted = fileChannels <= 2 ? 1 : 3;
  int w = 0, h = 0, n = 0;
  stbi_uc* pixels = stbi_load_from_memory(b.data(), length, &w, &h, &n, wanted);
  if (pixels == nullptr) {
    Fail(path, std::string("corrupt or unsupported ") + formatName + " file (" + StbReason() + ")");
  }
  struct Free {
    stbi_uc* p;
    ~Free() { stbi_image_free(p); }
  } guard{pixels};
  if (w != width || h != height) Fail(path, std::string("corrupt ") + formatName + " file");
  const std::size_t stride = static_cast<std::size_t>(wanted);
  return Assemble(static_cast<std::size_t>(w), static_cast<std::size_t>(h), wanted, colour,
                  [&](std::size_t i, int c) {
                    return pixels[i * stride + static_cast<std::size_t>(c)] / 255.0;
                  });
}

void AppendToVector(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<unsigned char>*>(context);
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (size > 0) out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

Image<double> ReadImage(const std::string& path, bool colour, std::size_t maxPixels) {
  if (maxPixels == 0 || maxPixels > kMaxImagePixels)
    throw std::invalid_argument("ReadImage(): maxPixels must be in 1..2^28");
  const std::vector<unsigned char> bytes = ReadWholeFile(path);
  const Format format = DetectFormat(path, bytes);
  switch (format) {
    case Format::Pnm:
      return ReadPnm(path, bytes, colour, maxPixels);
    case Format::Png:
      CheckPngComplete(path, bytes);
      break;
    case Format::Jpeg:
      CheckJpegComplete(path, bytes);
      break;
    case Format::Bmp:
      CheckBmpComplete(path, bytes);
      break;
  }
  return ReadWithStb(path, bytes, colour, format, maxPixels);
}

void WritePng(const std::string& path, const Image<double>& image) {
  const std::size_t height = image.n_rows, width = image.n_cols, channels = image.n_slices;
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("WritePng(): " + path + ": images must have 1 or 3 channels, not " +
                                std::to_string(channels));
  }
  if (width == 0 || height == 0)
    throw std::invalid_argument("WritePng(): " + path + ": empty image");
  if (width > INT_MAX / 3 || height > INT_MAX / 3 || width * height > kMaxImagePixels) {
    throw std::invalid_argument("WritePng(): " + path + ": image too large");
  }
  std::vector<unsigned char> pixels(width * height * channels);
  for (std::size_t c = 0; c < channels; ++c) {
    for (std::size_t x = 0; x < width; ++x) {
      for (std::size_t y = 0; y < height; ++y) {
        const double v = image(y, x, c);
        const double clamped = std::isnan(v) ? 0.0 : std::min(1.0, std::max(0.0, v));
        pixels[(y * width + x) * channels + c] =
            static_cast<unsigned char>(std::floor(clamped * 255.0 + 0.5));
      }
    }
  }
  std::vector<unsigned char> encoded;
  const int ok = stbi_write_png_to_func(AppendToVector, &encoded, static_cast<int>(width),
                                        static_cast<int>(height), static_cast<int>(channels),
                                        pixels.data(), static_cast<int>(width * channels));
  if (!ok || encoded.empty())
    throw std::runtime_error("WritePng(): " + path + ": PNG encoding failed");
  WriteFileAtomically(path, [&encoded](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(encoded.data()),
              static_cast<std::streamsize>(encoded.size()));
  });
}

bool HasImageExtension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* const known[] = {".png", ".jpg", ".jpeg", ".pgm", ".ppm", ".pnm", ".bmp"};
  return std::any_of(std::begin(known), std::end(known),
                     [&extension](const char* k) { return extension == k; });
}

std::vector<std::string> ListImageFiles(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) {
    throw std::runtime_error("ListImageFiles(): " + directory +
                             ": cannot read directory: " + ec.message());
  }
  std::vector<std::string> files;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code statusError;
    if (it->is_regular_file(statusError) && HasImageExtension(it->path().filename().string())) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    throw std::runtime_error("ListImageFiles(): " + directory +
                             ": error while reading: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace dn
