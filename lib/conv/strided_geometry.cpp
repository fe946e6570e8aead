#include "conv/strided_geometry.hpp"

#include <stdexcept>

namespace dn {

void StridedGeometry::Check(std::size_t filterRows, std::size_t filterCols) const {
  if (stride < 1) throw std::invalid_argument("--stride must be at least 1");
  if (paddingRows >= filterRows || paddingCols >= filterCols)
    throw std::invalid_argument("--padding " +
                                (paddingRows == paddingCols ? std::to_string(paddingRows)
                                                            : std::to_string(paddingRows) + "x" +
                                                                  std::to_string(paddingCols)) +
                                " must be below the filter size " + std::to_string(filterRows) +
                                "x" + std::to_string(filterCols) +
                                " (a padding of k or more leaves output entries no tap reaches)");
}

std::size_t StridedGeometry::OutputSize(std::size_t input, std::size_t kernel,
                                        std::size_t padding) const {
  if (input == 0) throw std::invalid_argument("StridedGeometry: no map entries");
  const long long output =
      static_cast<long long>(stride * (input - 1) + kernel) - 2 * static_cast<long long>(padding);
  if (output < 1)
    throw std::invalid_argument("maps of " + std::to_string(input) + " with " + ToString() +
                                " and filters of " + std::to_string(kernel) +
                                " give no output (s (i - 1) + k - 2p < 1)");
  return static_cast<std::size_t>(output);
}

std::size_t StridedGeometry::MapSize(std::size_t image, std::size_t kernel, std::size_t padding,
                                     Boundary boundary) const {
  if (image == 0) throw std::invalid_argument("StridedGeometry: an empty image");
  if (boundary == Boundary::Circular) {
    if (image % stride != 0)
      throw std::invalid_argument("--stride " + std::to_string(stride) +
                                  " must divide the image size " + std::to_string(image) +
                                  " with the circular boundary");
    return image / stride;
  }
  // The smallest i' >= 1 with s (i' - 1) + k - 2p >= image.
  const long long missing = static_cast<long long>(image) - static_cast<long long>(kernel) +
                            2 * static_cast<long long>(padding);
  if (missing <= 0) return 1;
  const long long s = static_cast<long long>(stride);
  return static_cast<std::size_t>((missing + s - 1) / s + 1);
}

StridedGeometry StridedGeometry::Ordinary(std::size_t h, std::size_t w, Boundary boundary) {
  StridedGeometry g;
  if (boundary == Boundary::Valid) {
    g.paddingRows = h - 1;
    g.paddingCols = w - 1;
  }
  return g;
}

StridedGeometry StridedGeometry::Of(std::size_t stride, const Padding& padding, std::size_t h,
                                    std::size_t w, Boundary boundary) {
  StridedGeometry g = Ordinary(h, w, boundary);
  g.stride = stride;
  if (!padding.ordinary) {
    g.paddingRows = padding.rows;
    g.paddingCols = padding.cols;
  }
  return g;
}

bool StridedGeometry::IsOrdinary(std::size_t h, std::size_t w, Boundary boundary) const {
  const StridedGeometry o = Ordinary(h, w, boundary);
  return stride == 1 && paddingRows == o.paddingRows && paddingCols == o.paddingCols;
}

Padding Padding::Parse(const std::string& text, const std::string& option) {
  Padding padding;
  if (text == "default") return padding;
  const auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument(
          option + " must be default, P or PxQ with whole numbers, like 1 or 3x2, not '" + text +
          "'");
    return static_cast<std::size_t>(std::stoul(part));
  };
  const std::size_t x = text.find_first_of("xX");
  padding.ordinary = false;
  padding.rows = number(text.substr(0, x));
  padding.cols = x == std::string::npos ? padding.rows : number(text.substr(x + 1));
  return padding;
}

std::string Padding::ToString() const {
  return ordinary ? "default" : std::to_string(rows) + "x" + std::to_string(cols);
}

std::string StridedGeometry::ToString() const {
  return "stride " + std::to_string(stride) + ", padding " +
         (paddingRows == paddingCols
              ? std::to_string(paddingRows)
              : std::to_string(paddingRows) + "x" + std::to_string(paddingCols));
}

}  // namespace dn
