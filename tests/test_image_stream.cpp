// Tests of lib/io/image_stream: images streamed from disk give what ReadInputImages gives, their
// shapes come from headers alone, bad files fail at opening, .npy stacks are read one slice at a
// time, and images in memory.
#define BOOST_TEST_MODULE image_stream
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/image.hpp"
#include "io/image_set.hpp"
#include "io/image_stream.hpp"
#include "io/npy.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dn::Image;

namespace {

const std::string kData = DN_TEST_DATA_DIR;

//! A fresh directory under the system temp directory, removed with its contents at the end.
class TempDir {
public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    for (int attempt = 0;; ++attempt) {
      path_ =
          fs::temp_directory_path() /
          ("dn-test-image-stream-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
           "-" + std::to_string(ticks % 1000000007) + "-" + std::to_string(attempt));
      if (fs::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }

private:
  fs::path path_;
};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

//! Exact equality of two images, shape and every value.
bool Same(const Image<double>& a, const Image<double>& b) {
  if (a.n_rows != b.n_rows || a.n_cols != b.n_cols || a.n_slices != b.n_slices) return false;
  for (arma::uword i = 0; i < a.n_elem; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

//! Every image of the source equals the corresponding one read whole, and has its shape.
void ExpectSameImages(const dn::ImageSource& source,
                      const std::vector<dn::Image<double>>& expected) {
  BOOST_REQUIRE_EQUAL(source.Count(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const dn::ImageShape shape = source.Shape(i);
    BOOST_TEST(shape.rows == expected[i].n_rows);
    BOOST_TEST(shape.cols == expected[i].n_cols);
    BOOST_TEST(shape.channels == expected[i].n_slices);
    BOOST_TEST(Same(source.Load(i), expected[i]), "image " << i << " (" << source.Name(i) << ")");
  }
}

//! OpenImageSource(inputs) throws std::runtime_error whose message holds every one of `parts`.
void ExpectOpenError(const std::vector<std::string>& inputs, bool colour,
                     std::initializer_list<std::string> parts) {
  try {
    dn::OpenImageSource(inputs, colour);
    BOOST_ERROR("no error opening " << inputs.front());
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    BOOST_TEST_MESSAGE(message);
    for (const std::string& part : parts) {
      BOOST_TEST(message.find(part) != std::string::npos, "'" << part << "' in: " << message);
    }
  }
}

//! Position of the first chunk of `type` in PNG bytes (at its length field).
std::size_t FindChunk(const std::string& png, const char* type) {
  std::size_t pos = 8;
  while (pos + 8 <= png.size()) {
    const auto byte = [&](std::size_t k) {
      return std::uint32_t(static_cast<unsigned char>(png[k]));
    };
    const std::uint32_t length =
        (byte(pos) << 24) | (byte(pos + 1) << 16) | (byte(pos + 2) << 8) | byte(pos + 3);
    if (png.compare(pos + 4, 4, type) == 0) return pos;
    pos += 12 + length;
  }
  BOOST_FAIL("no chunk " << type);
  return 0;
}

void PutBigEndian32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int k = 0; k < 4; ++k) bytes[at + k] = static_cast<char>((value >> (24 - 8 * k)) & 0xFFu);
}

//! A small grey PNG written by WritePng.
std::string WriteSmallPng(const TempDir& dir, const std::string& name, arma::uword rows,
                          arma::uword cols) {
  dn::Image<double> image(rows, cols, 1);
  for (arma::uword i = 0; i < image.n_elem; ++i) image[i] = double((i * 37) % 256) / 255.0;
  const std::string path = dir.File(name);
  dn::WritePng(path, image);
  return path;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_stream)

BOOST_AUTO_TEST_CASE(directory_stack_and_jpeg_equal_read_input_images) {
  const std::string directory = kData + "/e2e_images", stack = kData + "/e2e_stack.npy";
  const std::string jpeg = kData + "/gradient_rgb_16x12.jpg";
  {
    const std::vector<std::string> inputs = {directory, stack, jpeg};
    const auto source = dn::OpenImageSource(inputs, false);
    ExpectSameImages(*source, dn::ReadInputImages(inputs, false));
    const std::vector<std::string> files = dn::ListImageFiles(directory);
    BOOST_REQUIRE_EQUAL(source->Count(), files.size() + 3);
    BOOST_TEST(source->Name(0) == files[0]);
    BOOST_TEST(source->Name(1) == files[1]);
    BOOST_TEST(source->Name(2) == stack + "[0]");
    BOOST_TEST(source->Name(3) == stack + "[1]");
    BOOST_TEST(source->Name(4) == jpeg);
    BOOST_TEST(source->Shape(4).rows == 12u);
    BOOST_TEST(source->Shape(4).cols == 16u);
    BOOST_TEST(source->Shape(4).channels == 1u);
  }
  {  // colour: images files have 3 channels (a grey PNG replicated); a grey stack has 1
    const std::vector<std::string> inputs = {directory, jpeg};
    const auto source = dn::OpenImageSource(inputs, true);
    ExpectSameImages(*source, dn::ReadInputImages(inputs, true));
    BOOST_TEST(source->Shape(2).channels == 3u);
    const auto stackSource = dn::OpenImageSource({stack}, true);
    ExpectSameImages(*stackSource, dn::ReadInputImages({stack}, true));
    BOOST_TEST(stackSource->Shape(0).channels == 1u);
  }
}

BOOST_AUTO_TEST_CASE(list_file_paths_relative_to_the_list) {
  TempDir dir;
  fs::create_directory(dir.File("sub"));
  fs::copy_file(kData + "/e2e_images/b.png", dir.File("sub/b.png"));
  const std::string a = kData + "/e2e_images/a.png", stack = kData + "/e2e_stack.npy";
  const std::string list = dir.File("list.txt");
  WriteBytes(list, "# training images\n\n  sub/b.png  \r\n" + a + "\n   # indented comment\n" +
                       stack + "\n\n");
  const auto source = dn::OpenImageSource({list}, false);
  ExpectSameImages(*source, dn::ReadInputImages({dir.File("sub/b.png"), a, stack}, false));
  BOOST_TEST(source->Name(0) == dir.File("sub/b.png"));
  BOOST_TEST(source->Name(1) == a);
  BOOST_TEST(source->Name(3) == stack + "[1]");
  // A list next to other inputs; its entries keep their place in the order.
  const auto mixed = dn::OpenImageSource({a, list, a}, false);
  BOOST_REQUIRE_EQUAL(mixed->Count(), 6u);
  BOOST_TEST(mixed->Name(1) == dir.File("sub/b.png"));
  BOOST_TEST(mixed->Name(5) == a);
}

BOOST_AUTO_TEST_CASE(pnm_bmp_and_16_bit_headers) {
  TempDir dir;
  const std::string pgm = dir.File("t.pgm"), pgm16 = dir.File("t16.pgm"), ppm = dir.File("t.ppm");
  WriteBytes(
      pgm, std::string("P5\n# a comment\n3 2\n255\n") + std::string("\x00\x40\x80\xC0\xFF\x10", 6));
  WriteBytes(pgm16, std::string("P5 2 1 65535\n") + std::string("\xFF\xFF\x80\x00", 4));
  WriteBytes(ppm, std::string("P6\n2 1\n255\n") + std::string("\xFF\x00\x00\x00\x80\xFF", 6));
  // A 24-bit BMP, 3x2, bottom-up rows padded to 4 bytes.
  std::string bmp = "BM";
  const auto le32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF),
                       static_cast<char>((v >> 16) & 0xFF), static_cast<char>((v >> 24) & 0xFF)};
  };
  const auto le16 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF)};
  };
  const std::string pixels = std::string("\x10\x20\x30\x40\x50\x60\x70\x80\x90\x00\x00\x00", 12) +
                             std::string("\xA0\xB0\xC0\xD0\xE0\xF0\x01\x02\x03\x00\x00\x00", 12);
  bmp += le32(54 + pixels.size()) + le32(0) + le32(54) + le32(40) + le32(3) + le32(2) + le16(1) +
         le16(24) + le32(0) + le32(pixels.size()) + le32(2835) + le32(2835) + le32(0) + le32(0);
  bmp += pixels;
  const std::string bmpPath = dir.File("t.bmp");
  WriteBytes(bmpPath, bmp);
  for (const bool colour : {false, true}) {
    const std::vector<std::string> inputs = {pgm, pgm16, ppm, bmpPath};
    const auto source = dn::OpenImageSource(inputs, colour);
    ExpectSameImages(*source, dn::ReadInputImages(inputs, colour));
    BOOST_TEST(source->Shape(0).rows == 2u);
    BOOST_TEST(source->Shape(0).cols == 3u);
    BOOST_TEST(source->Shape(3).rows == 2u);
    BOOST_TEST(source->Shape(3).cols == 3u);
    BOOST_TEST(source->Shape(3).channels == (colour ? 3u : 1u));
  }
}

