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
// With a weight (issue 15: inpainting; a weight w >= 0 per pixel, 0 where the pixel is unknown)
// the statistics are estimated from the known pixels only, by normalised convolution
// (H. Knutsson and C.-F. Westin, "Normalized and differential convolution", CVPR 1993): a
// filter F (the Tikhonov lowpass with its padding, or g) is applied to w s and to w, and
//     F[s]_w = F(w s) / F(w).
// The weight is the certainty as given (not clamped): 0/1 masks are the common case, other
// weights count pixels in proportion, and scaling w changes nothing. Both F are non-negative
// kernels, so F(w) is small only far from every known pixel; where F(w) < f = 1e-6 max(w) the
// missing certainty f - F(w) is given to the channel's weighted global mean m = sum(w s)/sum(w):
//     F[s]_w = (F(w s) + (f - F(w)) m) / f,
// which is continuous at F(w) = f and never divides by ~0. Then
//  * highpass: offset = F_T[s]_w, signal = s - offset at known pixels;
//  * lcn: mean = g[s]_w, centred = s - mean, localStd = sqrt(g[centred^2]_w), and the divisor
//    floor is the median of localStd over the known pixels;
//  * none: signal = s at known pixels.
// The signal is 0 at unknown pixels (the solver's weight ignores them there); offset and scale
// are defined everywhere, so Restore() of a reconstruction gives the inpainted image. Values
// are taken relative to the first known pixel, as the unweighted methods take them relative to
// pixel (0, 0): with an all-ones weight, F(w) = 1 to rounding and the result is the unweighted
// one to rounding. Unknown pixels enter only multiplied by w = 0, and are zeroed first, so
// they cannot change the result at all.
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

//! The preprocessing of an image whose pixels are known with per-pixel weights `weight` (the
//! data weight W of issue 15, shaped as the image: 0 unknown, > 0 known; see "With a weight"
//! above): the statistics come from the known pixels only. What unknown pixels hold (NaN
//! included) changes nothing; their signal is 0. An all-ones weight gives Preprocess(image,
//! options) to rounding. Throws std::invalid_argument on invalid options, an empty image, a
//! weight of another shape, negative or non-finite somewhere, or zero everywhere in a channel,
//! or non-finite known pixels.
Preprocessed Preprocess(const Image<double>& image, const PreprocessOptions& options,
                        const Image<double>& weight);

//! signal % how.scale + how.offset. Throws std::invalid_argument if the shapes differ.
Image<double> Restore(const Image<double>& signal, const Preprocessed& how);

}  // namespace dn
