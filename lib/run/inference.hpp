// Inference of one image through a model, with no argv and no terminal: the settings (defaults,
// a model's, the caller's overrides), the sparse coding of one signal over a filter bank, and the
// whole inference of dn-reconstruct and dn-inspect -- preprocessing, the feature maps of layers
// 1 to L (network/inference.hpp), the reconstruction from layer L's maps alone, its restored
// image, the metrics and the history of every solver iteration -- in the precision the settings
// name.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conv/strided_geometry.hpp"
#include "core/precision.hpp"
#include "core/types.hpp"
#include "fft/fft.hpp"
#include "network/top_down.hpp"
#include "preprocess/preprocess.hpp"
#include "serialize/model.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {

//! The settings of an inference; the defaults are dn-reconstruct's without a model.
struct InferenceConfig {
  double lambda = 0.1;                             //!< l1 weight of layer `layer`, >= 0
  std::string solver = "auto";                     //!< auto, ista, fista, admm or cd
  Boundary boundary = Boundary::Valid;
  std::size_t iterations = 200;                    //!< per layer, > 0
  double tolerance = 0.0;                          //!< per layer; 0 runs every iteration
  PlannerEffort effort = PlannerEffort::Estimate;  //!< FFTW planning
  PreprocessOptions preprocess;
  bool colour = false;  //!< images are read in colour
  Precision precision = Precision::Single;
  std::size_t layer = 1;  //!< infer layers 1 to `layer`, reconstruct from layer `layer`
  //! Layer 1's stride and padding (conv/strided_geometry.hpp): a model's, or those of a bare
  //! dictionary; strided layers are coded with ista or fista.
  std::size_t stride = 1;
  Padding padding;

  //! Throws std::invalid_argument naming the field (the solver's: CheckSolverSupports).
  void Validate() const;
};

//! The settings a caller gives explicitly; the others come from a base configuration.
struct InferenceOverrides {
  std::optional<double> lambda;
  std::optional<std::string> solver;
  std::optional<Boundary> boundary;
  std::optional<std::size_t> iterations;
  std::optional<double> tolerance;
  std::optional<PlannerEffort> effort;
  std::optional<PreprocessMethod> preprocess;
  std::optional<double> highpassLambda;
  std::optional<std::size_t> highpassPad;
  std::optional<double> lcnSigma;
  std::optional<bool> colour;
  std::optional<Precision> precision;
  std::optional<std::size_t> layer;
  std::optional<std::size_t> stride;
  std::optional<Padding> padding;

  //! `base` with every given setting replaced.
  InferenceConfig Over(InferenceConfig base) const;
};

//! The model's settings for an inference from `layer` (lambda: that layer's). Throws
//! std::invalid_argument unless 1 <= layer <= the model's depth.
InferenceConfig ModelInferenceConfig(const ModelManifest& manifest, std::size_t layer = 1);

//! The model's settings with the overrides (the layer, if given, chooses the model's lambda
//! before the overrides apply). Throws std::invalid_argument as ModelInferenceConfig.
InferenceConfig ResolveInference(const ModelManifest& manifest,
                                 const InferenceOverrides& overrides);

//! Throws std::invalid_argument unless `image` can be coded over `filters`: the same channel
//! count, and filters no larger than the image. `colour`: the image was read in colour
//! (otherwise a 3-channel dictionary suggests --colour).
void CheckCodable(const FilterBank<double>& filters, const Image<double>& image, bool colour);

//! One line describing the problem and settings (filters, image, lambda, solver, boundary,
//! iterations, tolerance, precision), for --verbose.
std::string InferenceSummary(const FilterBank<double>& filters, const Image<double>& image,
                             const InferenceConfig& config);

//! Gaussian denoising: lambda = kDenoisingLambdaPerSigma * sigma, sigma the noise's standard
//! deviation in pixel units (highpass and none keep them). The factor is the best of a sweep of
//! lambda / sigma in {0.5, 1, 1.5, 2, 3, 4} at sigma = 25/255 and 15/255 on the five bundled
//! images, with a dictionary of 32 8x8 filters learned by dn-learn (scripts/measure-denoising;
//! docs/applications.md): 2 at both levels.
constexpr double kDenoisingLambdaPerSigma = 2.0;
//! kDenoisingLambdaPerSigma * sigma; std::invalid_argument unless sigma is finite and > 0.
double DenoisingLambda(double sigma);
//! A noise level given as text: a number in (0, 1]; std::invalid_argument naming
//! --noise-sigma otherwise.
double ParseNoiseSigma(const std::string& text);

//! The objective's terms of a result, accumulated in double from the arrays in their precision:
//! objective = fidelity + lambda * l1, fidelity = 1/2 ||W (D z - s)||^2 (W = 1 without a weight),
//! l1 = ||z||_1, density the fraction of non-zero map entries.
struct CodingMetrics {
  double objective = 0, fidelity = 0, l1 = 0, density = 0;
};

template <typename T>
CodingMetrics Measure(const Maps<T>& maps, const Image<T>& reconstruction, const Image<T>& signal,
                      double lambda, const Image<T>* weight = nullptr);

//! 10 log10(1 / mse) of `viewable` against `image` (peak 1); infinite when they are equal. With
//! `known`, over the entries where it is positive only.
double Psnr(const Image<double>& viewable, const Image<double>& image,
            const Image<double>* known = nullptr);