// The shape comes from the header: a PNG whose compressed data is damaged (its chunks intact)
// opens, reports its size, and fails only when loaded.
BOOST_AUTO_TEST_CASE(shapes_come_from_headers_without_decoding) {
  TempDir dir;
  const std::string path = WriteSmallPng(dir, "damaged.png", 7, 5);
  std::string png = ReadBytes(path);
  const std::size_t idat = FindChunk(png, "IDAT");
  for (std::size_t k = idat + 8; k < idat + 16 && k + 4 < png.size(); ++k) png[k] = '\xFF';
  WriteBytes(path, png);
  BOOST_CHECK_THROW(dn::ReadImage(path, false), std::runtime_error);  // the damage is real
  const auto source = dn::OpenImageSource({path}, false);
  BOOST_REQUIRE_EQUAL(source->Count(), 1u);
  BOOST_TEST(source->Shape(0).rows == 7u);
  BOOST_TEST(source->Shape(0).cols == 5u);
  BOOST_TEST(source->Shape(0).channels == 1u);
  BOOST_CHECK_EXCEPTION(source->Load(0), std::runtime_error, [&](const std::runtime_error& e) {
    return std::string(e.what()).find(path) != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(bad_inputs_fail_at_opening_naming_the_file) {
  TempDir dir;
  // A truncated .npy stack.
  const std::string npy = dir.File("short.npy");
  std::vector<double> values(3 * 4 * 5, 0.5);
  dn::WriteNpy(npy, {3, 4, 5}, values.data());
  fs::resize_file(npy, fs::file_size(npy) - 8);
  ExpectOpenError({npy}, false, {npy, "truncated data"});

  // PNG headers: a bad colour type, no IHDR, too many pixels, a file cut before IEND.
  const std::string good = WriteSmallPng(dir, "good.png", 4, 6);
  const std::string original = ReadBytes(good);
  const std::size_t ihdr = FindChunk(original, "IHDR");
  std::string bytes = original;
  bytes[ihdr + 8 + 9] = 5;
  const std::string badType = dir.File("bad_type.png");
  WriteBytes(badType, bytes);
  ExpectOpenError({badType}, false, {badType, "corrupt PNG header"});
  bytes = original;
  bytes.replace(ihdr + 4, 4, "IHDX");
  const std::string noIhdr = dir.File("no_ihdr.png");
  WriteBytes(noIhdr, bytes);
  ExpectOpenError({noIhdr}, false, {noIhdr, "corrupt PNG header"});
  bytes = original;
  PutBigEndian32(bytes, ihdr + 8, 20000);
  PutBigEndian32(bytes, ihdr + 12, 20000);
  const std::string huge = dir.File("huge.png");
  WriteBytes(huge, bytes);
  ExpectOpenError({huge}, false, {huge, "too large"});
  const std::string cut = dir.File("cut.png");
  WriteBytes(cut, original.substr(0, original.size() - 6));
  ExpectOpenError({cut}, false, {cut, "truncated PNG"});

  // A JPEG cut before its frame header, and a file that is no image.
  const std::string jpeg = dir.File("cut.jpg");
  WriteBytes(jpeg, ReadBytes(kData + "/gradient_rgb_16x12.jpg").substr(0, 20));
  ExpectOpenError({jpeg}, false, {jpeg, "truncated JPEG"});
  const std::string text = dir.File("text.png");
  WriteBytes(text, "not an image at all");
  ExpectOpenError({text}, false, {text, "unrecognised image format"});
  const std::string pgm = dir.File("short.pgm");
  WriteBytes(pgm, "P5\n3 2\n255\n\x01\x02");
  ExpectOpenError({pgm}, false, {pgm, "truncated PGM/PPM data"});

  // Lists: a missing file (named with the list's line), a nested list, a list of nothing.
  const std::string list = dir.File("list.txt");
  WriteBytes(list, good + "\nmissing.png\n");
  ExpectOpenError({list}, false, {dir.File("missing.png"), list + " line 2", "does not exist"});
  const std::string outer = dir.File("outer.txt");
  WriteBytes(outer, "list.txt\n");
  ExpectOpenError({outer}, false, {outer + " line 1", "not other lists"});
  const std::string empty = dir.File("empty.txt");
  WriteBytes(empty, "# nothing\n\n");
  ExpectOpenError({empty}, false, {empty, "names no images"});

  // An empty directory, a missing input, no inputs.
  fs::create_directory(dir.File("none"));
  ExpectOpenError({dir.File("none")}, false, {dir.File("none"), "contains no images"});
  ExpectOpenError({good, dir.File("nowhere.png")}, false,
                  {dir.File("nowhere.png"), "does not exist"});
  BOOST_CHECK_THROW(dn::OpenImageSource({}, false), std::runtime_error);

  // Arrays: a shape that is no image set, big-endian values; channels that differ.
  const std::string twoChannels = dir.File("two.npy");
  std::vector<double> four(2 * 2 * 3 * 3, 0.25);
  dn::WriteNpy(twoChannels, {2, 2, 3, 3}, four.data());
  ExpectOpenError({twoChannels}, false, {twoChannels, "unsupported array shape (2, 2, 3, 3)"});
  const std::string bigEndian = dir.File("big.npy");
  std::string header = "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  WriteBytes(bigEndian, std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) +
                            '\0' + header + std::string(32, '\0'));
  ExpectOpenError({bigEndian}, false, {bigEndian, "big-endian"});
  ExpectOpenError({kData + "/e2e_images", kData + "/e2e_stack.npy"}, true,
                  {kData + "/e2e_stack.npy[0] has 1 channels", "has 3"});
}

BOOST_AUTO_TEST_CASE(npy_version_2_header) {
  TempDir dir;
  const std::string path = dir.File("v2.npy");
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(128 - 12 - header.size() - 1, ' ');
  header += '\n';
  std::string data;
  for (int k = 0; k < 6; ++k) {
    const double v = 0.125 * k;
    char raw[8];
    std::memcpy(raw, &v, 8);  // the test machine is little-endian, as .npy '<f8'
    data.append(raw, 8);
  }
  WriteBytes(path, std::string("\x93NUMPY\x02\x00", 8) + static_cast<char>(header.size()) +
                       std::string(3, '\0') + header + data);
  const auto source = dn::OpenImageSource({path}, false);
  ExpectSameImages(*source, dn::ReadInputImages({path}, false));
  BOOST_TEST(source->Name(0) == path);  // one image (H, W): no index
  BOOST_TEST(source->Load(0)(1, 2, 0) == 0.625);
}

// 200 images of 64x64 in float32 and float64: image i is the array's slice i, value for value.
BOOST_AUTO_TEST_CASE(large_stack_loads_each_slice) {
  dn::test::Seed(20261205);
  TempDir dir;
  const std::size_t n = 200, h = 64, w = 64;
  arma::vec values(n * h * w, arma::fill::randu);
  const std::vector<double> f8(values.begin(), values.end());
  std::vector<float> f4(n * h * w);
  for (std::size_t k = 0; k < f4.size(); ++k) f4[k] = static_cast<float>(values[k] * 3 - 1);
  const std::string path4 = dir.File("stack4.npy"), path8 = dir.File("stack8.npy");
  dn::WriteNpy(path4, {n, h, w}, f4.data());
  dn::WriteNpy(path8, {n, 1, h, w}, f8.data());
  const auto source = dn::OpenImageSource({path4, path8}, false);
  BOOST_REQUIRE_EQUAL(source->Count(), 2 * n);
  bool all = true;
  for (std::size_t i = 0; i < n; ++i) {
    const Image<double> a = source->Load(i), b = source->Load(n + i);
    BOOST_REQUIRE(a.n_rows == h && a.n_cols == w && a.n_slices == 1);
    BOOST_REQUIRE(b.n_rows == h && b.n_cols == w && b.n_slices == 1);
    for (std::size_t y = 0; y < h; ++y) {
      for (std::size_t x = 0; x < w; ++x) {
        all = all && a(y, x, 0) == static_cast<double>(f4[(i * h + y) * w + x]);
        all = all && b(y, x, 0) == f8[(i * h + y) * w + x];
      }
    }
  }
  BOOST_TEST(all);
  BOOST_TEST(source->Name(n + 17) == path8 + "[17]");
  BOOST_CHECK_THROW(source->Load(2 * n), std::invalid_argument);
  BOOST_CHECK_THROW(source->Shape(2 * n), std::invalid_argument);

  // Loading is repeatable, and threads loading different images at once get the same.
  std::vector<Image<double>> parallel(2 * n);
#pragma omp parallel for schedule(dynamic)
  for (std::size_t i = 0; i < 2 * n; ++i) parallel[i] = source->Load(i);
  bool repeatable = true;
  for (std::size_t i = 0; i < 2 * n; ++i)
    repeatable = repeatable && Same(parallel[i], source->Load(i));
  BOOST_TEST(repeatable);
}

// (N, 3, H, W) without colour is converted to grey with ImagesFromNpy's arithmetic; with colour
// it keeps its channels; (3, H, W) with colour is one image.
BOOST_AUTO_TEST_CASE(colour_stacks_as_images_from_npy) {
  dn::test::Seed(7);
  TempDir dir;
  const std::size_t n = 5, h = 9, w = 13;
  arma::vec values(n * 3 * h * w, arma::fill::randu);
  const std::string path = dir.File("rgb.npy");
  dn::WriteNpy(path, {n, 3, h, w}, values.memptr());
  for (const bool colour : {false, true}) {
    const auto source = dn::OpenImageSource({path}, colour);
    ExpectSameImages(*source, dn::ImagesFromNpy<double>(dn::ReadNpy(path), colour));
    BOOST_TEST(source->Shape(0).channels == (colour ? 3u : 1u));
  }
  const std::string single = dir.File("single.npy");
  std::vector<float> pixels(3 * h * w);
  for (std::size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<float>(values[k]);
  dn::WriteNpy(single, {3, h, w}, pixels.data());
  const auto one = dn::OpenImageSource({single}, true);
  ExpectSameImages(*one, dn::ReadInputImages({single}, true));
  BOOST_TEST(one->Name(0) == single);
  const auto three = dn::OpenImageSource({single}, false);  // without colour: 3 grey images
  ExpectSameImages(*three, dn::ReadInputImages({single}, false));
}

// Values are checked when an image is loaded: a NaN in image 7 fails its Load, naming it; the
// others load. A file cut after opening fails its Load too.
BOOST_AUTO_TEST_CASE(load_errors_name_the_image) {
  TempDir dir;
  const std::size_t n = 10, h = 4, w = 3;
  std::vector<float> values(n * h * w, 0.5f);
  values[7 * h * w + 5] = std::numeric_limits<float>::quiet_NaN();
  const std::string path = dir.File("nan.npy");
  dn::WriteNpy(path, {n, h, w}, values.data());
  const auto source = dn::OpenImageSource({path}, false);
  BOOST_TEST(source->Load(6)(0, 0, 0) == 0.5);
  BOOST_CHECK_EXCEPTION(source->Load(7), std::runtime_error, [&](const std::runtime_error& e) {
    const std::string message = e.what();
    return message.find(path + "[7]") != std::string::npos &&
           message.find("NaN") != std::string::npos &&
           message.find("index " + std::to_string(7 * h * w + 5)) != std::string::npos;
  });
  fs::resize_file(path, fs::file_size(path) - 4);
  BOOST_CHECK_EXCEPTION(source->Load(9), std::runtime_error, [&](const std::runtime_error& e) {
    return std::string(e.what()).find(path + "[9]") != std::string::npos;
  });
  // An image file replaced by one of another size after opening.
  const std::string png = WriteSmallPng(dir, "changing.png", 4, 4);
  const auto files = dn::OpenImageSource({png}, false);
  WriteSmallPng(dir, "changing.png", 5, 4);
  BOOST_CHECK_EXCEPTION(files->Load(0), std::runtime_error, [&](const std::runtime_error& e) {
    return std::string(e.what()).find(png) != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(memory_image_source) {
  dn::test::Seed(3);
  std::vector<Image<double>> images = {Image<double>(4, 5, 3, arma::fill::randu),
                                       Image<double>(6, 2, 3, arma::fill::randu)};
  const std::vector<Image<double>> copies = images;
  const auto source = dn::MemoryImageSource(std::move(images));
  ExpectSameImages(*source, copies);
  BOOST_TEST(source->Name(1) == "image 1");
  Image<double> loaded = source->Load(0);
  loaded.fill(7.0);
  BOOST_TEST(Same(source->Load(0), copies[0]));  // Load copies
  BOOST_CHECK_THROW(source->Load(2), std::invalid_argument);

  BOOST_CHECK_THROW(dn::MemoryImageSource({}), std::invalid_argument);
  BOOST_CHECK_THROW(dn::MemoryImageSource({Image<double>(2, 2, 1), Image<double>(2, 2, 3)}),
                    std::invalid_argument);
  BOOST_CHECK_THROW(dn::MemoryImageSource({Image<double>()}), std::invalid_argument);
  Image<double> withNan(2, 2, 1, arma::fill::zeros);
  withNan(1, 1, 0) = std::nan("");
  BOOST_CHECK_THROW(dn::MemoryImageSource({withNan}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
