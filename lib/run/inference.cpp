#include "run/inference.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>

#include "conv/conv_operator.hpp"
#include "conv/strided_conv_operator.hpp"
#include "io/mask.hpp"
#include "io/npy.hpp"
#include "metrics/image_quality.hpp"
#include "network/inference.hpp"
#include "run/layer_outputs.hpp"
#include "serialize/json.hpp"
#include "solvers/csc_solver.hpp"
#include "solvers/operator_fista.hpp"
#include "solvers/proximal.hpp"
#include "solvers/weighted_operator.hpp"
#include "viz/montage.hpp"

namespace dn {
namespace {

//! The records of one layer's solve, and the caller's observer after them.
struct LayerObservers {
  RecordKeeper history;
  ObserverList list;
  explicit LayerObservers(Observer* observer) {
    list.Add(&history);
    if (observer) list.Add(observer);
  }
};

std::string ShapeText(const Image<double>& image) {
  return std::to_string(image.n_rows) + "x" + std::to_string(image.n_cols) + "x" +
         std::to_string(image.n_slices);
}

//! The image as written to PNG: clamped to [0, 1], so that SSIM scores what the user sees.
Image<double> ClampToUnit(const Image<double>& image) { return arma::clamp(image, 0.0, 1.0); }

template <typename T>
Maps<double> ToDouble(const arma::Cube<T>& cube) {
  return arma::conv_to<arma::Cube<double>>::from(cube);
}

template <typename T>
ImageInference Infer(const Model& model, const Image<double>& image, const InferenceConfig& config,
                     const InferenceOptions& options) {
  const std::size_t layer = config.layer;
  const bool masked = !options.mask.is_empty();
  if (masked && layer != 1)
    throw std::invalid_argument("--mask: inpainting infers layer 1 only, not layer " +
                                std::to_string(layer));
  if (!options.reference.is_empty() && arma::size(options.reference) != arma::size(image))
    throw std::invalid_argument("the reference is " + ShapeText(options.reference) +
                                " but the image is " + ShapeText(image));
  const Image<double> mask =
      masked ? MaskForImage(options.mask, image.n_rows, image.n_cols, image.n_slices, "the mask")
             : Image<double>();
  const Preprocessed prepared =
      masked ? Preprocess(image, config.preprocess, mask) : Preprocess(image, config.preprocess);
  CheckCodable(model.filters, prepared.signal, config.colour);
  const Image<T> signal = Convert<T>(prepared.signal, options.signalName, options.advice);
  const Image<T> weight = masked ? Convert<T>(mask, "the mask", options.advice) : Image<T>();
  std::vector<std::unique_ptr<LayerObservers>> observers;
  const auto begin = [&](std::size_t l) {
    observers.push_back(
        std::make_unique<LayerObservers>(options.observer ? options.observer(l) : nullptr));
    return &observers.back()->list;
  };

  ImageInference out;
  out.precision = config.precision;
  out.layer = layer;
  Maps<T> maps;
  Image<T> reconstruction;
  if (layer == 1) {
    const FilterBank<T> filters = Convert<T>(model.filters, options.dictionaryName, options.advice);
    CodingResult<T> coded =
        SparseCode<T>(filters, signal, config, begin(1), nullptr, masked ? &weight : nullptr);
    maps = std::move(coded.maps);
    reconstruction = std::move(coded.reconstruction);
    out.report = coded.report;
  } else {
    Network<double> stored = ToNetwork(model);
    stored.boundary = config.boundary;
    const Network<T> network = stored.template Cast<T>();
    NetworkCoder<T> coder(network, signal.n_rows, signal.n_cols, layer, config.effort);
    NetworkCodingOptions coding;
    coding.solver = config.solver;
    coding.iterations = config.iterations;
    coding.tolerance = config.tolerance;
    for (std::size_t l = 1; l <= layer; ++l)
      coding.lambdas.push_back(l == layer ? config.lambda : network.layers[l - 1].lambda);
    const auto codes = coder.Infer(signal, coding, begin);
    maps = codes[layer - 1].maps;
    out.report = codes[layer - 1].report;
    reconstruction = coder.Reconstruct(codes, layer);
    if (options.projectMaps && layer > 1)
      for (MapProjection<T>& p : ProjectMaps(coder.TopDown(codes, layer), maps))
        out.projections.push_back({p.map, p.energy, ToDouble(p.picture)});
  }
  out.viewable = Restore(ToDouble(reconstruction), prepared);
  out.metrics.coding =
      Measure(maps, reconstruction, signal, config.lambda, masked ? &weight : nullptr);
  out.metrics.psnr = Psnr(out.viewable, image, masked ? &mask : nullptr);
  if (masked)
    out.metrics.knownFraction =
        double(arma::accu(mask > 0.0)) / double(std::max<arma::uword>(1, mask.n_elem));
  if (!options.reference.is_empty()) {
    out.metrics.scored = true;
    out.metrics.psnrReference = Psnr(ClampToUnit(out.viewable), options.reference);
    out.metrics.ssimReference = Ssim(ClampToUnit(out.viewable), options.reference);
  }
  for (const auto& o : observers) out.history.push_back(std::move(o->history.records));
  out.features = ToDouble(maps);
  out.reconstruction = ToDouble(reconstruction);
  out.signal = ToDouble(signal);
  return out;
}

}  // namespace

void InferenceConfig::Validate() const {
  CheckSolverSupports(solver, boundary);
  if (!std::isfinite(lambda) || lambda < 0)
    throw std::invalid_argument("InferenceConfig: lambda must be finite and >= 0");
  if (iterations == 0) throw std::invalid_argument("InferenceConfig: iterations must be > 0");
  if (!std::isfinite(tolerance) || tolerance < 0)
    throw std::invalid_argument("InferenceConfig: tolerance must be finite and >= 0");
  if (layer == 0 || layer > kMaxLayers)
    throw std::invalid_argument("InferenceConfig: layer must be 1 to " +
                                std::to_string(kMaxLayers));
  if (stride == 0) throw std::invalid_argument("--stride must be at least 1");
  if ((stride != 1 || !padding.ordinary) && !CodesThroughOperator(solver))
    throw std::invalid_argument(
        "a strided layer (--stride, --padding) is coded with ista or "
        "fista, not --solver " +
        solver);
  preprocess.Validate();
}

InferenceConfig InferenceOverrides::Over(InferenceConfig base) const {
  base.lambda = lambda.value_or(base.lambda);
  base.solver = solver.value_or(base.solver);
  base.boundary = boundary.value_or(base.boundary);
  base.iterations = iterations.value_or(base.iterations);
  base.tolerance = tolerance.value_or(base.tolerance);
  base.effort = effort.value_or(base.effort);
  base.preprocess.method = preprocess.value_or(base.preprocess.method);
  base.preprocess.highpassLambda = highpassLambda.value_or(base.preprocess.highpassLambda);
  base.preprocess.highpassPad = highpassPad.value_or(base.preprocess.highpassPad);
  base.preprocess.lcnSigma = lcnSigma.value_or(base.preprocess.lcnSigma);
  base.colour = colour.value_or(base.colour);
  base.precision = precision.value_or(base.precision);
  base.layer = layer.value_or(base.layer);
  base.stride = stride.value_or(base.stride);
  base.padding = padding.value_or(base.padding);
  return base;
}

InferenceConfig ModelInferenceConfig(const ModelManifest& manifest, std::size_t layer) {
  const std::size_t depth = std::max<std::size_t>(1, manifest.layers.size());
  if (layer == 0 || layer > depth)
    throw std::invalid_argument("layer " + std::to_string(layer) + ": the model has " +
                                std::to_string(depth) + " layer" + (depth == 1 ? "" : "s"));
  InferenceConfig c;
  c.lambda = layer == 1 ? manifest.lambda : manifest.layers[layer - 1].lambda;
  c.solver = manifest.solver;
  c.boundary = manifest.boundary;
  c.iterations = manifest.iterations;
  c.tolerance = manifest.tolerance;
  c.preprocess = manifest.preprocess;
  c.colour = manifest.colour;
  c.precision = manifest.precision;
  c.layer = layer;
  if (!manifest.layers.empty()) {
    c.stride = manifest.layers.front().stride;
    c.padding = manifest.layers.front().padding;
  }
  return c;
}

InferenceConfig ResolveInference(const ModelManifest& manifest,
                                 const InferenceOverrides& overrides) {
  return overrides.Over(ModelInferenceConfig(manifest, overrides.layer.value_or(1)));
}

void CheckCodable(const FilterBank<double>& filters, const Image<double>& image, bool colour) {
  if (image.n_slices != filters.channels)
    throw std::invalid_argument("the image has " + std::to_string(image.n_slices) +
                                " channel(s) but the dictionary's filters have " +
                                std::to_string(filters.channels) +
                                (filters.channels == 3 && !colour ? " (use --colour?)" : ""));
  if (filters.Rows() > image.n_rows || filters.Cols() > image.n_cols)
    throw std::invalid_argument("the filters (" + std::to_string(filters.Rows()) + "x" +
                                std::to_string(filters.Cols()) + ") are larger than the image (" +
                                std::to_string(image.n_rows) + "x" + std::to_string(image.n_cols) +
                                ")");
}

std::string InferenceSummary(const FilterBank<double>& filters, const Image<double>& image,
                             const InferenceConfig& config) {
  const auto size = [](arma::uword a, arma::uword b, arma::uword c) {
    return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
  };
  return std::to_string(filters.filters) + " filters of " +
         size(filters.Rows(), filters.Cols(), filters.channels) + ", image of " +
         size(image.n_rows, image.n_cols, image.n_slices) + ", lambda " +
         NumberText(config.lambda) + ", " + config.solver + ", " + ToString(config.boundary) +
         " boundary, at most " + std::to_string(config.iterations) + " iterations, tolerance " +
         NumberText(config.tolerance) + ", " + ToString(config.precision) + " precision";
}

template <typename T>
CodingMetrics Measure(const Maps<T>& maps, const Image<T>& reconstruction, const Image<T>& signal,
                      double lambda, const Image<T>* weight) {
  if (reconstruction.n_elem != signal.n_elem || (weight && weight->n_elem != signal.n_elem))
    throw std::invalid_argument(
        "Measure(): the reconstruction, the signal and the weight differ in shape");
  CodingMetrics m;
  for (arma::uword i = 0; i < reconstruction.n_elem; ++i) {
    const double w = weight ? double((*weight)[i]) : 1.0;
    if (w == 0.0) continue;  // whatever the signal holds there
    const double r = double(reconstruction[i]) - double(signal[i]);
    m.fidelity += 0.5 * w * w * r * r;
  }
  double nonzeros = 0;
  for (arma::uword i = 0; i < maps.n_elem; ++i) {
    m.l1 += std::abs(double(maps[i]));
    nonzeros += maps[i] != T(0);
  }
  m.objective = Objective(m.fidelity, lambda, m.l1);
  m.density = nonzeros / double(maps.n_elem);
  return m;
}

double DenoisingLambda(double sigma) {
  if (!(sigma > 0.0) || !std::isfinite(sigma))
    throw std::invalid_argument("the noise level must be finite and > 0 (got " + NumberText(sigma) +
                                ")");
  return kDenoisingLambdaPerSigma * sigma;
}

double ParseNoiseSigma(const std::string& text) {
  double sigma = 0.0;
  std::size_t used = 0;
  try {
    sigma = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(sigma > 0.0) || !(sigma <= 1.0))
    throw std::invalid_argument("--noise-sigma must be a number in (0, 1] or 'estimate', not '" +
                                text + "'");
  return sigma;
}

double Psnr(const Image<double>& viewable, const Image<double>& image, const Image<double>* known) {
  if (viewable.n_elem != image.n_elem || (known && known->n_elem != image.n_elem))
    throw std::invalid_argument("Psnr(): the images differ in shape");
  double sum = 0.0, count = 0.0;
  for (arma::uword i = 0; i < image.n_elem; ++i) {
    if (known && !((*known)[i] > 0.0)) continue;
    sum += (viewable[i] - image[i]) * (viewable[i] - image[i]);
    count += 1.0;
  }
  return 10.0 * std::log10(count / sum);
}

template <typename T>
CodingResult<T> SparseCode(const FilterBank<T>& filters, const Image<T>& signal,
                           const InferenceConfig& config, Observer* observer, const Maps<T>* init,
                           const Image<T>* weight) {
  SolveOptions options;
  options.maxIterations = config.iterations;
  options.tolerance = config.tolerance;
  LayerObservers observers(observer);
  CodingResult<T> result;
  const StridedGeometry geometry = StridedGeometry::Of(
      config.stride, config.padding, filters.Rows(), filters.Cols(), config.boundary);
  if (geometry.IsOrdinary(filters.Rows(), filters.Cols(), config.boundary)) {
    const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, config.boundary, config.effort);
    const auto solver = MakeCscSolver<T>(config.solver);
    solver->Reset(op, signal, config.lambda, init, weight);
    result.report = solver->Solve(options, &observers.list);
    result.maps = solver->Solution();
    result.reconstruction = op.Apply(result.maps);
  } else {
    StridedConvOperator<T> op(filters, signal.n_rows, signal.n_cols, geometry, config.boundary,
                              config.effort);
    OperatorFista<T> coder(config.lambda, OperatorMomentum(config.solver));
    if (weight) {
      WeightedOperator<T> weighted(op, *weight);
      result.report = coder.Code(weighted, weighted.Weighted(signal), options, &observers.list,
                                 result.maps, init);
    } else {
      result.report = coder.Code(op, signal, options, &observers.list, result.maps, init);
    }
    op.Apply(result.maps, result.reconstruction);
  }
  result.history = std::move(observers.history.records);
  result.metrics = Measure(result.maps, result.reconstruction, signal, config.lambda, weight);
  return result;
}

