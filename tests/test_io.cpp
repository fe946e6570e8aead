// Tests of lib/io (.npy files, images) and lib/core/atomic_file.
#define BOOST_TEST_MODULE io
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/checksum.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"

namespace fs = std::filesystem;

namespace {

//! A fresh directory under the system temp directory, removed with its contents at the end.
class TempDir {
public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    for (int attempt = 0;; ++attempt) {
      path_ = fs::temp_directory_path() /
              ("dn-test-io-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
               std::to_string(ticks % 1000000007) + "-" + std::to_string(attempt));
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
  const fs::path& Path() const { return path_; }

  //! Names of the entries in the directory, sorted.
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

private:
  fs::path path_;
};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

//! Runs DN_PYTHON on a script with arguments; true when it exits with status 0.
bool RunPython(const TempDir& dir, const std::string& script, const std::string& arguments) {
  const std::string scriptPath = dir.File("script.py");
  WriteBytes(scriptPath, script);
  const std::string command =
      std::string(DN_PYTHON) + " '" + scriptPath + "' " + arguments + " 2>&1";
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool HavePython(const char* module) {
  const std::string command =
      std::string(DN_PYTHON) + " -c 'import " + module + "' > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

//! A .npy file with an arbitrary header dict, version and data bytes (for malformed inputs).
std::string NpyBytes(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  const std::size_t n = header.size();
  bytes += static_cast<char>(n & 0xFF);
  bytes += static_cast<char>((n >> 8) & 0xFF);
  if (major != 1) {
    bytes += static_cast<char>((n >> 16) & 0xFF);
    bytes += static_cast<char>((n >> 24) & 0xFF);
  }
  return bytes + header + data;
}

std::string Dict(const std::string& descr, const std::string& fortran, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

std::string DoubleBytes(const std::vector<double>& values) {
  std::string bytes(values.size() * 8, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint64_t bits;
    std::memcpy(&bits, &values[i], 8);
    for (int b = 0; b < 8; ++b) bytes[i * 8 + b] = static_cast<char>((bits >> (8 * b)) & 0xFF);
  }
  return bytes;
}

//! Checks that ReadNpy throws std::runtime_error with a message containing `fragment`.
void CheckReadNpyFails(const std::string& path, const std::string& fragment) {
  try {
    (void)dn::ReadNpy(path);
    BOOST_ERROR("ReadNpy accepted " << path << " (expected: " << fragment << ")");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    BOOST_TEST_INFO("message: " << message);
    BOOST_CHECK(message.find(fragment) != std::string::npos);
    BOOST_CHECK(message.find(path) != std::string::npos);
  }
}

void CheckReadImageFails(const std::string& path) {
  try {
    (void)dn::ReadImage(path, false);
    BOOST_ERROR("ReadImage accepted " << path);
  } catch (const std::runtime_error& e) {
    BOOST_TEST_INFO("message: " << e.what());
    BOOST_CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}

//! Values that test exactness: negatives, fractions, tiny and huge magnitudes.
template <typename T>
std::vector<T> TestValues(std::size_t n) {
  std::vector<T> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = static_cast<T>((static_cast<double>(i % 17) - 8.0) / 3.0);
  }
  if (n > 2) {
    values[1] = std::numeric_limits<T>::denorm_min();
    values[2] = std::numeric_limits<T>::max() / 2;
  }
  return values;
}

std::size_t Product(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

//! A C-order array with element [i0][i1]... = sum_j i_j * 10^(rank-1-j), e.g. [1][2][3] = 123.
dn::NpyArray DigitArray(const std::vector<std::size_t>& shape) {
  dn::NpyArray a;
  a.shape = shape;
  a.values.resize(Product(shape));
  for (std::size_t flat = 0; flat < a.values.size(); ++flat) {
    std::size_t rest = flat;
    double value = 0, weight = 1;
    for (std::size_t j = shape.size(); j-- > 0;) {
      value += static_cast<double>(rest % shape[j]) * weight;
      rest /= shape[j];
      weight *= 10;
    }
    a.values[flat] = value;
  }
  return a;
}

//! Minimal 24-bit bottom-up BMP with pixels rgb(y, x) given row-major from the top.
std::string BmpBytes(int width, int height, const std::vector<unsigned char>& rgb) {
  const int stride = (width * 3 + 3) / 4 * 4;
  const int dataSize = stride * height;
  std::string b(54 + dataSize, '\0');
  auto put32 = [&b](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  b[0] = 'B';
  b[1] = 'M';
  put32(2, static_cast<std::uint32_t>(b.size()));
  put32(10, 54);
  put32(14, 40);
  put32(18, static_cast<std::uint32_t>(width));
  put32(22, static_cast<std::uint32_t>(height));
  b[26] = 1;   // planes
  b[28] = 24;  // bits per pixel
  put32(34, static_cast<std::uint32_t>(dataSize));
  for (int y = 0; y < height; ++y) {
    const int row = height - 1 - y;  // bottom-up
    for (int x = 0; x < width; ++x) {
      const std::size_t src = static_cast<std::size_t>((y * width + x) * 3);
      const std::size_t dst = static_cast<std::size_t>(54 + row * stride + x * 3);
      b[dst + 0] = static_cast<char>(rgb[src + 2]);
      b[dst + 1] = static_cast<char>(rgb[src + 1]);
      b[dst + 2] = static_cast<char>(rgb[src + 0]);
    }
  }
  return b;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  std::string chunk;
  const std::uint32_t n = static_cast<std::uint32_t>(data.size());
  for (int i = 3; i >= 0; --i) chunk += static_cast<char>((n >> (8 * i)) & 0xFF);
  return chunk + type + data + std::string(4, '\0');  // CRC not checked by the reader
}

}  // namespace

BOOST_AUTO_TEST_SUITE(io)

// ---------------------------------------------------------------------------------------------
// Atomic writes

BOOST_AUTO_TEST_CASE(atomic_write_creates_and_replaces) {
  TempDir dir;
  const std::string path = dir.File("out.txt");
  dn::WriteTextFileAtomically(path, "first\n");
  BOOST_TEST(ReadBytes(path) == "first\n");
  dn::WriteTextFileAtomically(path, std::string("second\0binary", 13));
  BOOST_TEST(ReadBytes(path) == std::string("second\0binary", 13));
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"out.txt"});
}

BOOST_AUTO_TEST_CASE(atomic_write_failure_keeps_old_file) {
  TempDir dir;
  const std::string path = dir.File("keep.txt");
  dn::WriteTextFileAtomically(path, "old");

  // The writer throws: its exception is passed on, the old file is untouched, no temp is left.
  BOOST_CHECK_THROW(dn::WriteFileAtomically(path,
                                            [](std::ostream& out) {
                                              out << "partial";
                                              throw std::logic_error("boom");
                                            }),
                    std::logic_error);
  BOOST_TEST(ReadBytes(path) == "old");
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"keep.txt"});

  // The stream goes bad: runtime_error.
  BOOST_CHECK_THROW(dn::WriteFileAtomically(path,
                                            [](std::ostream& out) {
                                              out << "partial";
                                              out.setstate(std::ios::badbit);
                                            }),
                    std::runtime_error);
  BOOST_TEST(ReadBytes(path) == "old");
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"keep.txt"});
}

