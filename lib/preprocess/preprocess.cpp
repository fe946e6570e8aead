#include "preprocess/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "fft/fft.hpp"

namespace dn {
namespace {

constexpr double kPi = 3.14159265358979323846;
//! Smallest LCN divisor, so a constant channel gives a zero signal rather than 0/0.
constexpr double kLcnMinDivisor = 1e-8;
//! Sanity limits that keep padded sizes and kernel radii far from integer overflow.
constexpr std::size_t kMaxHighpassPad = 65536;
constexpr double kMaxLcnSigma = 1000.0;

//! Index into [0, n) of sample i of the mirror extension of a length-n signal (numpy 'symmetric'
//! padding: ... x1 x0 | x0 x1 ... x(n-1) | x(n-1) x(n-2) ...), period 2n, any integer i.
arma::uword MirrorIndex(long long i, arma::uword n) {
  const long long period = 2 * static_cast<long long>(n);
  long long m = i % period;
  if (m < 0) m += period;
  return m < static_cast<long long>(n) ? static_cast<arma::uword>(m)
                                       : static_cast<arma::uword>(period - 1 - m);
}

//! Mirror-index table for samples -before .. n-1+after of a length-n signal.
std::vector<arma::uword> MirrorTable(arma::uword n, arma::uword before, arma::uword after) {
  std::vector<arma::uword> table(n + before + after);
  for (std::size_t j = 0; j < table.size(); ++j)
    table[j] = MirrorIndex(static_cast<long long>(j) - static_cast<long long>(before), n);
  return table;
}

//! x padded by `pad` on all four sides with the mirror extension.
arma::mat PadSymmetric(const arma::mat& x, arma::uword pad) {
  const std::vector<arma::uword> rows = MirrorTable(x.n_rows, pad, pad);
  const std::vector<arma::uword> cols = MirrorTable(x.n_cols, pad, pad);
  arma::mat out(rows.size(), cols.size());
  for (arma::uword c = 0; c < out.n_cols; ++c)
    for (arma::uword r = 0; r < out.n_rows; ++r) out(r, c) = x(rows[r], cols[c]);
  return out;
}

//! Normalised 1-D Gaussian of std sigma on taps -radius..radius, radius = ceil(3 sigma).
arma::vec GaussianKernel(double sigma) {
  const auto radius = static_cast<arma::uword>(std::ceil(3.0 * sigma));
  arma::vec kernel(2 * radius + 1);
  for (arma::uword j = 0; j < kernel.n_elem; ++j) {
    const double t = static_cast<double>(j) - static_cast<double>(radius);
    kernel(j) = std::exp(-t * t / (2.0 * sigma * sigma));
  }
  return kernel / arma::accu(kernel);
}

//! Separable filtering of x with `kernel` (odd length, centred) along both axes, symmetric
//! (mirror) boundary; the output has x's shape.
arma::mat FilterSymmetric(const arma::mat& x, const arma::vec& kernel) {
  const arma::uword radius = kernel.n_elem / 2;
  const arma::uword H = x.n_rows, W = x.n_cols;

  // Along each column (the row index y varies).
  const std::vector<arma::uword> rows = MirrorTable(H, radius, radius);
  arma::mat along(H, W);
  for (arma::uword c = 0; c < W; ++c) {
    const double* in = x.colptr(c);
    double* out = along.colptr(c);
    for (arma::uword y = 0; y < H; ++y) {
      double sum = 0.0;
      for (arma::uword j = 0; j < kernel.n_elem; ++j) sum += kernel[j] * in[rows[y + j]];
      out[y] = sum;
    }
  }

  // Along each row (the column index x varies); whole columns at a time for locality.
  const std::vector<arma::uword> cols = MirrorTable(W, radius, radius);
  arma::mat out(H, W, arma::fill::zeros);
  for (arma::uword c = 0; c < W; ++c) {
    double* dst = out.colptr(c);
    for (arma::uword j = 0; j < kernel.n_elem; ++j) {
      const double* src = along.colptr(cols[c + j]);
      const double w = kernel[j];
      for (arma::uword y = 0; y < H; ++y) dst[y] += w * src[y];
    }
  }
  return out;
}

//! The Tikhonov lowpass of the highpass method for H x W channels: symmetric padding, the filter
//! in the Fourier domain with periodic boundary, the crop back to H x W. Plans once.
class TikhonovLowpass {
public:
  TikhonovLowpass(arma::uword H, arma::uword W, const PreprocessOptions& options)
      : H_(H), W_(W), pad_(options.highpassPad), fft_(H + 2 * pad_, W + 2 * pad_) {
    const arma::uword Hp = H + 2 * pad_, Wp = W + 2 * pad_;
    // 1 + lambda (|G_r|^2 + |G_c|^2) on the half spectrum (rows halved, see fft.hpp); the DFT of
    // the forward difference [-1, 1] has |G|^2 = 2 - 2 cos(2 pi k / N).
    denominator_.set_size(fft_.SpectrumRows(), Wp);
    for (arma::uword m = 0; m < Wp; ++m) {
      const double gc = 2.0 - 2.0 * std::cos(2.0 * kPi * static_cast<double>(m) / Wp);
      for (arma::uword k = 0; k < fft_.SpectrumRows(); ++k) {
        const double gr = 2.0 - 2.0 * std::cos(2.0 * kPi * static_cast<double>(k) / Hp);
        denominator_(k, m) = 1.0 + options.highpassLambda * (gr + gc);
      }
    }
    lowpass_.set_size(Hp, Wp);
    spectrum_.set_size(fft_.SpectrumRows(), Wp);
  }