CodingResult<double> SparseCodeInPrecision(const FilterBank<double>& filters,
                                           const Image<double>& signal,
                                           const InferenceConfig& config, Observer* observer,
                                           const Maps<double>* init, const Image<double>* weight) {
  config.Validate();
  CheckCodable(filters, signal, config.colour);
  return WithPrecision(config.precision, [&](auto tag) {
    using T = decltype(tag);
    const std::string advice = "use double precision";
    const Image<T> s = Convert<T>(signal, "the signal", advice);
    const FilterBank<T> d = Convert<T>(filters, "the dictionary", advice);
    Maps<T> start;
    if (init) start = Convert<T>(*init, "the initial maps", advice);
    Image<T> w;
    if (weight) w = Convert<T>(*weight, "the mask", advice);
    CodingResult<T> coded =
        SparseCode(d, s, config, observer, init ? &start : nullptr, weight ? &w : nullptr);
    CodingResult<double> result;
    result.maps = ToDouble(coded.maps);
    result.reconstruction = ToDouble(coded.reconstruction);
    result.report = coded.report;
    result.history = std::move(coded.history);
    result.metrics = coded.metrics;
    return result;
  });
}

ImageInference InferImage(const Model& model, const Image<double>& image,
                          const InferenceConfig& config, const InferenceOptions& options) {
  config.Validate();
  if (config.layer > model.Depth())
    throw std::invalid_argument("layer " + std::to_string(config.layer) + ": the model has " +
                                std::to_string(model.Depth()) + " layer" +
                                (model.Depth() == 1 ? "" : "s"));
  return WithPrecision(config.precision, [&](auto tag) {
    return Infer<decltype(tag)>(model, image, config, options);
  });
}

