// Image quality measures and a noise-level estimate, on Image<double>(H, W, C) with values in
// [0, 1] (data range 1).
//
//  * SSIM (Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image quality assessment:
//    from error visibility to structural similarity", IEEE Trans. Image Processing 13(4), 2004),
//    with their constants, as skimage.metrics.structural_similarity(x, y, gaussian_weights=True,
//    sigma=1.5, use_sample_covariance=False, data_range=1) computes it: g the normalised
//    Gaussian window of std 1.5 on 11 x 11 taps (radius 5), and at every position where the
//    window lies inside the image (the valid positions, (H - 10) x (W - 10) of them)
//        mu_x = g * x,  sigma_x^2 = g * x^2 - mu_x^2,  sigma_xy = g * (x y) - mu_x mu_y,
//        SSIM = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 +
//               sigma_y^2 + C2)),   C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 1;
//    the result is the mean over the valid positions, averaged over channels.
//
//  * Noise sigma (D. L. Donoho and I. M. Johnstone, "Ideal spatial adaptation by wavelet
//    shrinkage", Biometrika 81(3), 1994): the finest diagonal detail of the orthonormal Haar
//    transform, HH = (a - b - c + d) / 2 over the disjoint 2 x 2 blocks [a b; c d] (a last odd
//    row or column is left out), and sigma = median(|HH|) / 0.6745, the median pooled over all
//    channels. For white Gaussian noise of std sigma, HH is N(0, sigma^2) plus what remains of
//    the image, which is small for a smooth image; the median makes edges count little.
#pragma once

#include "core/types.hpp"

namespace dn {

//! Mean SSIM of `x` against `reference` (see the file comment; symmetric in its arguments).
//! Throws std::invalid_argument for different shapes, images smaller than 11 x 11 or
//! non-finite values.
double Ssim(const Image<double>& x, const Image<double>& reference);

//! Donoho and Johnstone's robust estimate of the std of additive white Gaussian noise in
//! `image` (see the file comment). Throws std::invalid_argument for an image smaller than
//! 2 x 2 or non-finite values.
double EstimateNoiseSigma(const Image<double>& image);

}  // namespace dn
