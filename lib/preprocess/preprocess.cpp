#include "preprocess/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "fft/fft.hpp"

namespace dn {
namespace {

constexpr double kPi = 3.14159265358979323846;
//! Smallest LCN divisor, so a constant channel gives a zero signal rather than 0/0.
constexpr double kLcnMinDivisor = 1e-8;
//! Masked preprocessing: the smallest filtered confidence divided by (see NormalisedFilter).
constexpr double kKnownFloor = 1e-3;
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

//! The Tikhonov lowpass of the file comment for channels of one size: the FFT and the
//! denominator made once, applied to any number of channels.
class TikhonovLowpass {
public:
  TikhonovLowpass(arma::uword rows, arma::uword cols, const PreprocessOptions& options)
      : rows_(rows),
        cols_(cols),
        pad_(options.highpassPad),
        fft_(rows + 2 * options.highpassPad, cols + 2 * options.highpassPad) {
    const arma::uword Hp = rows + 2 * pad_, Wp = cols + 2 * pad_;
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
    padded_.set_size(Hp, Wp);
    lowpass_.set_size(Hp, Wp);
    spectrum_.set_size(fft_.SpectrumRows(), Wp);
  }

  //! The lowpass of x (rows x cols), padded symmetrically, filtered and cropped back.
  arma::mat Apply(const arma::mat& x) {
    padded_ = PadSymmetric(x, pad_);
    fft_.Forward(padded_.memptr(), spectrum_.memptr());
    Complex<double>* s = spectrum_.memptr();
    const double* d = denominator_.memptr();
    const double norm = 1.0 / static_cast<double>(fft_.Size());
    for (arma::uword i = 0; i < spectrum_.n_elem; ++i) s[i] *= norm / d[i];
    fft_.Inverse(spectrum_.memptr(), lowpass_.memptr());
    return lowpass_.submat(pad_, pad_, pad_ + rows_ - 1, pad_ + cols_ - 1);
  }

private:
  arma::uword rows_, cols_, pad_;
  Fft2d<double> fft_;
  arma::mat denominator_, padded_, lowpass_;
  arma::Mat<Complex<double>> spectrum_;
};

//! Fills `out` with the highpass (signal) and lowpass (offset) of every channel.
void Highpass(const Image<double>& image, const PreprocessOptions& options, Preprocessed& out) {
  TikhonovLowpass filter(image.n_rows, image.n_cols, options);
  for (arma::uword c = 0; c < image.n_slices; ++c) {
    // The filter passes constants unchanged (denominator 1 at DC), so filtering relative to one
    // pixel's value changes nothing but rounding, and makes a constant channel exactly flat.
    const double reference = image(0, 0, c);
    out.offset.slice(c) = filter.Apply(image.slice(c) - reference) + reference;
    out.signal.slice(c) = image.slice(c) - out.offset.slice(c);
  }
}

//! Normalised convolution: filter(c x) / filter(c), with c the confidence in [0, 1]; where the
//! filtered confidence is below kKnownFloor, divided by kKnownFloor instead (towards 0).
template <typename Filter>
arma::mat NormalisedFilter(const arma::mat& x, const arma::mat& confidence, Filter&& filter) {
  const arma::mat weight = filter(confidence);
  return filter(arma::mat(x % confidence)) / arma::clamp(weight, kKnownFloor, arma::datum::inf);
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
    throw std::invalid_argument("Preprocess(): the weight is not shaped as the image");
  Preprocessed out;
  out.signal.zeros(arma::size(image));
  out.offset.zeros(arma::size(image));
  out.scale.ones(arma::size(image));
  std::unique_ptr<TikhonovLowpass> tikhonov;
  if (options.method == PreprocessMethod::Highpass)
    tikhonov = std::make_unique<TikhonovLowpass>(image.n_rows, image.n_cols, options);
  const arma::vec kernel =
      options.method == PreprocessMethod::Lcn ? GaussianKernel(options.lcnSigma) : arma::vec();
  for (arma::uword c = 0; c < image.n_slices; ++c) {
    const arma::mat confidence = arma::clamp(weight.slice(c), 0.0, 1.0);
    const arma::uvec known = arma::find(weight.slice(c) > 0.0);
    if (known.is_empty())
      throw std::invalid_argument("Preprocess(): channel " + std::to_string(c) +
                                  " has no known pixel");
    const arma::mat channel = image.slice(c);
    const arma::vec values = channel.elem(known);
    if (!values.is_finite())
      throw std::invalid_argument("Preprocess(): image contains NaN or infinite known pixels");
    if (options.method == PreprocessMethod::None) {
      out.signal.slice(c).elem(known) = values;
      continue;
    }
    // Relative to the known pixels' mean, which unknown pixels take (they carry no weight).
    const double reference = arma::mean(values);
    arma::mat shifted(channel.n_rows, channel.n_cols, arma::fill::zeros);
    shifted.elem(known) = values - reference;
    arma::mat signal = shifted, offset(channel.n_rows, channel.n_cols, arma::fill::zeros);
    if (options.method == PreprocessMethod::Highpass) {
      offset = NormalisedFilter(shifted, confidence,
                                [&](const arma::mat& x) { return tikhonov->Apply(x); });
      signal = shifted - offset;
    } else if (options.method == PreprocessMethod::Lcn) {
      const auto gaussian = [&](const arma::mat& x) { return FilterSymmetric(x, kernel); };
      offset = NormalisedFilter(shifted, confidence, gaussian);
      const arma::mat centred = shifted - offset;
      const arma::mat variance =
          NormalisedFilter(arma::mat(centred % centred), confidence, gaussian);
      const arma::mat localStd = arma::sqrt(arma::clamp(variance, 0.0, arma::datum::inf));
      const arma::vec knownStd = localStd.elem(known);
      const double floor = std::max(arma::median(knownStd), kLcnMinDivisor);
      const arma::mat divisor = arma::clamp(localStd, floor, arma::datum::inf);
      signal = centred / divisor;
      out.scale.slice(c) = divisor;
    }
    out.signal.slice(c).elem(known) = signal.elem(known);  // unknown pixels: zero
    out.offset.slice(c) = offset + reference;
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
