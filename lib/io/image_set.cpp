#include "io/image_set.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "io/image.hpp"
#include "io/npy.hpp"

namespace dn {
namespace {

namespace fs = std::filesystem;

std::vector<Image<double>> ReadNpyImages(const std::string& path, bool colour) {
  const NpyArray array = ReadNpy(path);
  try {
    return ImagesFromNpy<double>(array, colour);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

void RequireExisting(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw std::runtime_error("input " + path + " does not exist");
}

//! True when the name ends in .npy (any case).
bool IsNpyPath(const std::string& path) {
  if (path.size() < 4) return false;
  std::string tail = path.substr(path.size() - 4);
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == ".npy";
}

}  // namespace

std::vector<Image<double>> ReadInputImages(const std::vector<std::string>& inputs, bool colour) {
  std::vector<Image<double>> images;
  std::vector<std::string> origins;  // the input each image came from, for messages
  for (const std::string& input : inputs) {
    RequireExisting(input);
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      const std::vector<std::string> files = ListImageFiles(input);
      if (files.empty())
        throw std::runtime_error("directory " + input +
                                 " contains no images (.png, .jpg, .jpeg, .pgm, .ppm, .pnm, .bmp)");
      for (const std::string& file : files) {
        images.push_back(ReadImage(file, colour));
        origins.push_back(file);
      }
    } else if (IsNpyPath(input)) {
      for (Image<double>& image : ReadNpyImages(input, colour)) {
        images.push_back(std::move(image));
        origins.push_back(input);
      }
    } else {
      images.push_back(ReadImage(input, colour));
      origins.push_back(input);
    }
  }
  if (images.empty()) throw std::runtime_error("no input images");
  for (std::size_t i = 1; i < images.size(); ++i)
    if (images[i].n_slices != images[0].n_slices)
      throw std::runtime_error(origins[i] + " has " + std::to_string(images[i].n_slices) +
                               " channels but " + origins[0] + " has " +
                               std::to_string(images[0].n_slices));
  return images;
}

Image<double> ReadInputImage(const std::string& path, bool colour) {
  RequireExisting(path);
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw std::runtime_error("input " + path + " is a directory; expected one image");
  if (!IsNpyPath(path)) return ReadImage(path, colour);
  std::vector<Image<double>> images = ReadNpyImages(path, colour);
  if (images.size() != 1)
    throw std::runtime_error(path + " holds " + std::to_string(images.size()) +
                             " images; expected one");
  return std::move(images.front());
}

FilterBank<double> ReadFilterBank(const std::string& option, const std::string& path) {
  const std::string what = option + " " + path;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw std::runtime_error(what + " does not exist");
  const NpyArray array = ReadNpy(path);
  FilterBank<double> filters;
  try {
    filters = FilterBankFromNpy<double>(array);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
  if (!arma::any(arma::vectorise(filters.data)))
    throw std::runtime_error(what + ": every filter is zero");
  return filters;
}

Image<double> CentreCrop(const Image<double>& image, arma::uword rows, arma::uword cols) {
  if (rows > image.n_rows || cols > image.n_cols)
    throw std::invalid_argument("CentreCrop(): the crop is larger than the image");
  const arma::uword top = (image.n_rows - rows) / 2, left = (image.n_cols - cols) / 2;
  return image.tube(top, left, top + rows - 1, left + cols - 1);
}

bool CropToCommonSize(std::vector<Image<double>>& images) {
  arma::uword rows = images.front().n_rows, cols = images.front().n_cols;
  for (const Image<double>& image : images) {
    rows = std::min(rows, image.n_rows);
    cols = std::min(cols, image.n_cols);
  }
  bool cropped = false;
  for (Image<double>& image : images) {
    if (image.n_rows == rows && image.n_cols == cols) continue;
    image = CentreCrop(image, rows, cols);
    cropped = true;
  }
  return cropped;
}

}  // namespace dn