  //! The lowpass of x (H x W), H x W.
  arma::mat operator()(const arma::mat& x) {
    padded_ = PadSymmetric(x, pad_);
    fft_.Forward(padded_.memptr(), spectrum_.memptr());
    Complex<double>* s = spectrum_.memptr();
    const double* d = denominator_.memptr();
    const double norm = 1.0 / static_cast<double>(fft_.Size());
    for (arma::uword i = 0; i < spectrum_.n_elem; ++i) s[i] *= norm / d[i];
    fft_.Inverse(spectrum_.memptr(), lowpass_.memptr());
    return lowpass_.submat(pad_, pad_, pad_ + H_ - 1, pad_ + W_ - 1);
  }

private:
  arma::uword H_, W_, pad_;
  Fft2d<double> fft_;
  arma::mat denominator_, padded_, lowpass_;
  arma::Mat<Complex<double>> spectrum_;
};

//! Fills `out` with the highpass (signal) and lowpass (offset) of every channel.
void Highpass(const Image<double>& image, const PreprocessOptions& options, Preprocessed& out) {
  TikhonovLowpass lowpass(image.n_rows, image.n_cols, options);
  for (arma::uword c = 0; c < image.n_slices; ++c) {
    // The filter passes constants unchanged (denominator 1 at DC), so filtering relative to one
    // pixel's value changes nothing but rounding, and makes a constant channel exactly flat.
    const double reference = image(0, 0, c);
    out.offset.slice(c) = lowpass(image.slice(c) - reference) + reference;
    out.signal.slice(c) = image.slice(c) - out.offset.slice(c);
  }
}

//! Fills `out` with the normalised signal, local mean (offset) and divisor (scale).
void Lcn(const Image<double>& image, const PreprocessOptions& options, Preprocessed& out) {
  const arma::vec kernel = GaussianKernel(options.lcnSigma);
  for (arma::uword c = 0; c < image.n_slices; ++c) {
    // Relative to one pixel's value, as in Highpass: a constant channel is then centred exactly.
    const double reference = image(0, 0, c);
    const arma::mat shifted = image.slice(c) - reference;
    const arma::mat mean = FilterSymmetric(shifted, kernel);
    const arma::mat centred = shifted - mean;
    const arma::mat variance = FilterSymmetric(centred % centred, kernel);
    const arma::mat localStd = arma::sqrt(arma::clamp(variance, 0.0, arma::datum::inf));
    const double floor = std::max(arma::median(arma::vectorise(localStd)), kLcnMinDivisor);
    const arma::mat divisor = arma::clamp(localStd, floor, arma::datum::inf);
    out.signal.slice(c) = centred / divisor;
    out.offset.slice(c) = mean + reference;
    out.scale.slice(c) = divisor;
  }
}

//! Where the filtered weight F(w) falls below this share of the channel's largest weight, the
//! normalised convolution is completed by the channel's weighted global mean (see the header).
constexpr double kWeightFloor = 1e-6;

//! A channel with a per-pixel weight: the known pixels (weight > 0) relative to one of them, and
//! zero elsewhere, whatever the unknown pixels hold (NaN included).
struct WeightedChannel {
  arma::mat weight;        //!< w >= 0
  arma::umat known;        //!< w > 0
  arma::mat shifted;       //!< s - reference where known, else 0
  double reference = 0.0;  //!< the value of the first known pixel (column-major order)
  double floor = 0.0;      //!< kWeightFloor max(w)
};

WeightedChannel MakeWeightedChannel(const Image<double>& image, const Image<double>& weight,
                                    arma::uword c) {
  WeightedChannel channel;
  channel.weight = weight.slice(c);
  channel.known = channel.weight > 0.0;
  const arma::uvec first = arma::find(channel.known, 1);  // non-empty: checked by the caller
  channel.reference = image.slice(c)(first(0));
  channel.shifted.zeros(image.n_rows, image.n_cols);
  for (arma::uword i = 0; i < channel.shifted.n_elem; ++i)
    if (channel.known[i]) channel.shifted[i] = image.slice(c)[i] - channel.reference;
  channel.floor = kWeightFloor * channel.weight.max();
  return channel;
}

//! Normalised convolution F(w v) / F(w) from filteredProduct = F(w v) and filteredWeight = F(w):
//! where F(w) < floor the missing weight (floor - F(w)) is given to `global`, the weighted mean
//! of v, which keeps the result continuous and defined far from every known pixel.
arma::mat Normalised(const arma::mat& filteredProduct, const arma::mat& filteredWeight,
                     double floor, double global) {
  arma::mat out(arma::size(filteredProduct));
  for (arma::uword i = 0; i < out.n_elem; ++i) {
    const double f = filteredWeight[i];
    out[i] =
        f >= floor ? filteredProduct[i] / f : (filteredProduct[i] + (floor - f) * global) / floor;
  }
  return out;
}

//! sum(w v) / sum(w).
double WeightedMean(const arma::mat& weight, const arma::mat& values) {
  return arma::accu(weight % values) / arma::accu(weight);
}

void WeightedNone(const Image<double>& image, const Image<double>& weight, Preprocessed& out) {
  out.signal.zeros(arma::size(image));
  for (arma::uword i = 0; i < image.n_elem; ++i)
    if (weight[i] > 0.0) out.signal[i] = image[i];
}

void WeightedHighpass(const Image<double>& image, const Image<double>& weight,
                      const PreprocessOptions& options, Preprocessed& out) {
  TikhonovLowpass lowpass(image.n_rows, image.n_cols, options);
  for (arma::uword c = 0; c < image.n_slices; ++c) {
    const WeightedChannel ch = MakeWeightedChannel(image, weight, c);
    const arma::mat low = Normalised(lowpass(ch.weight % ch.shifted), lowpass(ch.weight), ch.floor,
                                     WeightedMean(ch.weight, ch.shifted));
    out.offset.slice(c) = low + ch.reference;
    out.signal.slice(c) = (ch.shifted - low) % arma::conv_to<arma::mat>::from(ch.known);
  }
}

void WeightedLcn(const Image<double>& image, const Image<double>& weight,
                 const PreprocessOptions& options, Preprocessed& out) {
  const arma::vec kernel = GaussianKernel(options.lcnSigma);
  for (arma::uword c = 0; c < image.n_slices; ++c) {
    const WeightedChannel ch = MakeWeightedChannel(image, weight, c);
    const arma::mat knownOnes = arma::conv_to<arma::mat>::from(ch.known);
    const arma::mat filteredWeight = FilterSymmetric(ch.weight, kernel);
    const arma::mat mean =
        Normalised(FilterSymmetric(ch.weight % ch.shifted, kernel), filteredWeight, ch.floor,
                   WeightedMean(ch.weight, ch.shifted));
    const arma::mat centred = (ch.shifted - mean) % knownOnes;
    const arma::mat squares = centred % centred;
    const arma::mat variance =
        Normalised(FilterSymmetric(ch.weight % squares, kernel), filteredWeight, ch.floor,
                   WeightedMean(ch.weight, squares));
    const arma::mat localStd = arma::sqrt(arma::clamp(variance, 0.0, arma::datum::inf));
    const arma::vec knownStd = localStd.elem(arma::find(ch.known));
    const double floor = std::max(arma::median(knownStd), kLcnMinDivisor);
    const arma::mat divisor = arma::clamp(localStd, floor, arma::datum::inf);
    out.signal.slice(c) = centred / divisor;
    out.offset.slice(c) = mean + ch.reference;
    out.scale.slice(c) = divisor;
  }
}

}  // namespace

std::string ToString(PreprocessMethod method) {
  switch (method) {
    case PreprocessMethod::None:
      return "none";
    case PreprocessMethod::Highpass:
      return "highpass";
    case PreprocessMethod::Lcn:
      return "lcn";
  }
  throw std::invalid_argument("ToString(): invalid PreprocessMethod value");
}

PreprocessMethod ParsePreprocessMethod(const std::string& name) {
  if (name == "none") return PreprocessMethod::None;
  if (name == "highpass") return PreprocessMethod::Highpass;
  if (name == "lcn") return PreprocessMethod::Lcn;
  throw std::invalid_argument("unknown preprocessing method '" + name +
                              "' (expected none, highpass or lcn)");
}

void PreprocessOptions::Validate() const {
  if (method != PreprocessMethod::None && method != PreprocessMethod::Highpass &&
      method != PreprocessMethod::Lcn)
    throw std::invalid_argument("PreprocessOptions: method is not a valid PreprocessMethod");
  if (!(highpassLambda > 0.0) || !std::isfinite(highpassLambda))
    throw std::invalid_argument("PreprocessOptions: highpassLambda must be positive and finite");
  if (highpassPad > kMaxHighpassPad)
    throw std::invalid_argument("PreprocessOptions: highpassPad must be at most " +
                                std::to_string(kMaxHighpassPad));
  if (!(lcnSigma > 0.0) || !std::isfinite(lcnSigma))
    throw std::invalid_argument("PreprocessOptions: lcnSigma must be positive and finite");
  if (lcnSigma > kMaxLcnSigma)
    throw std::invalid_argument("PreprocessOptions: lcnSigma must be at most " +
                                std::to_string(static_cast<int>(kMaxLcnSigma)) + " pixels");
}

Preprocessed Preprocess(const Image<double>& image, const PreprocessOptions& options) {
  options.Validate();
  if (image.is_empty()) throw std::invalid_argument("Preprocess(): image must be non-empty");
  if (!image.is_finite())
    throw std::invalid_argument("Preprocess(): image contains NaN or infinite pixels");

  Preprocessed out;
  out.signal.set_size(arma::size(image));
  out.offset.zeros(arma::size(image));
  out.scale.ones(arma::size(image));
  switch (options.method) {
    case PreprocessMethod::None:
      out.signal = image;
      break;
    case PreprocessMethod::Highpass:
      Highpass(image, options, out);
      break;
    case PreprocessMethod::Lcn:
      Lcn(image, options, out);
      break;
  }
  return out;
}

Preprocessed Preprocess(const Image<double>& image, const PreprocessOptions& options,
                        const Image<double>& weight) {
  options.Validate();
  if (image.is_empty()) throw std::invalid_argument("Preprocess(): image must be non-empty");
  if (arma::size(weight) != arma::size(image))
    throw std::invalid_argument("Preprocess(): the weight is " + std::to_string(weight.n_rows) +
                                "x" + std::to_string(weight.n_cols) + "x" +
                                std::to_string(weight.n_slices) + " but the image is " +
                                std::to_string(image.n_rows) + "x" + std::to_string(image.n_cols) +
                                "x" + std::to_string(image.n_slices));
  if (!weight.is_finite())
    throw std::invalid_argument("Preprocess(): the weight holds NaN or infinite values");
  if (weight.min() < 0.0) throw std::invalid_argument("Preprocess(): the weight is negative");
  for (arma::uword c = 0; c < weight.n_slices; ++c)
    if (!arma::any(arma::vectorise(weight.slice(c))))
      throw std::invalid_argument("Preprocess(): the weight of channel " + std::to_string(c) +
                                  " is zero everywhere");
  for (arma::uword i = 0; i < image.n_elem; ++i)
    if (weight[i] > 0.0 && !std::isfinite(image[i]))
      throw std::invalid_argument("Preprocess(): image contains NaN or infinite known pixels");

  Preprocessed out;
  out.signal.set_size(arma::size(image));
  out.offset.zeros(arma::size(image));
  out.scale.ones(arma::size(image));
  switch (options.method) {
    case PreprocessMethod::None:
      WeightedNone(image, weight, out);
      break;
    case PreprocessMethod::Highpass:
      WeightedHighpass(image, weight, options, out);
      break;
    case PreprocessMethod::Lcn:
      WeightedLcn(image, weight, options, out);
      break;
  }
  return out;
}

Image<double> Restore(const Image<double>& signal, const Preprocessed& how) {
  if (arma::size(how.offset) != arma::size(signal) || arma::size(how.scale) != arma::size(signal))
    throw std::invalid_argument(
        "Restore(): signal, offset and scale must have the same shape (H, W, C)");
  return signal % how.scale + how.offset;
}

}  // namespace dn