BOOST_AUTO_TEST_CASE(atomic_write_into_missing_directory) {
  TempDir dir;
  const std::string path = dir.File("missing/out.txt");
  try {
    dn::WriteTextFileAtomically(path, "x");
    BOOST_ERROR("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  const std::vector<double> values{1, 2};
  BOOST_CHECK_THROW(dn::WriteNpy(path + ".npy", {2}, values.data()), std::runtime_error);
  BOOST_CHECK_THROW(dn::WritePng(path + ".png", dn::Image<double>(2, 2, 1, arma::fill::zeros)),
                    std::runtime_error);
  BOOST_TEST(dir.Entries().empty());
  // A directory in the way of the output is an error too.
  fs::create_directory(dir.File("adir"));
  BOOST_CHECK_THROW(dn::WriteTextFileAtomically(dir.File("adir"), "x"), std::runtime_error);
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"adir"});
}

// ---------------------------------------------------------------------------------------------
// .npy round trips and layout

template <typename T>
void CheckRoundTrip(const TempDir& dir, const std::vector<std::size_t>& shape) {
  const std::vector<T> values = TestValues<T>(Product(shape));
  const std::string path = dir.File("round_trip.npy");
  dn::WriteNpy(path, shape, values.data());
  const dn::NpyArray a = dn::ReadNpy(path);
  BOOST_TEST(a.shape == shape);
  BOOST_TEST(a.isFloat32 == (sizeof(T) == 4));
  BOOST_TEST(a.Size() == values.size());
  BOOST_REQUIRE(a.values.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    BOOST_TEST(a.values[i] == static_cast<double>(values[i]));  // exact
  }
  // Layout: version 1.0, data at a multiple of 64 bytes, header ending in '\n'.
  const std::string bytes = ReadBytes(path);
  BOOST_REQUIRE(bytes.size() > 10);
  BOOST_TEST(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t headerLength =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  const std::size_t offset = 10 + headerLength;
  BOOST_TEST(offset % 64 == 0u);
  BOOST_TEST(bytes[offset - 1] == '\n');
  BOOST_TEST(bytes.size() == offset + values.size() * sizeof(T));
  BOOST_TEST(bytes.find(sizeof(T) == 4 ? "'<f4'" : "'<f8'") != std::string::npos);
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"round_trip.npy"});
}

BOOST_AUTO_TEST_CASE(npy_round_trip_float32_and_float64) {
  TempDir dir;
  for (const auto& shape : std::vector<std::vector<std::size_t>>{
           {7}, {3, 5}, {2, 3, 4}, {2, 3, 4, 5}, {1, 1}, {0, 4}}) {
    BOOST_TEST_CONTEXT("shape " << dn::ShapeToString(shape)) {
      CheckRoundTrip<float>(dir, shape);
      CheckRoundTrip<double>(dir, shape);
    }
  }
}

BOOST_AUTO_TEST_CASE(npy_write_rejects_bad_arguments) {
  TempDir dir;
  const double value = 1;
  BOOST_CHECK_THROW(dn::WriteNpy(dir.File("a.npy"), {}, &value), std::invalid_argument);
  BOOST_CHECK_THROW(dn::WriteNpy(dir.File("a.npy"), {2, 2}, static_cast<const double*>(nullptr)),
                    std::invalid_argument);
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  BOOST_CHECK_THROW(dn::WriteNpy(dir.File("a.npy"), {huge, 4}, &value), std::invalid_argument);
  BOOST_CHECK_THROW(dn::WriteNpy(dir.File("a.npy"), arma::cube(), false), std::invalid_argument);
  dn::FilterBank<double> inconsistent(2, 2, 3, 3);
  inconsistent.channels = 3;
  BOOST_CHECK_THROW(dn::WriteNpy(dir.File("a.npy"), inconsistent), std::invalid_argument);
  BOOST_TEST(dir.Entries().empty());
}

