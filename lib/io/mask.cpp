#include "io/mask.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <system_error>

#include "io/image.hpp"
#include "io/npy.hpp"

namespace dn {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool IsNpyPath(const std::string& path) {
  return Lower(fs::path(path).extension().string()) == ".npy";
}

//! "mask NAME" for messages, or "the mask" when the caller gave no name.
std::string Called(const std::string& name) { return name.empty() ? "the mask" : "mask " + name; }

std::string Where(arma::uword y, arma::uword x, arma::uword c) {
  return "row " + std::to_string(y) + ", column " + std::to_string(x) + ", channel " +
         std::to_string(c);
}

//! Uniform integer in [0, n), n > 0, from the engine's full 64-bit outputs by rejection: only
//! the engine's output sequence (fixed by the C++ standard) decides it, unlike
//! std::uniform_int_distribution, whose algorithm each standard library chooses.
std::uint64_t UniformBelow(std::mt19937_64& engine, std::uint64_t n) {
  // The largest multiple of n that fits is 2^64 - (2^64 mod n); draws at or above it are
  // rejected so that every residue is equally likely.
  const std::uint64_t remainder = (std::numeric_limits<std::uint64_t>::max() % n + 1) % n;
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - remainder + 1;
  for (;;) {
    const std::uint64_t draw = engine();
    if (remainder == 0 || draw < limit) return draw % n;
  }
}

}  // namespace

void CheckMask(const Image<double>& mask, arma::uword rows, arma::uword cols, arma::uword channels,
               const std::string& name) {
  const std::string what = Called(name);
  if (rows == 0 || cols == 0 || channels == 0)
    throw std::invalid_argument("CheckMask(): the image size must be non-zero");
  if (mask.n_rows != rows || mask.n_cols != cols)
    throw std::invalid_argument(
        what + " is " + std::to_string(mask.n_rows) + "x" + std::to_string(mask.n_cols) +
        " (rows x columns) but the image is " + std::to_string(rows) + "x" + std::to_string(cols));
  if (mask.n_slices != 1 && mask.n_slices != channels)
    throw std::invalid_argument(what + " has " + std::to_string(mask.n_slices) +
                                " channels but the image has " + std::to_string(channels) +
                                " (a mask has 1 channel or the image's)");
  bool known = false;
  for (arma::uword c = 0; c < mask.n_slices; ++c)
    for (arma::uword x = 0; x < cols; ++x)
      for (arma::uword y = 0; y < rows; ++y) {
        const double w = mask(y, x, c);
        if (!std::isfinite(w))
          throw std::invalid_argument(what + " holds a NaN or infinite weight (at " +
                                      Where(y, x, c) + ")");
        if (w < 0.0)
          throw std::invalid_argument(what + " holds a negative weight (" + std::to_string(w) +
                                      " at " + Where(y, x, c) + ")");
        known = known || w > 0.0;
      }
  if (!known) throw std::invalid_argument(what + " is zero everywhere: no pixel is known");
}

Image<double> MaskForImage(const Image<double>& mask, arma::uword rows, arma::uword cols,
                           arma::uword channels, const std::string& name) {
  CheckMask(mask, rows, cols, channels, name);
  if (mask.n_slices == channels) return mask;
  Image<double> out(rows, cols, channels);
  for (arma::uword c = 0; c < channels; ++c) out.slice(c) = mask.slice(0);
  return out;
}

Image<double> ReadMask(const std::string& path, arma::uword rows, arma::uword cols,
                       arma::uword channels) {
  Image<double> mask;
  if (IsNpyPath(path)) {
    NpyArray array;
    try {
      array = ReadNpy(path);  // std::runtime_error naming the file
    } catch (const std::runtime_error& e) {
      // Weights that are not finite are a bad mask, as negative ones are, not an I/O failure.
      if (std::string(e.what()).find("NaN or infinite") != std::string::npos)
        throw std::invalid_argument("mask " + path + " holds NaN or infinite weights");
      throw;
    }
    try {
      mask = CubeFromNpy<double>(array);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("mask " + path + " has shape " + ShapeToString(array.shape) +
                                  "; expected (H, W) or (C, H, W)");
    }
  } else {
    mask = ReadImage(path, channels == 3);
  }
  return MaskForImage(mask, rows, cols, channels, path);
}

std::vector<std::string> FindMaskFiles(const std::string& directory,
                                       const std::vector<std::string>& imagePaths) {
  // Every candidate of the directory by stem, listed once.
  std::map<std::string, std::vector<std::string>> byStem;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec)
    throw std::runtime_error("mask directory " + directory + " cannot be read: " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code statusError;
    const std::string file = it->path().filename().string();
    if (!it->is_regular_file(statusError) || !(IsNpyPath(file) || HasImageExtension(file)))
      continue;
    byStem[it->path().stem().string()].push_back(it->path().string());
  }
  if (ec)
    throw std::runtime_error("mask directory " + directory +
                             ": error while reading: " + ec.message());

  std::vector<std::string> masks;
  masks.reserve(imagePaths.size());
  for (const std::string& image : imagePaths) {
    const std::string stem = fs::path(image).stem().string();
    const auto found = byStem.find(stem);
    if (found == byStem.end())
      throw std::runtime_error("no mask for image " + image + " in " + directory + " (expected " +
                               stem + ".npy or " + stem + ".png)");
    std::vector<std::string> candidates = found->second;
    if (candidates.size() > 1) {
      std::sort(candidates.begin(), candidates.end());
      throw std::runtime_error("two masks for image " + image + ": " + candidates[0] + " and " +
                               candidates[1]);
    }
    masks.push_back(candidates.front());
  }
  return masks;
}

std::string FindMaskFile(const std::string& directory, const std::string& imagePath) {
  return FindMaskFiles(directory, {imagePath}).front();
}

Image<double> RandomMask(arma::uword rows, arma::uword cols, arma::uword channels,
                         double missingFraction, std::uint64_t seed) {
  if (rows == 0 || cols == 0 || channels == 0)
    throw std::invalid_argument("RandomMask(): rows, cols and channels must be positive");
  if (!(missingFraction >= 0.0 && missingFraction < 1.0))
    throw std::invalid_argument("RandomMask(): missingFraction must be in [0, 1)");
  const std::uint64_t pixels = static_cast<std::uint64_t>(rows) * cols;
  const auto missing =
      static_cast<std::uint64_t>(std::llround(missingFraction * static_cast<double>(pixels)));
  if (missing >= pixels)
    throw std::invalid_argument("RandomMask(): missingFraction " + std::to_string(missingFraction) +
                                " leaves no pixel of " + std::to_string(rows) + "x" +
                                std::to_string(cols) + " known");

  // Partial Fisher-Yates: position i takes a uniformly chosen index among those not yet taken.
  std::vector<std::uint64_t> order(pixels);
  for (std::uint64_t i = 0; i < pixels; ++i) order[i] = i;
  std::mt19937_64 engine(seed);
  Image<double> mask(rows, cols, channels, arma::fill::ones);
  for (std::uint64_t i = 0; i < missing; ++i) {
    const std::uint64_t j = i + UniformBelow(engine, pixels - i);
    std::swap(order[i], order[j]);
    const arma::uword y = static_cast<arma::uword>(order[i] % rows);
    const arma::uword x = static_cast<arma::uword>(order[i] / rows);
    for (arma::uword c = 0; c < channels; ++c) mask(y, x, c) = 0.0;
  }
  return mask;
}

}  // namespace dn
