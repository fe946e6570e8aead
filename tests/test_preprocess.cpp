#define BOOST_TEST_MODULE preprocess
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "preprocess/preprocess.hpp"

namespace {

using dn::Image;
using dn::PreprocessMethod;
using dn::PreprocessOptions;

// Minimal reader for the fixtures only (NPY v1.0, '<f8', C order, 2-D), so this suite does not
// depend on the io module. Element [y][x] of the row-major file becomes image(y, x, 0).
Image<double> LoadNpy2d(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0 || magic[6] != 1)
    throw std::runtime_error(path + ": not an NPY v1 file");
  unsigned char lenBytes[2];
  in.read(reinterpret_cast<char*>(lenBytes), 2);
  const std::size_t headerLen = lenBytes[0] | (static_cast<std::size_t>(lenBytes[1]) << 8);
  std::string header(headerLen, '\0');
  in.read(&header[0], static_cast<std::streamsize>(headerLen));
  if (header.find("'descr': '<f8'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(path + ": expected '<f8' in C order");
  const std::size_t open = header.find('(', header.find("'shape'"));
  const std::size_t comma = header.find(',', open);
  const std::size_t close = header.find(')', open);
  if (open == std::string::npos || comma == std::string::npos || close == std::string::npos ||
      comma > close)
    throw std::runtime_error(path + ": expected a 2-D shape");
  const auto rows = static_cast<arma::uword>(std::stoul(header.substr(open + 1, comma - open - 1)));
  const auto cols =
      static_cast<arma::uword>(std::stoul(header.substr(comma + 1, close - comma - 1)));
  std::vector<double> data(rows * cols);
  in.read(reinterpret_cast<char*>(data.data()),
          static_cast<std::streamsize>(data.size() * sizeof(double)));
  if (!in) throw std::runtime_error(path + ": truncated data");
  Image<double> image(rows, cols, 1);
  for (arma::uword y = 0; y < rows; ++y)
    for (arma::uword x = 0; x < cols; ++x) image(y, x, 0) = data[y * cols + x];
  return image;
}

std::string DataPath(const std::string& name) { return std::string(DN_TEST_DATA_DIR) + "/" + name; }

double MaxAbsDiff(const Image<double>& a, const Image<double>& b) {
  BOOST_REQUIRE(arma::size(a) == arma::size(b));
  return arma::abs(a - b).max();
}

// numpy 'symmetric' padding index, written as repeated reflection (edge sample repeated).
long long Reflect(long long i, long long n) {
  while (i < 0 || i >= n) i = i < 0 ? -1 - i : 2 * n - 1 - i;
  return i;
}

// Independent reference for the highpass: pads like numpy, builds the normal-equation matrix
// I + lambda (Dr'Dr + Dc'Dc) with periodic forward differences on the padded grid, solves it
// densely in the spatial domain, crops, and returns s - lowpass. Small images only.
arma::mat DenseHighpass(const arma::mat& s, double lambda, long long pad) {
  const long long H = s.n_rows, W = s.n_cols, Hp = H + 2 * pad, Wp = W + 2 * pad;
  const arma::uword n = static_cast<arma::uword>(Hp * Wp);
  arma::vec padded(n);
  for (long long x = 0; x < Wp; ++x)
    for (long long y = 0; y < Hp; ++y)
      padded(y + Hp * x) = s(Reflect(y - pad, H), Reflect(x - pad, W));
  arma::mat Dr(n, n, arma::fill::zeros), Dc(n, n, arma::fill::zeros);
  for (long long x = 0; x < Wp; ++x)
    for (long long y = 0; y < Hp; ++y) {
      const arma::uword i = y + Hp * x;
      Dr(i, i) -= 1.0;
      Dr(i, (y + 1) % Hp + Hp * x) += 1.0;
      Dc(i, i) -= 1.0;
      Dc(i, y + Hp * ((x + 1) % Wp)) += 1.0;
    }
  const arma::mat M = arma::eye(n, n) + lambda * (Dr.t() * Dr + Dc.t() * Dc);
  const arma::vec lowpass = arma::solve(M, padded);
  arma::mat out(H, W);
  for (long long x = 0; x < W; ++x)
    for (long long y = 0; y < H; ++y) out(y, x) = s(y, x) - lowpass((y + pad) + Hp * (x + pad));
  return out;
}

// Gaussian-weighted local mean as a direct 2-D sum (kernel radius ceil(3 sigma), normalised,
// mirror boundary): the documented definition, for checking the separable implementation.
arma::mat DirectGaussianMean(const arma::mat& s, double sigma) {
  const long long r = static_cast<long long>(std::ceil(3.0 * sigma));
  const long long H = s.n_rows, W = s.n_cols;
  arma::mat out(H, W);
  for (long long x = 0; x < W; ++x)
    for (long long y = 0; y < H; ++y) {
      double sum = 0.0, weights = 0.0;
      for (long long dx = -r; dx <= r; ++dx)
        for (long long dy = -r; dy <= r; ++dy) {
          const double w = std::exp(-static_cast<double>(dx * dx + dy * dy) / (2 * sigma * sigma));
          sum += w * s(Reflect(y + dy, H), Reflect(x + dx, W));
          weights += w;
        }
      out(y, x) = sum / weights;
    }
  return out;
}

Image<double> RandomImage(arma::uword H, arma::uword W, arma::uword C, arma::uword seed) {
  arma::arma_rng::set_seed(seed);
  Image<double> image(H, W, C, arma::fill::randu);
  return image;
}

PreprocessOptions WithMethod(PreprocessMethod method) {
  PreprocessOptions options;
  options.method = method;
  return options;
}

const PreprocessMethod kAllMethods[] = {PreprocessMethod::None, PreprocessMethod::Highpass,
                                        PreprocessMethod::Lcn};

}  // namespace

BOOST_AUTO_TEST_SUITE(preprocess)

BOOST_AUTO_TEST_CASE(test_reference_padding_matches_numpy) {
  // np.pad([1, 2, 3], 7, 'symmetric')
  const std::vector<long long> numpy = {1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3};
  for (long long i = 0; i < static_cast<long long>(numpy.size()); ++i)
    BOOST_TEST(Reflect(i - 7, 3) + 1 == numpy[i]);
}

BOOST_AUTO_TEST_CASE(highpass_matches_sporco_fixture) {
  // preprocess_hp.npy = sporco.signal.tikhonov_filter(preprocess_raw.npy, lmbda=5, npd=16)[1].
  const Image<double> raw = LoadNpy2d(DataPath("preprocess_raw.npy"));
  const Image<double> expected = LoadNpy2d(DataPath("preprocess_hp.npy"));
  BOOST_REQUIRE(raw.n_rows == 128 && raw.n_cols == 128);
  PreprocessOptions options;  // defaults: highpass, lambda 5, pad 16
  const dn::Preprocessed out = dn::Preprocess(raw, options);
  const double diff = MaxAbsDiff(out.signal, expected);
  BOOST_TEST_MESSAGE("max |highpass - SPORCO| = " << diff);
  BOOST_TEST(diff < 1e-9);
  BOOST_TEST(MaxAbsDiff(out.offset, raw - expected) < 1e-9);
  BOOST_TEST(arma::all(arma::vectorise(out.scale) == 1.0));
}

BOOST_AUTO_TEST_CASE(highpass_matches_dense_solve) {
  // Odd, non-square, and smaller than the padding (repeated reflection).
  struct Case {
    arma::uword H, W;
    std::size_t pad;
    double lambda;
  };
  for (const Case& c :
       {Case{7, 12, 5, 5.0}, Case{3, 3, 16, 5.0}, Case{1, 4, 6, 0.5}, Case{6, 5, 0, 10.0}}) {
    const Image<double> image = RandomImage(c.H, c.W, 1, 7);
    PreprocessOptions options;
    options.highpassPad = c.pad;
    options.highpassLambda = c.lambda;
    const dn::Preprocessed out = dn::Preprocess(image, options);
    const arma::mat expected = DenseHighpass(image.slice(0), c.lambda, c.pad);
    BOOST_TEST_CONTEXT("H=" << c.H << " W=" << c.W << " pad=" << c.pad) {
      BOOST_TEST(arma::abs(out.signal.slice(0) - expected).max() < 1e-12);
    }
  }
}

BOOST_AUTO_TEST_CASE(restore_round_trip_all_methods) {
  const Image<double> grey = LoadNpy2d(DataPath("preprocess_raw.npy"));
  const Image<double> colour = RandomImage(40, 33, 3, 11);
  for (PreprocessMethod method : kAllMethods)
    for (const Image<double>* image : {&grey, &colour}) {
      const dn::Preprocessed how = dn::Preprocess(*image, WithMethod(method));
      BOOST_TEST_CONTEXT(dn::ToString(method) << ", " << image->n_slices << " channel(s)") {
        BOOST_TEST((arma::size(how.signal) == arma::size(*image)));
        BOOST_TEST((arma::size(how.offset) == arma::size(*image)));
        BOOST_TEST((arma::size(how.scale) == arma::size(*image)));
        BOOST_TEST(MaxAbsDiff(dn::Restore(how.signal, how), *image) < 1e-12);
      }
    }
}

BOOST_AUTO_TEST_CASE(none_is_identity) {
  const Image<double> image = RandomImage(9, 8, 2, 3);
  const dn::Preprocessed how = dn::Preprocess(image, WithMethod(PreprocessMethod::None));
  BOOST_TEST(MaxAbsDiff(how.signal, image) == 0.0);
  BOOST_TEST(arma::all(arma::vectorise(how.offset) == 0.0));
  BOOST_TEST(arma::all(arma::vectorise(how.scale) == 1.0));
}

BOOST_AUTO_TEST_CASE(channels_are_independent) {
  const Image<double> colour = RandomImage(20, 24, 3, 5);
  for (PreprocessMethod method : kAllMethods) {
    const dn::Preprocessed all = dn::Preprocess(colour, WithMethod(method));
    for (arma::uword c = 0; c < colour.n_slices; ++c) {
      const Image<double> one = colour.slices(c, c);
      const dn::Preprocessed alone = dn::Preprocess(one, WithMethod(method));
      BOOST_TEST(MaxAbsDiff(Image<double>(all.signal.slices(c, c)), alone.signal) < 1e-14);
    }
  }
}

BOOST_AUTO_TEST_CASE(constant_image_gives_zero_signal) {
  Image<double> image(21, 17, 2);
  image.slice(0).fill(0.37);
  image.slice(1).fill(-2.5);
  for (PreprocessMethod method : {PreprocessMethod::Highpass, PreprocessMethod::Lcn}) {
    const dn::Preprocessed how = dn::Preprocess(image, WithMethod(method));
    BOOST_TEST_CONTEXT(dn::ToString(method)) {
      BOOST_TEST(how.signal.is_finite());
      BOOST_TEST(how.scale.is_finite());
      BOOST_TEST(arma::abs(how.signal).max() < 1e-12);
      BOOST_TEST(MaxAbsDiff(how.offset, image) < 1e-12);
      BOOST_TEST(MaxAbsDiff(dn::Restore(how.signal, how), image) < 1e-12);
    }
  }
}

BOOST_AUTO_TEST_CASE(lcn_matches_definition) {
  // Mean, divisor and signal against the documented formulas evaluated directly in 2-D.
  const double sigma = 1.5;
  const Image<double> image = RandomImage(9, 11, 1, 13);
  PreprocessOptions options = WithMethod(PreprocessMethod::Lcn);
  options.lcnSigma = sigma;
  const dn::Preprocessed how = dn::Preprocess(image, options);
  const arma::mat mean = DirectGaussianMean(image.slice(0), sigma);
  const arma::mat centred = image.slice(0) - mean;
  const arma::mat localStd = arma::sqrt(DirectGaussianMean(centred % centred, sigma));
  const double floor = arma::median(arma::vectorise(localStd));
  const arma::mat divisor = arma::clamp(localStd, floor, arma::datum::inf);
  BOOST_TEST(arma::abs(how.offset.slice(0) - mean).max() < 1e-12);
  BOOST_TEST(arma::abs(how.scale.slice(0) - divisor).max() < 1e-12);
  BOOST_TEST(arma::abs(how.signal.slice(0) - centred / divisor).max() < 1e-11);
  // Half the pixels sit on the median floor.
  BOOST_TEST(arma::accu(how.scale.slice(0) == floor) >= image.n_elem / 2 - 1);
}

BOOST_AUTO_TEST_CASE(lcn_signal_has_small_local_mean) {
  // The local mean is removed only approximately: even before the division, the Gaussian mean
  // of s - g*s is (g - g*g)*s, a band-pass of s, not zero. Measured on this image (interior
  // rms relative to the signal's): 0.27 with the LCN window itself, 0.11 with one twice as wide,
  // whereas the raw image's local mean is about as large as the image itself.
  const Image<double> image = LoadNpy2d(DataPath("preprocess_raw.npy"));
  const PreprocessOptions options = WithMethod(PreprocessMethod::Lcn);
  const dn::Preprocessed how = dn::Preprocess(image, options);
  const arma::mat& signal = how.signal.slice(0);
  // Interior: away from the border by the wider window's radius.
  const arma::uword r = static_cast<arma::uword>(std::ceil(6.0 * options.lcnSigma));
  auto interiorRms = [&](const arma::mat& m) {
    const arma::mat in = m.submat(r, r, m.n_rows - 1 - r, m.n_cols - 1 - r);
    return std::sqrt(arma::accu(in % in) / in.n_elem);
  };
  const double signalRms = interiorRms(signal);
  const double mean1 = interiorRms(DirectGaussianMean(signal, options.lcnSigma));
  const double mean2 = interiorRms(DirectGaussianMean(signal, 2.0 * options.lcnSigma));
  BOOST_TEST_MESSAGE("lcn interior rms: signal " << signalRms << ", local mean (sigma) " << mean1
                                                 << ", local mean (2 sigma) " << mean2);
  BOOST_TEST(signalRms > 0.5);
  BOOST_TEST(mean1 < 0.3 * signalRms);
  BOOST_TEST(mean2 < 0.15 * signalRms);
  BOOST_TEST(std::abs(arma::mean(arma::vectorise(signal))) < 0.02 * signalRms);
  const arma::mat& raw = image.slice(0);
  BOOST_TEST(interiorRms(DirectGaussianMean(raw, options.lcnSigma)) > 0.9 * interiorRms(raw));
}

BOOST_AUTO_TEST_CASE(small_images_with_large_padding) {
  for (arma::uword size : {1u, 2u, 3u}) {
    const Image<double> image = RandomImage(size, size, 3, 17);
    for (PreprocessMethod method : kAllMethods) {
      PreprocessOptions options = WithMethod(method);
      options.highpassPad = 16;
      options.lcnSigma = 4.0;  // radius 12, far larger than the image
      const dn::Preprocessed how = dn::Preprocess(image, options);
      BOOST_TEST_CONTEXT(size << "x" << size << ", " << dn::ToString(method)) {
        BOOST_TEST(how.signal.is_finite());
        BOOST_TEST(how.scale.is_finite());
        BOOST_TEST(arma::all(arma::vectorise(how.scale) > 0.0));
        BOOST_TEST(MaxAbsDiff(dn::Restore(how.signal, how), image) < 1e-12);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(validate_rejects_bad_options) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_CHECK_NO_THROW(PreprocessOptions().Validate());
  auto expectRejected = [](const PreprocessOptions& options, const std::string& field) {
    try {
      options.Validate();
      BOOST_ERROR("Validate() accepted a bad " << field);
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string(e.what()).find(field) != std::string::npos, e.what());
    }
    // Preprocess validates too.
    BOOST_CHECK_THROW(dn::Preprocess(Image<double>(4, 4, 1, arma::fill::ones), options),
                      std::invalid_argument);
  };
  for (double bad : {0.0, -1.0, nan, inf}) {
    PreprocessOptions options;
    options.highpassLambda = bad;
    expectRejected(options, "highpassLambda");
    options = PreprocessOptions();
    options.lcnSigma = bad;
    expectRejected(options, "lcnSigma");
  }
  PreprocessOptions options;
  options.highpassPad = std::size_t(1) << 40;
  expectRejected(options, "highpassPad");
  options = PreprocessOptions();
  options.lcnSigma = 1e6;
  expectRejected(options, "lcnSigma");
  options = PreprocessOptions();
  options.method = static_cast<PreprocessMethod>(7);
  expectRejected(options, "method");
}

BOOST_AUTO_TEST_CASE(preprocess_and_restore_reject_bad_images) {
  BOOST_CHECK_THROW(dn::Preprocess(Image<double>(), PreprocessOptions()), std::invalid_argument);
  Image<double> image(5, 5, 1, arma::fill::zeros);
  image(2, 3, 0) = std::numeric_limits<double>::quiet_NaN();
  BOOST_CHECK_THROW(dn::Preprocess(image, PreprocessOptions()), std::invalid_argument);
  const dn::Preprocessed how =
      dn::Preprocess(Image<double>(5, 5, 2, arma::fill::randu), PreprocessOptions());
  BOOST_CHECK_THROW(dn::Restore(Image<double>(5, 5, 1), how), std::invalid_argument);
  BOOST_CHECK_THROW(dn::Restore(Image<double>(5, 4, 2), how), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(method_names_round_trip) {
  for (PreprocessMethod method : kAllMethods)
    BOOST_TEST((dn::ParsePreprocessMethod(dn::ToString(method)) == method));
  BOOST_TEST(dn::ToString(PreprocessMethod::None) == "none");
  BOOST_TEST(dn::ToString(PreprocessMethod::Highpass) == "highpass");
  BOOST_TEST(dn::ToString(PreprocessMethod::Lcn) == "lcn");
  for (const char* bad : {"", "Highpass", "lowpass", "gcn", "lcn "})
    BOOST_CHECK_THROW(dn::ParsePreprocessMethod(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
