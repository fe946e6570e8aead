// Image preprocessing before sparse coding, and its inverse.
//
// Every channel (slice) of an Image<double>(H, W, C) is processed independently; pixel (y, x) is
// row y, column x. Three methods:
//
//  * Highpass (SPORCO's default, sporco.signal.tikhonov_filter(s, lmbda, npd) for 2-D images):
//    the channel s is padded symmetrically by `highpassPad` pixels on every side (numpy 'symmetric'
//    mode: the edge sample is repeated, and a pad larger than the image keeps reflecting, i.e. the
//    padded image is the 2H x 2W-periodic mirror extension). On the padded image, with periodic
//    boundary, the lowpass l solves
//        min_l  ||l - s||^2 + lambda (||G_r l||^2 + ||G_c l||^2),
//    G_r, G_c the forward differences along rows / columns, i.e. in the Fourier domain
//        L(k, m) = S(k, m) / (1 + lambda (4 - 2 cos(2 pi k / Hp) - 2 cos(2 pi m / Wp))),
//    (Hp, Wp the padded size). l is cropped back to H x W; signal = s - l, offset = l.
//    Reference: B. Wohlberg, "SPORCO: A Python package for standard and convolutional sparse
//    representations", Proc. SciPy 2017.
//
//  * Lcn (local contrast normalisation in the style of Zeiler et al., "Deconvolutional networks",
//    CVPR 2010, and Jarrett et al., ICCV 2009): with g the normalised Gaussian of std `lcnSigma`
//    truncated at radius ceil(3 sigma) and applied separably with symmetric boundary (same mirror
//    extension as above),
//        mean = g * s,   centred = s - mean,   localStd = sqrt(g * centred^2),
//        divisor = max(localStd, median(localStd), 1e-8),   signal = centred / divisor.
//    offset = mean, scale = divisor. The median floor keeps flat regions from being amplified
//    into noise; the 1e-8 floor makes a constant channel give a zero signal instead of NaN.
//    The default sigma 2 gives a 13 x 13 window, a little larger than the 7 to 11 pixel
//    filters usually learned on it, so the normalisation acts on whole local structures.
//
//  * None: signal = image, offset = 0, scale = 1.
//
// In every case Restore(signal, how) = signal % scale + offset gives back the image (to
// rounding) when signal is the preprocessed one; applied to a reconstruction of the signal it
// gives the reconstruction in image units.
#pragma once

#include <cstddef>
#include <string>

#include "core/types.hpp"

namespace dn {

//! Which preprocessing is applied before sparse coding.
enum class PreprocessMethod { None, Highpass, Lcn };

//! "none", "highpass" or "lcn".
std::string ToString(PreprocessMethod method);
//! Parses "none", "highpass" or "lcn"; throws std::invalid_argument otherwise.
PreprocessMethod ParsePreprocessMethod(const std::string& name);

//! Options of Preprocess(); see the file comment for the maths.
struct PreprocessOptions {
  PreprocessMethod method = PreprocessMethod::Highpass;  //!< what to do
  double highpassLambda = 5.0;   //!< Tikhonov weight of the gradient penalty (SPORCO lmbda), > 0
  std::size_t highpassPad = 16;  //!< symmetric padding on each side, pixels (SPORCO npd)
  double lcnSigma = 2.0;         //!< std of the Gaussian local window, pixels, > 0

  //! Throws std::invalid_argument naming the offending field.
  void Validate() const;
};

//! The preprocessed image and what undoes the preprocessing, so reconstructions can be shown as
//! images. All three cubes have the input's shape (H, W, C).
struct Preprocessed {
  Image<double> signal;  //!< what the model sees
  Image<double> offset;  //!< highpass: the lowpass; lcn: the local mean; none: zeros
  Image<double> scale;   //!< lcn: the divisor; otherwise ones
};

//! Preprocesses every channel of `image` independently. Throws std::invalid_argument on invalid
//! options, an empty image or non-finite pixels.
Preprocessed Preprocess(const Image<double>& image, const PreprocessOptions& options);

//! Preprocessing of an image with unknown pixels (inpainting, learning from incomplete images):
//! `weight` (shaped as the image; io/mask.hpp) > 0 marks the known pixels, and min(weight, 1) is
//! their confidence c. The lowpass and the local statistics come from the known pixels only, by
//! normalised convolution (Knutsson & Westin, CVPR 1993): with T the filter of the method (the
//! Tikhonov lowpass for highpass, the Gaussian for lcn) and s' the channel relative to the mean
//! of its known pixels (unknown ones set to that mean),
//!     lowpass = T(c s') / max(T(c), 1e-3)          (highpass: offset; lcn: mean)
//!     variance = G(c (s' - mean)^2) / max(G(c), 1e-3)   (lcn; its median over known pixels)
//! so far from any known pixel the estimate falls back towards that mean. The signal is zero at
//! unknown pixels. With every weight positive and at most 1 it is the unweighted preprocessing up
//! to rounding. What unknown pixels hold (even NaN) does not matter. Throws std::invalid_argument
//! as Preprocess, for a weight of another shape, a channel with no known pixel, or a known pixel
//! that is not finite.
Preprocessed Preprocess(const Image<double>& image, const PreprocessOptions& options,
                        const Image<double>& weight);

//! signal % how.scale + how.offset. Throws std::invalid_argument if the shapes differ.
Image<double> Restore(const Image<double>& signal, const Preprocessed& how);

}  // namespace dn