BOOST_AUTO_TEST_CASE(npy_message_for_truncated_data) {
  TempDir dir;
  const std::string path = dir.File("short.npy");
  WriteBytes(path, NpyBytes(Dict("<f8", "False", "(10, 10)"), std::string(12, '\0')));
  try {
    (void)dn::ReadNpy(path);
    BOOST_ERROR("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "ReadNpy(): " + path + ": truncated data (expected 800 bytes, found 12)");
  }
}

BOOST_AUTO_TEST_CASE(npy_header_alone) {
  TempDir dir;
  const std::string path = dir.File("a.npy");
  const std::vector<float> values(2 * 3 * 4, 1.5f);
  dn::WriteNpy(path, {2, 3, 4}, values.data());
  const dn::NpyHeader header = dn::ReadNpyHeader("Caller()", path);
  BOOST_TEST((header.shape == std::vector<std::size_t>{2, 3, 4}));
  BOOST_TEST(header.itemSize == 4u);
  BOOST_TEST(header.Size() == 24u);
  BOOST_TEST(header.dataOffset % 64 == 0u);  // WriteNpy aligns the data
  BOOST_TEST(header.dataOffset + 24 * 4 == std::filesystem::file_size(path));
  // The checks of ReadNpy, in the caller's name.
  WriteBytes(path, NpyBytes(Dict("<f8", "False", "(10, 10)"), std::string(12, '\0')));
  try {
    (void)dn::ReadNpyHeader("Caller()", path);
    BOOST_ERROR("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "Caller(): " + path + ": truncated data (expected 800 bytes, found 12)");
  }
}

BOOST_AUTO_TEST_CASE(npy_refuses_bad_files) {
  TempDir dir;
  const std::string good = DoubleBytes({1, 2, 3, 4, 5, 6});
  auto file = [&dir](const std::string& name, const std::string& bytes) {
    const std::string path = dir.File(name);
    WriteBytes(path, bytes);
    return path;
  };
  // Sanity check of the hand-made format: the good file is accepted, in all three versions.
  for (int major : {1, 2, 3}) {
    const dn::NpyArray a =
        dn::ReadNpy(file("good.npy", NpyBytes(Dict("<f8", "False", "(2, 3)"), good, major)));
    BOOST_TEST(a.shape == (std::vector<std::size_t>{2, 3}));
    BOOST_TEST(a.values[5] == 6.0);
  }
  // Trailing bytes after the data are ignored; double quotes and no trailing comma are fine.
  BOOST_TEST(dn::ReadNpy(file("trailing.npy", NpyBytes("{\"descr\":\"<f8\",\"fortran_order\":False,"
                                                       "\"shape\":(6,)}",
                                                       good + "junk")))
                 .Size() == 6u);

  CheckReadNpyFails(dir.File("does_not_exist.npy"), "no such file");
  CheckReadNpyFails(dir.Path().string(), "is a directory");
  CheckReadNpyFails(file("empty.npy", ""), "bad magic");
  CheckReadNpyFails(file("magic.npy", "\x93NUMPZ\x01\x00" + std::string(100, ' ')), "bad magic");
  CheckReadNpyFails(file("text.npy", "hello, this is not a numpy file at all\n"), "bad magic");
  CheckReadNpyFails(file("short_preamble.npy", std::string("\x93NUMPY\x01", 7)),
                    "truncated header");
  {
    std::string bytes = NpyBytes(Dict("<f8", "False", "(2, 3)"), good);
    bytes[6] = 4;  // version 4.0
    CheckReadNpyFails(file("version.npy", bytes), "unsupported NPY format version 4.0");
  }
  CheckReadNpyFails(
      file("truncated_header.npy", NpyBytes(Dict("<f8", "False", "(2, 3)"), "").substr(0, 40)),
      "truncated header");
  CheckReadNpyFails(file("int.npy", NpyBytes(Dict("<i4", "False", "(2, 3)"), good)),
                    "unsupported dtype '<i4'");
  CheckReadNpyFails(file("half.npy", NpyBytes(Dict("<f2", "False", "(2, 3)"), good)),
                    "unsupported dtype");
  CheckReadNpyFails(file("object.npy", NpyBytes(Dict("|O", "False", "(2, 3)"), good)),
                    "unsupported dtype");
  CheckReadNpyFails(file("complex.npy", NpyBytes(Dict("<c16", "False", "(3,)"), good)),
                    "unsupported dtype");
  CheckReadNpyFails(
      file("structured.npy",
           NpyBytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,), }", good)),
      "unsupported dtype");
  CheckReadNpyFails(file("big_endian.npy", NpyBytes(Dict(">f8", "False", "(2, 3)"), good)),
                    "big-endian");
  CheckReadNpyFails(file("fortran.npy", NpyBytes(Dict("<f8", "True", "(2, 3)"), good)), "Fortran");
  CheckReadNpyFails(
      file("truncated.npy", NpyBytes(Dict("<f8", "False", "(2, 3)"), good.substr(0, 40))),
      "truncated data (expected 48 bytes, found 40)");
  // A header that lies about the shape must not make the reader allocate.
  CheckReadNpyFails(file("lying.npy", NpyBytes(Dict("<f8", "False", "(1000000, 1000000)"), good)),
                    "truncated data (expected 8000000000000 bytes, found 48)");
  CheckReadNpyFails(
      file("overflow.npy", NpyBytes(Dict("<f8", "False", "(4294967296, 4294967296)"), good)),
      "too large");
  CheckReadNpyFails(
      file("overflow2.npy", NpyBytes(Dict("<f8", "False", "(99999999999999999999999, 1)"), good)),
      "too large");
  CheckReadNpyFails(file("scalar.npy", NpyBytes(Dict("<f8", "False", "()"), good)), "scalar");
  CheckReadNpyFails(file("nan.npy", NpyBytes(Dict("<f8", "False", "(2, 3)"),
                                             DoubleBytes({1, 2, std::nan(""), 4, 5, 6}))),
                    "contains NaN or infinite values");
  CheckReadNpyFails(file("inf.npy", NpyBytes(Dict("<f8", "False", "(2, 3)"),
                                             DoubleBytes({1, 2, 3, 4, 5, -HUGE_VAL}))),
                    "contains NaN or infinite values");
  {
    std::string floats(24, '\0');
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(&floats[8], &nan, 4);  // little-endian host assumed by this test
    CheckReadNpyFails(file("nan32.npy", NpyBytes(Dict("<f4", "False", "(2, 3)"), floats)),
                      "contains NaN or infinite values");
  }
  // Malformed header dictionaries.
  for (const std::string& dict : std::vector<std::string>{
           "",
           "{",
           "[1, 2]",
           "{'descr': '<f8', 'fortran_order': False}",
           "{'descr': '<f8', 'shape': (2, 3)}",
           "{'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 3), }",
           "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }",
           "{'descr': '<f8', 'fortran_order': False, 'shape': (6), }",
           "{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3], }",
           "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
           "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': '<f8, 'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)} trailing",
       }) {
    BOOST_TEST_CONTEXT("header " << dict) {
      CheckReadNpyFails(file("malformed.npy", NpyBytes(dict, good)), "header");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// NumPy compatibility

BOOST_AUTO_TEST_CASE(numpy_reads_our_files) {
  if (!HavePython("numpy")) {
    BOOST_WARN_MESSAGE(false, "no numpy at " DN_PYTHON ": skipped");
    return;
  }
  TempDir dir;
  // Flat values v[i] = (i*7 % 13) - 6 + i/8, exact in float32.
  auto flat = [](std::size_t n) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = double(i * 7 % 13) - 6.0 + double(i) / 8.0;
    return v;
  };
  const std::vector<double> v64 = flat(3 * 5);
  const std::vector<double> v64b = flat(2 * 3 * 4 * 5);
  std::vector<float> v32(2 * 3 * 4);
  const std::vector<double> v32d = flat(v32.size());
  std::copy(v32d.begin(), v32d.end(), v32.begin());
  dn::WriteNpy(dir.File("f8.npy"), {3, 5}, v64.data());
  dn::WriteNpy(dir.File("f8_4d.npy"), {2, 3, 4, 5}, v64b.data());
  dn::WriteNpy(dir.File("f4.npy"), {2, 3, 4}, v32.data());

  // Filter (k, c)(y, x) = 1000k + 100c + 10y + x must appear as a[k, c, y, x].
  dn::FilterBank<float> bank(2, 3, 4, 5);
  dn::FilterBank<double> grey(3, 1, 2, 4);
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t c = 0; c < 3; ++c) {
      for (std::size_t y = 0; y < 4; ++y) {
        for (std::size_t x = 0; x < 5; ++x) {
          const double value = 1000.0 * k + 100.0 * c + 10.0 * y + x;
          if (k < 2) bank.Filter(k, c)(y, x) = static_cast<float>(value);
          if (c == 0 && y < 2 && x < 4) grey.Filter(k, 0)(y, x) = value;
        }
      }
    }
  }
  dn::WriteNpy(dir.File("bank.npy"), bank);
  dn::WriteNpy(dir.File("grey_bank.npy"), grey);
  // Cube element (y, x, s) = 100s + 10y + x must appear as a[s, y, x].
  arma::cube maps(4, 5, 3);
  arma::fcube single(4, 5, 1);
  for (arma::uword s = 0; s < 3; ++s) {
    for (arma::uword y = 0; y < 4; ++y) {
      for (arma::uword x = 0; x < 5; ++x) {
        maps(y, x, s) = 100.0 * s + 10.0 * y + x;
        if (s == 0) single(y, x, 0) = static_cast<float>(10.0 * y + x);
      }
    }
  }
  dn::WriteNpy(dir.File("maps.npy"), maps, true);
  dn::WriteNpy(dir.File("single_squeezed.npy"), single, true);
  dn::WriteNpy(dir.File("single_kept.npy"), single, false);

  const std::string script = R"(
import sys, numpy as np
d = sys.argv[1]
def flat(n):
    i = np.arange(n)
    return (i * 7 % 13) - 6.0 + i / 8.0
def check(name, dtype, shape, expected):
    a = np.load(d + '/' + name)
    assert a.dtype == np.dtype(dtype), (name, a.dtype)
    assert a.shape == shape, (name, a.shape)
    assert a.flags['C_CONTIGUOUS']
    assert np.array_equal(a, np.asarray(expected).reshape(shape)), name
check('f8.npy', '<f8', (3, 5), flat(15))
check('f8_4d.npy', '<f8', (2, 3, 4, 5), flat(120))
check('f4.npy', '<f4', (2, 3, 4), flat(24))
k, c, y, x = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), np.arange(5), indexing='ij')
check('bank.npy', '<f4', (2, 3, 4, 5), 1000 * k + 100 * c + 10 * y + x)
k, y, x = np.meshgrid(np.arange(3), np.arange(2), np.arange(4), indexing='ij')
check('grey_bank.npy', '<f8', (3, 2, 4), 1000 * k + 10 * y + x)
s, y, x = np.meshgrid(np.arange(3), np.arange(4), np.arange(5), indexing='ij')
check('maps.npy', '<f8', (3, 4, 5), 100 * s + 10 * y + x)
y, x = np.meshgrid(np.arange(4), np.arange(5), indexing='ij')
check('single_squeezed.npy', '<f4', (4, 5), 10 * y + x)
check('single_kept.npy', '<f4', (1, 4, 5), 10 * y + x)
)";
  BOOST_TEST(RunPython(dir, script, "'" + dir.Path().string() + "'"));
}

