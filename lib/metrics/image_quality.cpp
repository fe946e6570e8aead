#include "metrics/image_quality.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace dn {
namespace {

// Wang et al. (2004)'s constants.
constexpr double kSsimSigma = 1.5;
constexpr arma::uword kSsimRadius = 5;  // an 11 x 11 window
constexpr double kSsimK1 = 0.01, kSsimK2 = 0.03, kSsimRange = 1.0;
//! The median of |N(0, 1)|: median(|HH|) / 0.6745 estimates sigma.
constexpr double kMadToSigma = 0.6745;

std::string SizeText(const Image<double>& x) {
  return std::to_string(x.n_rows) + "x" + std::to_string(x.n_cols) + "x" +
         std::to_string(x.n_slices);
}

//! The normalised Gaussian of std sigma on taps -radius..radius.
arma::vec Gaussian(double sigma, arma::uword radius) {
  arma::vec g(2 * radius + 1);
  for (arma::uword j = 0; j < g.n_elem; ++j) {
    const double t = static_cast<double>(j) - static_cast<double>(radius);
    g(j) = std::exp(-0.5 * t * t / (sigma * sigma));
  }
  return g / arma::accu(g);
}

//! Separable correlation of x with the symmetric kernel g at the valid positions only:
//! out(y, x) = sum_ij g(i) g(j) x(y + i, x + j), of size (H - 2r) x (W - 2r).
arma::mat FilterValid(const arma::mat& x, const arma::vec& g) {
  const arma::uword taps = g.n_elem, rows = x.n_rows - taps + 1, cols = x.n_cols - taps + 1;
  arma::mat along(rows, x.n_cols);  // along each column first
  for (arma::uword c = 0; c < x.n_cols; ++c)
    for (arma::uword y = 0; y < rows; ++y) {
      double sum = 0.0;
      for (arma::uword j = 0; j < taps; ++j) sum += g[j] * x(y + j, c);
      along(y, c) = sum;
    }
  arma::mat out(rows, cols, arma::fill::zeros);
  for (arma::uword c = 0; c < cols; ++c)
    for (arma::uword j = 0; j < taps; ++j) out.col(c) += g[j] * along.col(c + j);
  return out;
}

}  // namespace

double Ssim(const Image<double>& x, const Image<double>& reference) {
  if (arma::size(x) != arma::size(reference))
    throw std::invalid_argument("Ssim(): the images are " + SizeText(x) + " and " +
                                SizeText(reference) + "; they must have the same shape");
  const arma::uword window = 2 * kSsimRadius + 1;
  if (x.n_rows < window || x.n_cols < window || x.n_slices == 0)
    throw std::invalid_argument("Ssim(): the images are " + SizeText(x) + "; SSIM needs at least " +
                                std::to_string(window) + "x" + std::to_string(window) + " pixels");
  if (!x.is_finite() || !reference.is_finite())
    throw std::invalid_argument("Ssim(): the images hold NaN or infinite values");

  const arma::vec g = Gaussian(kSsimSigma, kSsimRadius);
  const double c1 = std::pow(kSsimK1 * kSsimRange, 2), c2 = std::pow(kSsimK2 * kSsimRange, 2);
  double total = 0.0;
  for (arma::uword c = 0; c < x.n_slices; ++c) {
    const arma::mat& a = x.slice(c);
    const arma::mat& b = reference.slice(c);
    const arma::mat muA = FilterValid(a, g), muB = FilterValid(b, g);
    const arma::mat varA = FilterValid(a % a, g) - muA % muA;
    const arma::mat varB = FilterValid(b % b, g) - muB % muB;
    const arma::mat cov = FilterValid(a % b, g) - muA % muB;
    const arma::mat map = ((2.0 * muA % muB + c1) % (2.0 * cov + c2)) /
                          ((muA % muA + muB % muB + c1) % (varA + varB + c2));
    total += arma::mean(arma::vectorise(map));
  }
  return total / static_cast<double>(x.n_slices);
}

double EstimateNoiseSigma(const Image<double>& image) {
  if (image.n_rows < 2 || image.n_cols < 2 || image.n_slices == 0)
    throw std::invalid_argument("EstimateNoiseSigma(): the image is " + SizeText(image) +
                                "; it needs at least 2x2 pixels");
  if (!image.is_finite())
    throw std::invalid_argument("EstimateNoiseSigma(): the image holds NaN or infinite values");
  const arma::uword blockRows = image.n_rows / 2, blockCols = image.n_cols / 2;
  std::vector<double> detail;
  detail.reserve(blockRows * blockCols * image.n_slices);
  for (arma::uword c = 0; c < image.n_slices; ++c)
    for (arma::uword j = 0; j < blockCols; ++j)
      for (arma::uword i = 0; i < blockRows; ++i) {
        const double a = image(2 * i, 2 * j, c), b = image(2 * i, 2 * j + 1, c);
        const double d = image(2 * i + 1, 2 * j, c), e = image(2 * i + 1, 2 * j + 1, c);
        detail.push_back(std::abs(a - b - d + e) / 2.0);
      }
  // The median: the middle element, or the mean of the two middle ones.
  const std::size_t n = detail.size(), half = n / 2;
  std::nth_element(detail.begin(), detail.begin() + static_cast<std::ptrdiff_t>(half),
                   detail.end());
  double median = detail[half];
  if (n % 2 == 0)
    median = 0.5 * (median + *std::max_element(detail.begin(),
                                               detail.begin() + static_cast<std::ptrdiff_t>(half)));
  return median / kMadToSigma;
}

}  // namespace dn