Image<double> MapsPicture(const ImageInference& inference) {
  if (inference.layer == 1) return MapsMontage(inference.features);
  std::vector<Image<double>> pictures;
  for (const MapProjection<double>& p : inference.projections) pictures.push_back(p.picture);
  return PicturesMontage(pictures);
}

std::string InferenceHistoryCsv(const std::vector<std::vector<IterationRecord>>& history) {
  std::string csv = "layer," + CsvHeader() + "\n";
  for (std::size_t l = 0; l < history.size(); ++l)
    for (const IterationRecord& record : history[l])
      csv += std::to_string(l + 1) + "," + CsvRow(record) + "\n";
  return csv;
}

void WriteNpyIn(Precision precision, const std::string& path, const arma::Cube<double>& cube,
                bool squeezeSingleSlice) {
  if (precision == Precision::Double)
    WriteNpy(path, cube, squeezeSingleSlice);
  else
    WriteNpy(path, arma::conv_to<arma::Cube<float>>::from(cube), squeezeSingleSlice);
}

#define DN_INSTANTIATE(T)                                                                  \
  template CodingMetrics Measure(const Maps<T>&, const Image<T>&, const Image<T>&, double, \
                                 const Image<T>*);                                         \
  template CodingResult<T> SparseCode(const FilterBank<T>&, const Image<T>&,               \
                                      const InferenceConfig&, Observer*, const Maps<T>*,   \
                                      const Image<T>*);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn
