// Image quality (metrics/image_quality.hpp): SSIM's identities and a closed form, and the noise
// estimate on a smooth image with seeded Gaussian noise.
#define BOOST_TEST_MODULE image_quality
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "metrics/image_quality.hpp"
#include "test_support.hpp"

using namespace dn;

BOOST_AUTO_TEST_CASE(ssim_identities_and_a_closed_form) {
  test::Seed(1541);
  Image<double> x(40, 36, 2, arma::fill::randu);
  BOOST_TEST(std::abs(Ssim(x, x) - 1.0) <= 1e-12);
  double previous = 1.0;
  for (double sigma : {0.02, 0.05, 0.1, 0.2}) {  // more noise, lower SSIM; symmetric
    Image<double> noisy = x + sigma * Image<double>(40, 36, 2, arma::fill::randn);
    const double s = Ssim(noisy, x);
    BOOST_TEST(std::abs(s - Ssim(x, noisy)) <= 1e-12);
    BOOST_TEST(s < previous);
    previous = s;
  }
  // Two constant images a and b: the variances vanish and SSIM = (2ab + C1) / (a^2 + b^2 + C1).
  const double a = 0.3, b = 0.7, c1 = 0.01 * 0.01;
  const double expected = (2 * a * b + c1) / (a * a + b * b + c1);
  BOOST_TEST(std::abs(Ssim(Image<double>(20, 20, 1, arma::fill::value(a)),
                           Image<double>(20, 20, 1, arma::fill::value(b))) -
                      expected) <= 1e-12);
  BOOST_CHECK_THROW(Ssim(x, Image<double>(40, 35, 2)), std::invalid_argument);
  BOOST_CHECK_THROW(Ssim(Image<double>(8, 8, 1), Image<double>(8, 8, 1)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(noise_estimate_finds_the_level) {
  test::Seed(1542);
  Image<double> smooth(128, 128, 1);
  for (arma::uword x = 0; x < 128; ++x)
    for (arma::uword y = 0; y < 128; ++y)
      smooth(y, x, 0) = 0.5 + 0.2 * std::sin(0.07 * x) * std::cos(0.05 * y);
  for (double sigma : {0.02, 0.1}) {
    const double estimate =
        EstimateNoiseSigma(smooth + sigma * Image<double>(128, 128, 1, arma::fill::randn));
    BOOST_TEST_MESSAGE("sigma " << sigma << ": estimate " << estimate);
    BOOST_TEST(std::abs(estimate - sigma) <= 0.1 * sigma);
  }
  BOOST_TEST(EstimateNoiseSigma(smooth) <= 1e-3);
}