BOOST_AUTO_TEST_CASE(we_read_numpy_files) {
  if (!HavePython("numpy")) {
    BOOST_WARN_MESSAGE(false, "no numpy at " DN_PYTHON ": skipped");
    return;
  }
  TempDir dir;
  const std::string script = R"(
import sys, numpy as np
d = sys.argv[1]
a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 4 - 2
np.save(d + '/f4.npy', a)
np.save(d + '/f8.npy', np.arange(10, dtype=np.float64).reshape(2, 5) * 0.1 - 0.3)
np.save(d + '/f8_1d.npy', np.array([1.5, -2.25, 1e300]))
with open(d + '/v2.npy', 'wb') as f:
    np.lib.format.write_array(f, np.arange(6.0).reshape(3, 2), version=(2, 0))
with open(d + '/v3.npy', 'wb') as f:
    np.lib.format.write_array(f, np.arange(4, dtype=np.float32), version=(3, 0))
np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))
np.save(d + '/int.npy', np.arange(6))
np.save(d + '/big.npy', np.arange(6.0).astype('>f8'))
np.save(d + '/scalar.npy', np.float64(3.0))
np.save(d + '/nan.npy', np.array([1.0, np.nan]))
np.save(d + '/object.npy', np.array([None, 1], dtype=object), allow_pickle=True)
np.save(d + '/bool.npy', np.array([True, False]))
)";
  BOOST_REQUIRE(RunPython(dir, script, "'" + dir.Path().string() + "'"));

  const dn::NpyArray f4 = dn::ReadNpy(dir.File("f4.npy"));
  BOOST_TEST(f4.isFloat32);
  BOOST_TEST(f4.shape == (std::vector<std::size_t>{2, 3, 4}));
  for (std::size_t i = 0; i < 24; ++i) BOOST_TEST(f4.values[i] == double(i) / 4 - 2);

  const dn::NpyArray f8 = dn::ReadNpy(dir.File("f8.npy"));
  BOOST_TEST(!f8.isFloat32);
  BOOST_TEST(f8.shape == (std::vector<std::size_t>{2, 5}));
  for (std::size_t i = 0; i < 10; ++i) BOOST_TEST(f8.values[i] == double(i) * 0.1 - 0.3);

  const dn::NpyArray f81 = dn::ReadNpy(dir.File("f8_1d.npy"));
  BOOST_TEST(f81.shape == std::vector<std::size_t>{3});
  BOOST_TEST(f81.values == (std::vector<double>{1.5, -2.25, 1e300}));

  const dn::NpyArray v2 = dn::ReadNpy(dir.File("v2.npy"));
  BOOST_TEST(v2.shape == (std::vector<std::size_t>{3, 2}));
  BOOST_TEST(v2.values == (std::vector<double>{0, 1, 2, 3, 4, 5}));
  const dn::NpyArray v3 = dn::ReadNpy(dir.File("v3.npy"));
  BOOST_TEST(v3.isFloat32);
  BOOST_TEST(v3.values == (std::vector<double>{0, 1, 2, 3}));

  CheckReadNpyFails(dir.File("fortran.npy"), "Fortran");
  CheckReadNpyFails(dir.File("int.npy"), "unsupported dtype");
  CheckReadNpyFails(dir.File("big.npy"), "big-endian");
  CheckReadNpyFails(dir.File("scalar.npy"), "scalar");
  CheckReadNpyFails(dir.File("nan.npy"), "NaN");
  CheckReadNpyFails(dir.File("object.npy"), "unsupported dtype");
  CheckReadNpyFails(dir.File("bool.npy"), "unsupported dtype");
}

// ---------------------------------------------------------------------------------------------
// Conversions between C-order arrays and our column-major types