template <typename T>
struct CodingResult {
  Maps<T> maps;                          //!< (Hm, Wm, K)
  Image<T> reconstruction;               //!< D z, (H, W, C)
  SolveReport report;                    //!< report.seconds: the solve only, no FFTW planning
  std::vector<IterationRecord> history;  //!< one record per iteration
  CodingMetrics metrics;
};

//! Solves the sparse coding problem of config (lambda, solver, boundary, iterations, tolerance,
//! effort; the other fields are not read) for `signal` over `filters`, from `init` (zeros when
//! null; the warm start, shaped as the maps). `observer` sees every iteration and may stop the
//! solver. Throws std::invalid_argument for shapes that do not fit (see CheckCodable).
template <typename T>
CodingResult<T> SparseCode(const FilterBank<T>& filters, const Image<T>& signal,
                           const InferenceConfig& config, Observer* observer = nullptr,
                           const Maps<T>* init = nullptr, const Image<T>* weight = nullptr);

//! SparseCode in config.precision on arrays given in double: validates config, checks
//! CheckCodable, converts the arrays (std::runtime_error when a value is beyond single
//! precision's range) and gives the results back in double (exactly).
CodingResult<double> SparseCodeInPrecision(const FilterBank<double>& filters,
                                           const Image<double>& signal,
                                           const InferenceConfig& config,
                                           Observer* observer = nullptr,
                                           const Maps<double>* init = nullptr,
                                           const Image<double>* weight = nullptr);

//! Gives the observer of layer l's solver iterations (1-based), or null; called as layer l's
//! inference begins, layers in order.
using LayerObserverFactory = std::function<Observer*(std::size_t layer)>;

//! What a caller adds to an InferenceConfig for InferImage.
struct InferenceOptions {
  LayerObserverFactory observer;  //!< empty: no observer
  //! Layers above the first: also project each of layer L's maps alone to pixels (ProjectMaps).
  bool projectMaps = false;
  //! Inpainting: the data weight of the image (io/mask.hpp; H x W x C, 0 unknown, 1 known).
  //! Preprocessing estimates its lowpass or statistics from the known pixels and the solver fits
  //! the known pixels only; layer 1 only. Empty: none.
  Image<double> mask;
  //! The complete image, to score the restoration against (PSNR, SSIM). Empty: none.
  Image<double> reference;
  //! Names in the messages of values beyond single precision's range, and the advice they end
  //! with.
  std::string signalName = "the preprocessed image";
  std::string dictionaryName = "the model's dictionary";
  std::string advice = "use --precision double";
};

struct InferenceMetrics {
  CodingMetrics coding;  //!< of layer L's maps, its reconstruction and the signal (weighted)
  double psnr = 0.0;     //!< of the viewable reconstruction against the image (known pixels)
  double knownFraction = 1.0;  //!< the fraction of the mask's entries that are positive
  bool scored = false;         //!< a reference was given
  double psnrReference = 0.0;  //!< of the viewable reconstruction against the reference
  double ssimReference = 0.0;  //!< SSIM (metrics/image_quality.hpp) against the reference
};

//! Everything an inference gives. The arrays hold values of config.precision, stored in double
//! (converting them back to that precision is exact; WriteNpyIn writes them so).
struct ImageInference {
  Precision precision = Precision::Single;
  std::size_t layer = 1;         //!< L
  Maps<double> features;         //!< layer L's maps, (Hm, Wm, K) (features.npy)
  Image<double> reconstruction;  //!< R_L z_L in the preprocessed domain (reconstruction.npy)
  Image<double> signal;          //!< the preprocessed image (signal.npy)
  Image<double> viewable;        //!< the reconstruction restored to the image's domain
  InferenceMetrics metrics;      //!< lambda: config.lambda
  SolveReport report;            //!< layer L's solve
  std::vector<std::vector<IterationRecord>> history;  //!< per layer 1..L, every iteration
  //! With options.projectMaps and L > 1: each map's projection, strongest first.
  std::vector<MapProjection<double>> projections;
};

//! Infers the maps of `image` (as read, before preprocessing) through layers 1 to config.layer
//! of `model` and reconstructs it from layer config.layer's maps alone, as dn-reconstruct does.
//! A bare dictionary is a Model with only its filters set (config.layer 1). Throws
//! std::invalid_argument for invalid settings, a layer the model does not have or an image it
//! cannot code; std::runtime_error for values beyond single precision's range.
ImageInference InferImage(const Model& model, const Image<double>& image,
                          const InferenceConfig& config, const InferenceOptions& options = {});

//! A picture of the maps of an inference: at layer 1 the maps themselves (MapsMontage), above
//! the projections of InferImage with projectMaps (PicturesMontage).
Image<double> MapsPicture(const ImageInference& inference);

//! The history of an inference as CSV: header "layer," + CsvHeader(), then one row per
//! iteration of every layer, layers 1-based.
std::string InferenceHistoryCsv(const std::vector<std::vector<IterationRecord>>& history);

//! Writes `cube` to `path` as .npy in `precision` (float32 or float64; see WriteNpy for the
//! axes and `squeezeSingleSlice`).
void WriteNpyIn(Precision precision, const std::string& path, const arma::Cube<double>& cube,
                bool squeezeSingleSlice);

extern template CodingResult<float> SparseCode(const FilterBank<float>&, const Image<float>&,
                                               const InferenceConfig&, Observer*,
                                               const Maps<float>*, const Image<float>*);
extern template CodingResult<double> SparseCode(const FilterBank<double>&, const Image<double>&,
                                                const InferenceConfig&, Observer*,
                                                const Maps<double>*, const Image<double>*);

}  // namespace dn