template <typename T>
void CheckImagesFromNpy() {
  // Colour set (N, C, H, W) = (2, 3, 4, 5): element [n][c][y][x] = 1000n + 100c + 10y + x.
  const dn::NpyArray set = DigitArray({2, 3, 4, 5});
  const auto colour = dn::ImagesFromNpy<T>(set, true);
  BOOST_REQUIRE(colour.size() == 2u);
  for (std::size_t n = 0; n < 2; ++n) {
    BOOST_REQUIRE(colour[n].n_rows == 4u && colour[n].n_cols == 5u && colour[n].n_slices == 3u);
    for (arma::uword c = 0; c < 3; ++c) {
      for (arma::uword y = 0; y < 4; ++y) {
        for (arma::uword x = 0; x < 5; ++x) {
          BOOST_TEST(colour[n](y, x, c) == T(1000.0 * n + 100.0 * c + 10.0 * y + x));
        }
      }
    }
  }
  // The same set as grey: 0.299 R + 0.587 G + 0.114 B.
  const auto grey = dn::ImagesFromNpy<T>(set, false);
  BOOST_REQUIRE(grey.size() == 2u);
  for (std::size_t n = 0; n < 2; ++n) {
    BOOST_REQUIRE(grey[n].n_rows == 4u && grey[n].n_cols == 5u && grey[n].n_slices == 1u);
    for (arma::uword y = 0; y < 4; ++y) {
      for (arma::uword x = 0; x < 5; ++x) {
        const double base = 1000.0 * n + 10.0 * y + x;
        const double expected = 0.299 * base + 0.587 * (base + 100) + 0.114 * (base + 200);
        BOOST_TEST(double(grey[n](y, x, 0)) == expected, boost::test_tools::tolerance(1e-6));
      }
    }
  }
  // (H, W): one grey image in both modes.
  for (bool c : {false, true}) {
    const auto one = dn::ImagesFromNpy<T>(DigitArray({3, 4}), c);
    BOOST_REQUIRE(one.size() == 1u);
    BOOST_REQUIRE(one[0].n_rows == 3u && one[0].n_cols == 4u && one[0].n_slices == 1u);
    BOOST_TEST(one[0](2, 1, 0) == T(21));
    BOOST_TEST(one[0](1, 3, 0) == T(13));
  }
  // (N, H, W) without colour: N grey images, even when N == 3.
  const auto three = dn::ImagesFromNpy<T>(DigitArray({3, 4, 5}), false);
  BOOST_REQUIRE(three.size() == 3u);
  BOOST_TEST(three[2](3, 1, 0) == T(231));
  // (3, H, W) with colour: one image with three channels.
  const auto rgb = dn::ImagesFromNpy<T>(DigitArray({3, 4, 5}), true);
  BOOST_REQUIRE(rgb.size() == 1u);
  BOOST_REQUIRE(rgb[0].n_slices == 3u);
  BOOST_TEST(rgb[0](3, 1, 2) == T(231));
  // (N, H, W) with N != 3 and colour: N images with C = 1.
  const auto two = dn::ImagesFromNpy<T>(DigitArray({2, 4, 5}), true);
  BOOST_REQUIRE(two.size() == 2u);
  BOOST_TEST(two[1].n_slices == 1u);
  BOOST_TEST(two[1](3, 4, 0) == T(134));
  // (N, 1, H, W) without colour is grey; (N, C, H, W) with colour keeps any C.
  BOOST_TEST(dn::ImagesFromNpy<T>(DigitArray({2, 1, 3, 3}), false)[1](2, 0, 0) == T(1020));
  BOOST_TEST(dn::ImagesFromNpy<T>(DigitArray({1, 2, 3, 3}), true)[0](2, 0, 1) == T(120));

  // Bad shapes name the shape.
  auto fails = [](const dn::NpyArray& a, bool c, const std::string& shapeText) {
    try {
      (void)dn::ImagesFromNpy<T>(a, c);
      BOOST_ERROR("accepted " << shapeText);
    } catch (const std::invalid_argument& e) {
      BOOST_TEST_INFO("message: " << e.what());
      BOOST_CHECK(std::string(e.what()).find(shapeText) != std::string::npos);
    }
  };
  fails(DigitArray({7}), false, "(7,)");
  fails(DigitArray({7}), true, "(7,)");
  fails(DigitArray({1, 1, 1, 2, 2}), true, "(1, 1, 1, 2, 2)");
  fails(DigitArray({2, 2, 3, 3}), false, "(2, 2, 3, 3)");
  fails(DigitArray({0, 3, 3}), false, "(0, 3, 3)");
  fails(DigitArray({2, 3, 0, 3}), true, "(2, 3, 0, 3)");
  dn::NpyArray inconsistent = DigitArray({2, 3});
  inconsistent.values.pop_back();
  BOOST_CHECK_THROW(dn::ImagesFromNpy<T>(inconsistent, false), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(images_from_npy_axis_order) {
  CheckImagesFromNpy<float>();
  CheckImagesFromNpy<double>();
}

template <typename T>
void CheckFilterBankFromNpy(const TempDir& dir) {
  // (K, C, h, w) = (2, 3, 4, 5): element [k][c][y][x] = 1000k + 100c + 10y + x.
  const dn::FilterBank<T> bank = dn::FilterBankFromNpy<T>(DigitArray({2, 3, 4, 5}));
  BOOST_TEST(bank.filters == 2u);
  BOOST_TEST(bank.channels == 3u);
  BOOST_REQUIRE(bank.Rows() == 4u && bank.Cols() == 5u && bank.data.n_slices == 6u);
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t c = 0; c < 3; ++c) {
      for (arma::uword y = 0; y < 4; ++y) {
        for (arma::uword x = 0; x < 5; ++x) {
          BOOST_TEST(bank.Filter(k, c)(y, x) == T(1000.0 * k + 100.0 * c + 10.0 * y + x));
        }
      }
    }
  }
  // (K, h, w) = (3, 2, 4): C = 1.
  const dn::FilterBank<T> grey = dn::FilterBankFromNpy<T>(DigitArray({3, 2, 4}));
  BOOST_TEST(grey.filters == 3u);
  BOOST_TEST(grey.channels == 1u);
  BOOST_REQUIRE(grey.Rows() == 2u && grey.Cols() == 4u);
  BOOST_TEST(grey.Filter(2, 0)(1, 3) == T(213));

  // Writing and reading back gives the same bank; C == 1 is written as rank 3.
  const std::string path = dir.File("bank.npy");
  dn::WriteNpy(path, bank);
  const dn::NpyArray a = dn::ReadNpy(path);
  BOOST_TEST(a.shape == (std::vector<std::size_t>{2, 3, 4, 5}));
  BOOST_TEST(a.isFloat32 == (sizeof(T) == 4));
  BOOST_TEST(a.values == DigitArray({2, 3, 4, 5}).values);
  BOOST_TEST(arma::approx_equal(dn::FilterBankFromNpy<T>(a).data, bank.data, "absdiff", 0));
  dn::WriteNpy(path, grey);
  const dn::NpyArray b = dn::ReadNpy(path);
  BOOST_TEST(b.shape == (std::vector<std::size_t>{3, 2, 4}));
  BOOST_TEST(b.values == DigitArray({3, 2, 4}).values);

  for (const auto& shape :
       std::vector<std::vector<std::size_t>>{{4, 4}, {1, 1, 1, 2, 2}, {0, 3, 3}}) {
    BOOST_CHECK_THROW(dn::FilterBankFromNpy<T>(DigitArray(shape)), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(filter_bank_from_npy_axis_order) {
  TempDir dir;
  CheckFilterBankFromNpy<float>(dir);
  CheckFilterBankFromNpy<double>(dir);
  // A float64 value outside float's range cannot become a float filter.
  dn::NpyArray big = DigitArray({1, 2, 2});
  big.values[3] = 1e300;
  BOOST_CHECK_THROW(dn::FilterBankFromNpy<float>(big), std::invalid_argument);
  BOOST_CHECK_NO_THROW(dn::FilterBankFromNpy<double>(big));
}

template <typename T>
void CheckCubes(const TempDir& dir) {
  const std::string path = dir.File("cube.npy");
  const arma::Cube<T> maps = dn::CubeFromNpy<T>(DigitArray({3, 4, 5}));
  BOOST_REQUIRE(maps.n_rows == 4u && maps.n_cols == 5u && maps.n_slices == 3u);
  BOOST_TEST(maps(3, 1, 2) == T(231));
  BOOST_TEST(maps(1, 4, 0) == T(14));
  // The checksum the writer returns is that of the file's bytes, computed while writing.
  const std::uint64_t written = dn::WriteNpy(path, maps, true);
  BOOST_TEST(written == dn::FileChecksum(path));
  dn::NpyArray a = dn::ReadNpy(path);
  BOOST_TEST(a.shape == (std::vector<std::size_t>{3, 4, 5}));
  BOOST_TEST(a.values == DigitArray({3, 4, 5}).values);
  // Rows longer than the writer's chunk, and more of them than fit one chunk.
  const arma::Cube<T> wide(3, 70001, 2, arma::fill::randn), tall(2501, 31, 2, arma::fill::randn);
  for (const arma::Cube<T>* cube : {&wide, &tall}) {
    const std::uint64_t checksum = dn::WriteNpy(path, *cube, false);
    BOOST_TEST(checksum == dn::FileChecksum(path));
    BOOST_TEST(arma::approx_equal(dn::CubeFromNpy<T>(dn::ReadNpy(path)), *cube, "absdiff", T(0)));
  }
  const std::vector<T> flat(wide.begin(), wide.end());
  const std::uint64_t flatChecksum = dn::WriteNpy(path, {2, 3, 70001}, flat.data());
  BOOST_TEST(flatChecksum == dn::FileChecksum(path));

  const arma::Cube<T> image = dn::CubeFromNpy<T>(DigitArray({4, 6}));
  BOOST_REQUIRE(image.n_rows == 4u && image.n_cols == 6u && image.n_slices == 1u);
  BOOST_TEST(image(3, 5, 0) == T(35));
  dn::WriteNpy(path, image, true);
  a = dn::ReadNpy(path);
  BOOST_TEST(a.shape == (std::vector<std::size_t>{4, 6}));
  BOOST_TEST(a.values == DigitArray({4, 6}).values);
  dn::WriteNpy(path, image, false);
  a = dn::ReadNpy(path);
  BOOST_TEST(a.shape == (std::vector<std::size_t>{1, 4, 6}));
  BOOST_TEST(arma::approx_equal(dn::CubeFromNpy<T>(a), image, "absdiff", 0));

  for (const auto& shape : std::vector<std::vector<std::size_t>>{{5}, {1, 2, 3, 4}, {2, 0}}) {
    BOOST_CHECK_THROW(dn::CubeFromNpy<T>(DigitArray(shape)), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(cube_npy_axis_order) {
  TempDir dir;
  CheckCubes<float>(dir);
  CheckCubes<double>(dir);
}

// ---------------------------------------------------------------------------------------------
// Images

BOOST_AUTO_TEST_CASE(png_round_trip_grey) {
  TempDir dir;
  const std::string path = dir.File("grey.png");
  dn::Image<double> image(7, 5, 1);  // 7 rows, 5 columns: a transposition would show
  for (arma::uword y = 0; y < 7; ++y) {
    for (arma::uword x = 0; x < 5; ++x) image(y, x, 0) = (y * 5.0 + x) * 7.3 / 255.0;
  }
  image(0, 0, 0) = -0.5;  // clamped to 0
  image(6, 4, 0) = 2.0;   // clamped to 1
  dn::WritePng(path, image);
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"grey.png"});
  const dn::Image<double> back = dn::ReadImage(path, false);
  BOOST_REQUIRE(back.n_rows == 7u && back.n_cols == 5u && back.n_slices == 1u);
  const dn::Image<double> expected = arma::clamp(image, 0.0, 1.0);
  for (arma::uword i = 0; i < image.n_elem; ++i) {
    BOOST_TEST(std::abs(back[i] - expected[i]) <= 0.5 / 255 + 1e-12);
    BOOST_TEST(back[i] * 255 == std::round(back[i] * 255), boost::test_tools::tolerance(1e-9));
  }
  // Read as colour: the grey value in all three channels.
  const dn::Image<double> colour = dn::ReadImage(path, true);
  BOOST_REQUIRE(colour.n_slices == 3u);
  for (arma::uword c = 0; c < 3; ++c)
    BOOST_TEST(arma::approx_equal(colour.slice(c), back.slice(0), "absdiff", 0));
}

BOOST_AUTO_TEST_CASE(png_round_trip_rgb) {
  TempDir dir;
  const std::string path = dir.File("rgb.png");
  dn::Image<double> image(6, 9, 3);
  for (arma::uword c = 0; c < 3; ++c) {
    for (arma::uword y = 0; y < 6; ++y) {
      for (arma::uword x = 0; x < 9; ++x) {
        image(y, x, c) = std::fmod(0.13 * double(y) + 0.071 * double(x) + 0.37 * double(c), 1.0);
      }
    }
  }
  dn::WritePng(path, image);
  const dn::Image<double> back = dn::ReadImage(path, true);
  BOOST_REQUIRE(back.n_rows == 6u && back.n_cols == 9u && back.n_slices == 3u);
  for (arma::uword i = 0; i < image.n_elem; ++i) {
    BOOST_TEST(std::abs(back[i] - image[i]) <= 0.5 / 255 + 1e-12);
  }
  // Grey is computed from the 8-bit values in double.
  const dn::Image<double> grey = dn::ReadImage(path, false);
  BOOST_REQUIRE(grey.n_slices == 1u);
  const arma::mat expected = 0.299 * back.slice(0) + 0.587 * back.slice(1) + 0.114 * back.slice(2);
  BOOST_TEST(arma::approx_equal(grey.slice(0), expected, "absdiff", 1e-12));
  // Unsupported channel counts.
  BOOST_CHECK_THROW(
      dn::WritePng(dir.File("two.png"), dn::Image<double>(2, 2, 2, arma::fill::zeros)),
      std::invalid_argument);
  BOOST_CHECK_THROW(dn::WritePng(dir.File("empty.png"), dn::Image<double>()),
                    std::invalid_argument);
  BOOST_TEST(dir.Entries() == std::vector<std::string>{"rgb.png"});
}

BOOST_AUTO_TEST_CASE(read_pgm_ppm) {
  TempDir dir;
  // P5 3 wide, 2 high, with a comment; row-major from the top.
  const std::string pgm = dir.File("a.pgm");
  WriteBytes(
      pgm, std::string("P5\n# a comment\n3 2\n255\n") + std::string("\x00\x33\xFF\x80\x01\x02", 6));
  const dn::Image<double> g = dn::ReadImage(pgm, false);
  BOOST_REQUIRE(g.n_rows == 2u && g.n_cols == 3u && g.n_slices == 1u);
  BOOST_TEST(g(0, 0, 0) == 0.0);
  BOOST_TEST(g(0, 1, 0) == 0x33 / 255.0);
  BOOST_TEST(g(0, 2, 0) == 1.0);
  BOOST_TEST(g(1, 0, 0) == 0x80 / 255.0);
  BOOST_TEST(g(1, 2, 0) == 2 / 255.0);
  // maxval 15 is scaled to [0, 1]; 16-bit big-endian samples too.
  const std::string pgm15 = dir.File("b.pgm");
  WriteBytes(pgm15, std::string("P5 2 1 15 ") + std::string("\x0F\x05", 2));
  const dn::Image<double> g15 = dn::ReadImage(pgm15, false);
  BOOST_TEST(g15(0, 0, 0) == 1.0);
  BOOST_TEST(g15(0, 1, 0) == 5 / 15.0);
  const std::string pgm16 = dir.File("c.pgm");
  WriteBytes(pgm16, std::string("P5\n2 1\n65535\n") + std::string("\xFF\xFF\x80\x00", 4));
  const dn::Image<double> g16 = dn::ReadImage(pgm16, true);
  BOOST_REQUIRE(g16.n_slices == 3u);
  BOOST_TEST(g16(0, 0, 2) == 1.0);
  BOOST_TEST(g16(0, 1, 1) == 32768 / 65535.0);
  // P6, 2 wide, 1 high.
  const std::string ppm = dir.File("d.ppm");
  WriteBytes(ppm, std::string("P6\n2 1\n255\n") + std::string("\xFF\x00\x00\x00\x80\xFF", 6));
  const dn::Image<double> c = dn::ReadImage(ppm, true);
  BOOST_REQUIRE(c.n_rows == 1u && c.n_cols == 2u && c.n_slices == 3u);
  BOOST_TEST(c(0, 0, 0) == 1.0);
  BOOST_TEST(c(0, 0, 1) == 0.0);
  BOOST_TEST(c(0, 1, 1) == 128 / 255.0);
  BOOST_TEST(c(0, 1, 2) == 1.0);
  const dn::Image<double> cg = dn::ReadImage(ppm, false);
  BOOST_TEST(cg(0, 0, 0) == 0.299, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(cg(0, 1, 0) == 0.587 * 128 / 255.0 + 0.114, boost::test_tools::tolerance(1e-12));
  // The format comes from the content, not the name.
  const std::string renamed = dir.File("really_a_pgm.png");
  fs::copy_file(pgm, renamed);
  BOOST_TEST(arma::approx_equal(dn::ReadImage(renamed, false), g, "absdiff", 0));
  // Truncated data, ASCII variants, a huge header.
  CheckReadImageFails([&] {
    WriteBytes(dir.File("t.pgm"), std::string("P5\n3 2\n255\n\x01\x02", 13));
    return dir.File("t.pgm");
  }());
  CheckReadImageFails([&] {
    WriteBytes(dir.File("t.ppm"), "P6\n3 2\n255\n");
    return dir.File("t.ppm");
  }());
  CheckReadImageFails([&] {
    WriteBytes(dir.File("h.pgm"), "P5\n3 2\n");
    return dir.File("h.pgm");
  }());
  CheckReadImageFails([&] {
    WriteBytes(dir.File("p2.pgm"), "P2\n2 1\n255\n0 255\n");
    return dir.File("p2.pgm");
  }());
  CheckReadImageFails([&] {
    WriteBytes(dir.File("z.pgm"), "P5\n0 2\n255\n");
    return dir.File("z.pgm");
  }());
  CheckReadImageFails([&] {
    WriteBytes(dir.File("huge.pgm"), "P5\n20000 20000\n255\n" + std::string(100, 'x'));
    return dir.File("huge.pgm");
  }());
}

BOOST_AUTO_TEST_CASE(read_bmp) {
  TempDir dir;
  // 3 x 2 pixels (row padding of 3 bytes), distinct colours.
  const std::vector<unsigned char> rgb{255, 0,  0,  0,  255, 0,  0,   0,   255,
                                       10,  20, 30, 40, 50,  60, 255, 255, 255};
  const std::string path = dir.File("a.bmp");
  WriteBytes(path, BmpBytes(3, 2, rgb));
  const dn::Image<double> image = dn::ReadImage(path, true);
  BOOST_REQUIRE(image.n_rows == 2u && image.n_cols == 3u && image.n_slices == 3u);
  for (arma::uword y = 0; y < 2; ++y) {
    for (arma::uword x = 0; x < 3; ++x) {
      for (arma::uword c = 0; c < 3; ++c) {
        BOOST_TEST(image(y, x, c) == rgb[(y * 3 + x) * 3 + c] / 255.0);
      }
    }
  }
  const dn::Image<double> grey = dn::ReadImage(path, false);
  BOOST_TEST(grey(1, 0, 0) == (0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255.0,
             boost::test_tools::tolerance(1e-12));
  // Truncated pixel data.
  const std::string bytes = BmpBytes(3, 2, rgb);
  WriteBytes(dir.File("t.bmp"), bytes.substr(0, bytes.size() - 5));
  CheckReadImageFails(dir.File("t.bmp"));
  WriteBytes(dir.File("h.bmp"), bytes.substr(0, 20));
  CheckReadImageFails(dir.File("h.bmp"));
  // Found by fuzzing: a compression stb_image does not know (here 0xF8000000) made it read the
  // file as uncompressed rows of a 6 x 16449472 image, zeros past the end (slow, and gigabytes).
  // Every compression other than none (0) and bit fields (3, 6) is refused, RLE (1, 2) too.
  for (std::uint32_t compression : {1u, 2u, 4u, 0xF8000000u}) {
    std::string other = bytes;
    for (int i = 0; i < 4; ++i) other[30 + i] = static_cast<char>((compression >> (8 * i)) & 0xFF);
    const std::string path = dir.File("c" + std::to_string(compression) + ".bmp");
    WriteBytes(path, other);
    CheckReadImageFails(path);
  }
}

BOOST_AUTO_TEST_CASE(read_jpeg_fixture) {
  const std::string fixture = std::string(DN_TEST_DATA_DIR) + "/gradient_rgb_16x12.jpg";
  const dn::Image<double> image = dn::ReadImage(fixture, true);
  BOOST_REQUIRE(image.n_rows == 12u && image.n_cols == 16u && image.n_slices == 3u);
  double worst = 0;
  for (arma::uword y = 0; y < 12; ++y) {
    for (arma::uword x = 0; x < 16; ++x) {
      const double expected[3] = {std::floor(x / 15.0 * 255 + 0.5) / 255,
                                  std::floor(y / 11.0 * 255 + 0.5) / 255, 128 / 255.0};
      for (arma::uword c = 0; c < 3; ++c) {
        worst = std::max(worst, std::abs(image(y, x, c) - expected[c]));
      }
    }
  }
  BOOST_TEST_MESSAGE("JPEG fixture: largest error " << worst * 255 << "/255");
  BOOST_TEST(worst <= 8 / 255.0);
  const dn::Image<double> grey = dn::ReadImage(fixture, false);
  BOOST_REQUIRE(grey.n_slices == 1u);
  BOOST_TEST(
      grey(5, 7, 0) == 0.299 * image(5, 7, 0) + 0.587 * image(5, 7, 1) + 0.114 * image(5, 7, 2),
      boost::test_tools::tolerance(1e-12));

  // Truncated copies and corrupt data.
  TempDir dir;
  const std::string bytes = ReadBytes(fixture);
  BOOST_REQUIRE(bytes.size() > 200u);
  for (std::size_t keep : {bytes.size() - 2, bytes.size() / 2, std::size_t(100), std::size_t(3)}) {
    const std::string path = dir.File("t" + std::to_string(keep) + ".jpg");
    WriteBytes(path, bytes.substr(0, keep));
    CheckReadImageFails(path);
  }
  // A Huffman table with more than 256 codes (stb_image 2.27 would write past its tables).
  {
    std::string bad = bytes;
    const std::size_t dht = bad.find("\xFF\xC4");
    BOOST_REQUIRE(dht != std::string::npos);
    bad[dht + 5 + 14] = '\xFF';
    bad[dht + 5 + 15] = '\xFF';
    WriteBytes(dir.File("dht.jpg"), bad);
    CheckReadImageFails(dir.File("dht.jpg"));
  }
  WriteBytes(dir.File("corrupt.jpg"), "\xFF\xD8\xFF" + std::string(300, '\x47'));
  CheckReadImageFails(dir.File("corrupt.jpg"));
  WriteBytes(dir.File("markers.jpg"), std::string("\xFF\xD8\xFF\xC0\x00\x02\xFF\xD9", 8));
  CheckReadImageFails(dir.File("markers.jpg"));
  // Found by fuzzing: a scan using a Huffman table that no DHT segment defined (stb_image 2.27
  // then decodes with uninitialised tables and indexes far past them).
  {
    std::string undefined = bytes;
    const std::size_t sos = undefined.find("\xFF\xDA");
    BOOST_REQUIRE(sos != std::string::npos);
    undefined[sos + 6] = static_cast<char>((undefined[sos + 6] & 0xF0) | 3);  // AC table 3
    WriteBytes(dir.File("undefined.jpg"), undefined);
    CheckReadImageFails(dir.File("undefined.jpg"));
  }
  // The same file claiming 4096 x 4096 pixels: 262144 blocks cannot fit in 756 bytes (stb_image
  // would decode the missing data as zeros).
  {
    std::string big = bytes;
    const std::size_t sof = big.find("\xFF\xC0");
    BOOST_REQUIRE(sof != std::string::npos);
    big.replace(sof + 5, 4, std::string("\x10\x00\x10\x00", 4));  // height, width
    WriteBytes(dir.File("big.jpg"), big);
    CheckReadImageFails(dir.File("big.jpg"));
  }
}

BOOST_AUTO_TEST_CASE(read_jpeg_written_by_pillow) {
  if (!HavePython("PIL")) {
    BOOST_WARN_MESSAGE(false, "no Pillow at " DN_PYTHON ": skipped");
    return;
  }
  TempDir dir;
  const std::string script = R"(
import sys
from PIL import Image
im = Image.new('L', (10, 6), 200)
im.save(sys.argv[1] + '/grey.jpg', quality=100)
im = Image.new('RGB', (5, 4), (255, 0, 0))
im.save(sys.argv[1] + '/red.jpg', quality=100, progressive=True)
)";
  BOOST_REQUIRE(RunPython(dir, script, "'" + dir.Path().string() + "'"));
  const dn::Image<double> grey = dn::ReadImage(dir.File("grey.jpg"), false);
  BOOST_REQUIRE(grey.n_rows == 6u && grey.n_cols == 10u && grey.n_slices == 1u);
  BOOST_TEST(std::abs(grey.max() - 200 / 255.0) <= 2 / 255.0);
  BOOST_TEST(std::abs(grey.min() - 200 / 255.0) <= 2 / 255.0);
  const dn::Image<double> red = dn::ReadImage(dir.File("red.jpg"), true);
  BOOST_REQUIRE(red.n_rows == 4u && red.n_cols == 5u && red.n_slices == 3u);
  BOOST_TEST(red.slice(0).min() >= 250 / 255.0);
  BOOST_TEST(red.slice(1).max() <= 5 / 255.0);
}

BOOST_AUTO_TEST_CASE(read_image_refuses_bad_files) {
  TempDir dir;
  auto file = [&dir](const std::string& name, const std::string& bytes) {
    const std::string path = dir.File(name);
    WriteBytes(path, bytes);
    return path;
  };
  CheckReadImageFails(dir.File("missing.png"));
  CheckReadImageFails(dir.Path().string());
  CheckReadImageFails(file("empty.png", ""));
  CheckReadImageFails(file("text.png", "this is text, not an image\n"));
  CheckReadImageFails(file("a.gif",
                           "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!"
                           "\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00"
                           "\x00\x02\x02D\x01\x00;"));
  // An uncompressed 1x1 TGA (no magic bytes; not supported).
  CheckReadImageFails(file("a.tga", std::string("\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                                "\x01\x00\x01\x00\x18\x00\x10\x20\x30",
                                                21)));

  // PNG: truncated, corrupt compressed data, and an IHDR claiming too many pixels.
  dn::Image<double> image(16, 16, 3);
  image.randu();
  const std::string good = dir.File("good.png");
  dn::WritePng(good, image);
  const std::string bytes = ReadBytes(good);
  CheckReadImageFails(file("trunc1.png", bytes.substr(0, bytes.size() / 2)));
  CheckReadImageFails(file("trunc2.png", bytes.substr(0, bytes.size() - 6)));
  CheckReadImageFails(file("trunc3.png", bytes.substr(0, 8)));
  {
    std::string corrupt = bytes;
    const std::size_t idat = corrupt.find("IDAT");
    BOOST_REQUIRE(idat != std::string::npos);
    corrupt[idat + 4] = '\x07';  // zlib header: invalid compression method
    corrupt[idat + 5] = '\x00';
    CheckReadImageFails(file("corrupt.png", corrupt));
  }
  {
    const std::string signature("\x89PNG\r\n\x1a\n", 8);
    std::string ihdr;
    for (std::uint32_t v : {std::uint32_t(1) << 20, std::uint32_t(1) << 20}) {
      for (int i = 3; i >= 0; --i) ihdr += static_cast<char>((v >> (8 * i)) & 0xFF);
    }
    ihdr += std::string("\x08\x02\x00\x00\x00", 5);
    CheckReadImageFails(file("huge.png", signature + PngChunk("IHDR", ihdr) +
                                             PngChunk("IDAT", std::string(16, '\0')) +
                                             PngChunk("IEND", "")));
  }
  // Sanity: the good file is still readable, but not under a lower pixel limit.
  BOOST_CHECK_NO_THROW(dn::ReadImage(good, true));
  BOOST_CHECK_NO_THROW(dn::ReadImage(good, true, 256));
  BOOST_CHECK_THROW(dn::ReadImage(good, true, 255), std::runtime_error);
  BOOST_CHECK_THROW(dn::ReadImage(good, true, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(image_file_listing) {
  BOOST_TEST(dn::HasImageExtension("a.png"));
  BOOST_TEST(dn::HasImageExtension("dir.x/B.JPG"));
  BOOST_TEST(dn::HasImageExtension("c.Jpeg"));
  BOOST_TEST(dn::HasImageExtension("d.pgm"));
  BOOST_TEST(dn::HasImageExtension("e.ppm"));
  BOOST_TEST(dn::HasImageExtension("f.pnm"));
  BOOST_TEST(dn::HasImageExtension("g.BMP"));
  BOOST_TEST(!dn::HasImageExtension("h.gif"));
  BOOST_TEST(!dn::HasImageExtension("i.npy"));
  BOOST_TEST(!dn::HasImageExtension("png"));
  BOOST_TEST(!dn::HasImageExtension("j.png.txt"));

  TempDir dir;
  for (const char* name : {"b.png", "a.JPG", "c.txt", "d.ppm", "e.npy"})
    WriteBytes(dir.File(name), "x");
  fs::create_directory(dir.File("sub.png"));  // a directory, not a file
  WriteBytes(dir.File("sub.png/inner.png"), "x");
  const std::vector<std::string> files = dn::ListImageFiles(dir.Path().string());
  BOOST_TEST(
      files == (std::vector<std::string>{dir.File("a.JPG"), dir.File("b.png"), dir.File("d.ppm")}),
      boost::test_tools::per_element());
  BOOST_CHECK_THROW(dn::ListImageFiles(dir.File("missing")), std::runtime_error);
  BOOST_CHECK_THROW(dn::ListImageFiles(dir.File("c.txt")), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
