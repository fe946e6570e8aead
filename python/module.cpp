// The Python module deconvnet._deconvnet (imported through the package deconvnet): NumPy arrays
// in, the run layer's calls (lib/run) without the GIL, NumPy arrays out. Bad
// arguments raise ValueError, I/O problems OSError, both with the library's messages; Ctrl-C
// raises KeyboardInterrupt within one solver iteration (python/callback.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "arrays.hpp"
#include "binding_support.hpp"
#include "callback.hpp"
#include "core/threads.hpp"
#include "entry_points.hpp"
#include "io/image_set.hpp"
#include "io/mask.hpp"
#include "learn.hpp"
#include "metrics/image_quality.hpp"
#include "run/inference.hpp"
#include "viz/montage.hpp"

namespace dn::python {
namespace {

//! Solver records as a dict of 1-D arrays, one entry per record; with `layers`, also "layer".
py::dict HistoryDict(const std::vector<std::vector<IterationRecord>>& perLayer, bool layers) {
  std::vector<double> layer, iteration, seconds, objective, fidelity, l1, density, change;
  for (std::size_t l = 0; l < perLayer.size(); ++l)
    for (const IterationRecord& r : perLayer[l]) {
      layer.push_back(double(l + 1));
      iteration.push_back(double(r.iteration));
      seconds.push_back(r.seconds);
      objective.push_back(r.objective);
      fidelity.push_back(r.fidelity);
      l1.push_back(r.l1);
      density.push_back(r.density);
      change.push_back(r.relativeChange);
    }
  const auto ints = [](const std::vector<double>& v) {
    return py::array_t<long long>(py::ssize_t(v.size()),
                                  std::vector<long long>(v.begin(), v.end()).data());
  };
  const auto reals = [](const std::vector<double>& v) {
    return py::array_t<double>(py::ssize_t(v.size()), v.data());
  };
  py::dict d;
  if (layers) d["layer"] = ints(layer);
  d["iteration"] = ints(iteration);
  d["objective"] = reals(objective);
  d["fidelity"] = reals(fidelity);
  d["l1"] = reals(l1);
  d["density"] = reals(density);
  d["relative_change"] = reals(change);
  d["seconds"] = reals(seconds);
  return d;
}

//! What sparse_code returns.
struct SparseCodeResult {
  py::array maps, reconstruction;
  double objective = 0, fidelity = 0, l1 = 0, density = 0, seconds = 0;
  std::size_t iterations = 0;
  std::string stopReason;
  py::dict history;
};

//! What Model.reconstruct returns.
struct ReconstructionResult {
  py::array maps, reconstruction, signal, image;
  py::dict metrics, history;
};

//! `cube` (values of `precision`, held in double) as an array of that precision's dtype.
py::array ArrayIn(Precision precision, const arma::cube& cube, bool squeeze) {
  return WithPrecision(precision, [&](auto tag) {
    using T = decltype(tag);
    return ArrayFromCube(arma::conv_to<arma::Cube<T>>::from(cube), squeeze);
  });
}

SparseCodeResult SparseCodeBinding(const py::object& dictionary, const py::object& signal,
                                   double lmbda, const std::string& solver,
                                   const std::string& boundary, long long iterations,
                                   double tolerance, const std::string& precision,
                                   const std::optional<int>& threads, const py::object& init,
                                   const py::object& callback, const std::string& planner,
                                   long long stride, const py::object& padding,
                                   const py::object& mask) {
  InferenceConfig config;
  config.stride = PositiveCount(stride, "stride");
  config.padding = Padding::Parse(SettingText(padding, "padding"), "padding");
  config.lambda = NonNegative(lmbda, "lmbda");
  config.solver = CheckedSolver(solver);
  config.boundary = ParseBoundary(boundary);
  config.iterations = PositiveCount(iterations, "iterations");
  config.tolerance = NonNegative(tolerance, "tolerance");
  config.precision = ParsePrecision(precision);
  config.effort = ParsePlanner(planner);
  const FilterBank<double> filters = FilterBankFromArray(dictionary, "dictionary");
  const Image<double> image = ImageFromArray(signal, "signal");
  std::optional<Image<double>> weight;
  if (!mask.is_none())
    weight = MaskForImage(ImageFromArray(mask, "mask"), image.n_rows, image.n_cols, image.n_slices,
                          "mask");
  std::optional<Maps<double>> start;
  if (!init.is_none()) {
    start = CubeFromArray(init, "init", 3, 3);
    const StridedGeometry geometry = StridedGeometry::Of(
        config.stride, config.padding, filters.Rows(), filters.Cols(), config.boundary);
    geometry.Check(filters.Rows(), filters.Cols());
    const std::string expected =
        "(" + std::to_string(filters.filters) + ", " +
        std::to_string(geometry.MapRows(image.n_rows, filters.Rows(), config.boundary)) + ", " +
        std::to_string(geometry.MapCols(image.n_cols, filters.Cols(), config.boundary)) + ")";
    const std::string given = "(" + std::to_string(start->n_slices) + ", " +
                              std::to_string(start->n_rows) + ", " + std::to_string(start->n_cols) +
                              ")";
    if (given != expected)
      throw std::invalid_argument("init must have the maps' shape (K, Hm, Wm) = " + expected +
                                  ", not " + given);
  }
  SetThreads(threads);
  PythonCallback bridge(callback);
  SolverCallback observer(bridge);
  CodingResult<double> outcome;
  {
    py::gil_scoped_release release;
    outcome = SparseCodeInPrecision(filters, image, config, &observer, start ? &*start : nullptr,
                                    weight ? &*weight : nullptr);
  }
  bridge.Raise();
  SparseCodeResult r;
  r.maps = ArrayIn(config.precision, outcome.maps, false);
  r.reconstruction = ArrayIn(config.precision, outcome.reconstruction, true);
  r.objective = outcome.metrics.objective;
  r.fidelity = outcome.metrics.fidelity;
  r.l1 = outcome.metrics.l1;
  r.density = outcome.metrics.density;
  r.seconds = outcome.report.seconds;
  r.iterations = outcome.report.iterations;
  r.stopReason = Describe(outcome.report.reason);
  r.history = HistoryDict({outcome.history}, false);
  return r;
}

//! An image argument: an array, or a path read as dn-reconstruct reads its input.
Image<double> ImageArgument(const py::object& image, bool colour) {
  if (IsPath(image)) {
    const std::string path = PathText(image);
    return AsIoError([&] { return ReadInputImage(path, colour); });
  }
  return ImageFromArray(image, "image");
}

ReconstructionResult ReconstructBinding(
    const Model& model, const py::object& image, long long layer,
    const std::optional<double>& lmbda, const std::optional<std::string>& solver,
    const std::optional<std::string>& boundary, const std::optional<long long>& iterations,
    const std::optional<double>& tolerance, const std::optional<std::string>& preprocess,
    const std::optional<std::string>& precision, const std::optional<int>& threads,
    const py::object& callback, const std::string& planner, const py::object& mask,
    const py::object& reference, const py::object& noiseSigma) {
  InferenceOverrides o;
  o.layer = PositiveCount(layer, "layer");
  if (lmbda) o.lambda = NonNegative(*lmbda, "lmbda");
  if (solver) o.solver = CheckedSolver(*solver);
  if (boundary) o.boundary = ParseBoundary(*boundary);
  if (iterations) o.iterations = PositiveCount(*iterations, "iterations");
  if (tolerance) o.tolerance = NonNegative(*tolerance, "tolerance");
  if (preprocess) o.preprocess = ParsePreprocessMethod(*preprocess);
  if (precision) o.precision = ParsePrecision(*precision);
  o.effort = ParsePlanner(planner);
  InferenceConfig config = ResolveInference(model.manifest, o);
  const Image<double> pixels = ImageArgument(image, model.manifest.colour);
  std::optional<double> sigma;  // denoising: lambda from the noise level, as --noise-sigma
  if (!noiseSigma.is_none()) {
    if (lmbda) throw std::invalid_argument("give lmbda or noise_sigma, not both");
    if (config.preprocess.method == PreprocessMethod::Lcn)
      throw std::invalid_argument(
          "noise_sigma sets lambda in pixel units, which lcn preprocessing does not keep");
    const std::string text = py::str(noiseSigma);
    sigma = text == "estimate" ? EstimateNoiseSigma(pixels) : ParseNoiseSigma(text);
    config.lambda = DenoisingLambda(*sigma);
  }
  SetThreads(threads);
  PythonCallback bridge(callback);
  SolverCallback observer(bridge);
  InferenceOptions options;
  options.observer = [&observer](std::size_t) -> Observer* { return &observer; };
  options.advice = "use precision=\"double\"";
  if (!mask.is_none()) options.mask = ImageArgument(mask, model.manifest.colour);
  if (!reference.is_none()) options.reference = ImageArgument(reference, model.manifest.colour);
  ImageInference outcome;
  {
    py::gil_scoped_release release;
    outcome = InferImage(model, pixels, config, options);
  }
  bridge.Raise();
  ReconstructionResult r;
  r.maps = ArrayIn(config.precision, outcome.features, false);
  r.reconstruction = ArrayIn(config.precision, outcome.reconstruction, true);
  r.signal = ArrayIn(config.precision, outcome.signal, true);
  r.image = ArrayFromCube(outcome.viewable, true);
  const CodingMetrics& m = outcome.metrics.coding;
  r.metrics["objective"] = m.objective;
  r.metrics["fidelity"] = m.fidelity;
  r.metrics["l1"] = m.l1;
  r.metrics["density"] = m.density;
  r.metrics["psnr"] = outcome.metrics.psnr;
  r.metrics["layer"] = config.layer;
  r.metrics["iterations"] = outcome.report.iterations;
  r.metrics["seconds"] = outcome.report.seconds;
  r.metrics["lambda"] = config.lambda;
  r.metrics["boundary"] = ToString(config.boundary);
  r.metrics["solver"] = config.solver;
  r.metrics["precision"] = ToString(config.precision);
  r.metrics["stop_reason"] = Describe(outcome.report.reason);
  if (!options.mask.is_empty()) r.metrics["known_fraction"] = outcome.metrics.knownFraction;
  if (sigma) r.metrics["noise_sigma"] = *sigma;
  if (outcome.metrics.scored) {
    r.metrics["psnr_reference"] = outcome.metrics.psnrReference;
    r.metrics["ssim_reference"] = outcome.metrics.ssimReference;
  }
  r.history = HistoryDict(outcome.history, true);
  return r;
}

py::dict ModelSettingsDict(const Model& model) {
  const ModelManifest& m = model.manifest;
  py::dict d;
  d["format_version"] = m.formatVersion;
  d["precision"] = ToString(m.precision);
  d["boundary"] = ToString(m.boundary);
  d["lambda"] = m.lambda;
  d["solver"] = m.solver;
  d["iterations"] = m.iterations;
  d["tolerance"] = m.tolerance;
  d["preprocess"] = ToString(m.preprocess.method);
  d["highpass_lambda"] = m.preprocess.highpassLambda;
  d["highpass_pad"] = m.preprocess.highpassPad;
  d["lcn_sigma"] = m.preprocess.lcnSigma;
  d["colour"] = m.colour;
  d["zero_mean"] = m.zeroMean;
  d["seed"] = m.seed;
  return d;
}

py::list LayerSettingsList(const Model& model) {
  py::list layers;
  for (const LayerSpec& spec : model.manifest.layers) {
    py::dict d;
    d["filters"] = spec.filters;
    d["channels"] = spec.channels;
    d["filter_rows"] = spec.filterRows;
    d["filter_cols"] = spec.filterCols;
    d["lambda"] = spec.lambda;
    d["connectivity"] = ToString(spec.connectivity);
    d["connectivity_seed"] = spec.connectivitySeed;
    d["pooling"] = ToString(spec.pooling);
    d["inference"] = ToString(spec.inference);
    layers.append(d);
  }
  return layers;
}

}  // namespace
}  // namespace dn::python

namespace py = pybind11;
using namespace dn;
using namespace dn::python;
using namespace pybind11::literals;

PYBIND11_MODULE(_deconvnet, m) {
  m.doc() = "Convolutional sparse coding and deconvolutional networks (the C++ engine).";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  py::class_<SparseCodeResult>(m, "SparseCodeResult",
                               "What sparse_code returns (every array a new C-ordered one).")
      .def_readonly("maps", &SparseCodeResult::maps,
                    "feature maps (K, Hm, Wm), the dtype of `precision`")
      .def_readonly("reconstruction", &SparseCodeResult::reconstruction,
                    "D z, shaped as the signal")
      .def_readonly("objective", &SparseCodeResult::objective,
                    "fidelity + lmbda * l1 of the maps returned")
      .def_readonly("fidelity", &SparseCodeResult::fidelity, "1/2 ||D z - s||^2")
      .def_readonly("l1", &SparseCodeResult::l1, "||z||_1")
      .def_readonly("density", &SparseCodeResult::density, "fraction of non-zero map entries")
      .def_readonly("iterations", &SparseCodeResult::iterations, "iterations run")
      .def_readonly("seconds", &SparseCodeResult::seconds,
                    "wall time of the iterations (no set-up or FFTW planning)")
      .def_readonly("stop_reason", &SparseCodeResult::stopReason, "why the solver stopped")
      .def_readonly("history", &SparseCodeResult::history,
                    "dict of 1-D arrays, one entry per iteration: iteration, objective, "
                    "fidelity, l1, density, relative_change, seconds (cumulative)")
      .def("__repr__", [](const SparseCodeResult& r) {
        return "<SparseCodeResult objective=" + std::to_string(r.objective) +
               " iterations=" + std::to_string(r.iterations) + ">";
      });

  py::class_<ReconstructionResult>(m, "ReconstructionResult",
                                   "What Model.reconstruct returns: what dn-reconstruct writes.")
      .def_readonly("maps", &ReconstructionResult::maps,
                    "the layer's feature maps (K, Hm, Wm) (features.npy)")
      .def_readonly("reconstruction", &ReconstructionResult::reconstruction,
                    "the reconstruction in the preprocessed domain (reconstruction.npy)")
      .def_readonly("signal", &ReconstructionResult::signal,
                    "the preprocessed image that was coded (signal.npy)")
      .def_readonly("image", &ReconstructionResult::image,
                    "the reconstruction restored to the image's domain, float64, not clipped "
                    "(reconstruction.png shows it clipped to [0, 1])")
      .def_readonly("metrics", &ReconstructionResult::metrics, "dict: the entries of metrics.json")
      .def_readonly("history", &ReconstructionResult::history,
                    "dict of 1-D arrays, one entry per iteration of every layer inferred "
                    "(history.csv): layer, iteration, objective, fidelity, l1, density, "
                    "relative_change, seconds");

  py::class_<Model>(m, "Model", "A model directory as dn-learn writes it (docs/file_formats.md).")
      .def_property_readonly(
          "dictionary", [](const Model& model) { return ArrayFromFilterBank(model.filters); },
          "layer 1's filters, float64, (K, h, w) when C == 1 else (K, C, h, w), as "
          "dictionary.npy")
      .def_property_readonly(
          "dictionaries",
          [](const Model& model) {
            py::list list;
            list.append(ArrayFromFilterBank(model.filters));
            for (const FilterBank<double>& f : model.higherLayers)
              list.append(ArrayFromFilterBank(f));
            return list;
          },
          "every layer's filters, as layerN_dictionary.npy")
      .def_property_readonly(
          "layers", [](const Model& model) { return model.Depth(); }, "the depth, 1 to 4")
      .def_property_readonly("settings", &ModelSettingsDict,
                             "dict: the model's settings ([model] of manifest.ini)")
      .def_property_readonly("layer_settings", &LayerSettingsList,
                             "list of dicts: each layer's settings ([layerN] of manifest.ini)")
      .def(
          "save",
          [](const Model& model, const py::object& path) {
            const std::string p = PathText(path);
            AsIoError([&] { SaveModelDirectory(p, model); });
          },
          "path"_a,
          "save(path)\n\nWrites the model directory `path` (manifest.ini, dictionary.npy, ...) "
          "atomically, replacing a previous one. Raises OSError when writing fails.")
      .def("reconstruct", &ReconstructBinding, "image"_a, "layer"_a = 1, py::kw_only(),
           "lmbda"_a = py::none(), "solver"_a = py::none(), "boundary"_a = py::none(),
           "iterations"_a = py::none(), "tolerance"_a = py::none(), "preprocess"_a = py::none(),
           "precision"_a = py::none(), "threads"_a = py::none(), "callback"_a = py::none(),
           "planner"_a = "estimate", "mask"_a = py::none(), "reference"_a = py::none(),
           "noise_sigma"_a = py::none(),
           R"(Infers the feature maps of one image and reconstructs it, as dn-reconstruct --model.

image:      an array (H, W) or, for a colour model, (3, H, W), float32 or float64, values as
            an image file gives them ([0, 1]); or a path to an image file or .npy array, read
            as dn-reconstruct reads it (colour when the model was learned in colour).
layer:      infer layers 1 to `layer` and reconstruct from that layer's maps alone.
The keywords below default to the model's settings (None):
lmbda:      l1 weight of layer `layer`, >= 0.
solver:     "auto", "ista", "fista", "admm" or "cd" (admm: one layer).
boundary:   "valid" or "circular".
iterations: solver iterations per layer, > 0.
tolerance:  stop when the maps' relative change falls below it; 0 runs every iteration.
preprocess: "highpass", "lcn" or "none" (their parameters are the model's).
precision:  "single" or "double".
threads:    worker threads; None uses all cores.
callback:   called with each solver iteration's record (a dict); a true return value stops.
planner:    FFTW planning, "estimate" or "measure".
mask:       inpainting (dn-reconstruct --mask): the known pixels, an array shaped as the image
            (or (H, W) for every channel) or a path; 0 unknown, 1 known, or weights; layer 1.
reference:  the complete image (array or path): metrics gain psnr_reference, ssim_reference.
noise_sigma: Gaussian denoising (dn-reconstruct --noise-sigma): the noise level in pixel units
            or "estimate"; lambda becomes 2 noise_sigma (instead of lmbda).

Returns a ReconstructionResult. Raises ValueError for bad arguments, OSError when an image
path cannot be read, KeyboardInterrupt on Ctrl-C (within one iteration).)")
      .def(
          "features",
          [](const Model& model, const py::object& image, long long layer,
             const std::optional<double>& lmbda, const std::optional<std::string>& solver,
             const std::optional<std::string>& boundary, const std::optional<long long>& iterations,
             const std::optional<double>& tolerance, const std::optional<std::string>& preprocess,
             const std::optional<std::string>& precision, const std::optional<int>& threads,
             const py::object& callback, const std::string& planner) {
            return ReconstructBinding(model, image, layer, lmbda, solver, boundary, iterations,
                                      tolerance, preprocess, precision, threads, callback, planner,
                                      py::none(), py::none(), py::none())
                .maps;
          },
          "image"_a, "layer"_a = 1, py::kw_only(), "lmbda"_a = py::none(), "solver"_a = py::none(),
          "boundary"_a = py::none(), "iterations"_a = py::none(), "tolerance"_a = py::none(),
          "preprocess"_a = py::none(), "precision"_a = py::none(), "threads"_a = py::none(),
          "callback"_a = py::none(), "planner"_a = "estimate",
          "The feature maps (K, Hm, Wm) of layer `layer` for `image`: reconstruct(...).maps; "
          "the same arguments.")
      .def(
          "filters_in_pixel_space",
          [](const Model& model, long long layer) {
            std::vector<Image<double>> pictures;
            {
              py::gil_scoped_release release;
              pictures = FiltersInPixelSpace(model, PositiveCount(layer, "layer"));
            }
            return ArrayFromCubes(pictures);
          },
          "layer"_a,
          "Layer `layer`'s filters projected to pixels (as dn-inspect shows them): float64 "
          "(K, h', w') for a grey model, (K, C, h', w') otherwise, one picture per feature map.")
      .def("__repr__", [](const Model& model) {
        return "<deconvnet.Model: " + std::to_string(model.Depth()) + " layer(s), " +
               std::to_string(model.filters.filters) + " filters of " +
               std::to_string(model.filters.Rows()) + "x" + std::to_string(model.filters.Cols()) +
               "x" + std::to_string(model.filters.channels) + ">";
      });

  DefineLearn(m);

  m.def("sparse_code", &SparseCodeBinding, "dictionary"_a, "signal"_a, "lmbda"_a, py::kw_only(),
        "solver"_a = "auto", "boundary"_a = "valid", "iterations"_a = 200, "tolerance"_a = 0.0,
        "precision"_a = "single", "threads"_a = py::none(), "init"_a = py::none(),
        "callback"_a = py::none(), "planner"_a = "estimate", "stride"_a = 1,
        "padding"_a = "default", "mask"_a = py::none(),
        R"(Convolutional sparse coding of one signal over a dictionary:

    minimise_z  1/2 sum_c || W_c (sum_k d_kc * z_k - s_c) ||^2 + lmbda sum_k ||z_k||_1

(W = 1 unless a mask is given)

The signal is used as given (no preprocessing): the same maps, bit for bit, as
`dn-reconstruct --dictionary D --lambda L --preprocess none` with the same settings and threads.

dictionary: filters (K, h, w) or (K, C, h, w), float32 or float64, any memory order.
signal:     (H, W) or (C, H, W), C matching the dictionary, float32 or float64.
lmbda:      weight of the l1 penalty, >= 0.
solver:     "auto" (the default: cd or admm, by the problem), "ista", "fista", "admm" or "cd".
boundary:   "valid" (maps (K, H+h-1, W+w-1)) or "circular" (maps (K, H, W)).
iterations: at most this many iterations, > 0.
tolerance:  stop when the maps' relative change falls below it; 0 runs every iteration.
precision:  "single" (float32 arithmetic) or "double".
threads:    worker threads (0 to 1024); None or 0 uses all cores.
init:       starting maps (K, Hm, Wm) instead of zeros.
callback:   called after every iteration with its record, a dict (iteration, seconds,
            objective, fidelity, l1, density, relative_change); a true return value stops
            the solver after that iteration; an exception it raises stops it and propagates.
planner:    FFTW planning, "estimate" or "measure".
stride, padding: a strided layer (transposed convolution: maps of i' give s(i' - 1) + k - 2p
            outputs; valid keeps the first H x W, circular needs s to divide H and W): padding
            "default" (k - 1 valid, 0 circular), P or (P, Q); ista or fista only.
mask:       the data weight W: (H, W) for every channel or shaped as the signal; 0 marks unknown
            pixels (inpainting), 1 known ones, or any non-negative weights.

Returns a SparseCodeResult (.maps, .objective, .history, .iterations, .stop_reason, ...).
Raises ValueError for bad arguments (dtype, dimensions, shapes, NaN or infinity, a negative
lmbda, an empty array, unknown names), KeyboardInterrupt on Ctrl-C (within one iteration).)");

  m.def(
      "load_model",
      [](const py::object& path) {
        const std::string p = PathText(path);
        return AsIoError([&] { return LoadModel(p); });
      },
      "path"_a,
      "load_model(path) -> Model\n\nReads a model: a model directory, or dn-learn's output "
      "directory holding one as model/. Raises OSError when it is missing or invalid.");

  m.def(
      "preprocess",
      [](const py::object& image, const std::string& method, double highpassLambda,
         long long highpassPad, double lcnSigma) {
        PreprocessOptions options;
        options.method = ParsePreprocessMethod(method);
        options.highpassLambda = highpassLambda;
        if (highpassPad < 0) throw std::invalid_argument("highpass_pad must be >= 0");
        options.highpassPad = std::size_t(highpassPad);
        options.lcnSigma = lcnSigma;
        options.Validate();
        const Image<double> pixels = ImageFromArray(image, "image");
        Preprocessed prepared;
        {
          py::gil_scoped_release release;
          prepared = Preprocess(pixels, options);
        }
        return ArrayFromCube(prepared.signal, true);
      },
      "image"_a, "method"_a = "highpass", py::kw_only(), "highpass_lambda"_a = 5.0,
      "highpass_pad"_a = 16, "lcn_sigma"_a = 2.0,
      R"(The signal sparse coding sees for `image`, as dn-learn and dn-reconstruct preprocess.

image:           (H, W) or (C, H, W), float32 or float64; every channel is processed alone.
method:          "highpass" (image minus its Tikhonov lowpass), "lcn" (local contrast
                 normalisation) or "none" (a float64 copy).
highpass_lambda: weight of the lowpass's gradient penalty, > 0.
highpass_pad:    symmetric padding on each side for the lowpass, pixels.
lcn_sigma:       standard deviation of lcn's Gaussian window, pixels, > 0.

Returns a float64 array shaped as `image`.)");

  m.def(
      "montage",
      [](const py::object& filters, std::size_t scale, std::size_t separator, double background,
         std::size_t columns, bool stretch) {
        bool float32 = false;
        const FilterBank<double> bank = FilterBankFromArray(filters, "filters", &float32);
        MontageOptions options;
        options.scale = scale;
        options.separator = separator;
        options.background = background;
        options.columns = columns;
        options.stretch = stretch;
        const Image<double> picture =
            float32 ? FilterMontage(bank.Cast<float>(), options) : FilterMontage(bank, options);
        return ArrayFromCube(picture, true);
      },
      "filters"_a, py::kw_only(), "scale"_a = 0, "separator"_a = 2, "background"_a = 1.0,
      "columns"_a = 0, "stretch"_a = true,
      R"(The filters tiled into one picture, as dn-learn writes filters.png.

filters:    (K, h, w) or (K, C, h, w), float32 or float64 (a dictionary or filter pictures);
            one tile per filter when C is 1 or 3, else one grey tile per (k, c).
scale:      integer enlargement of every tile; 0 chooses one (tiles at least 48 px).
separator:  pixels between tiles and around the border.
background: value of the separator pixels.
columns:    tiles per row; 0 makes the grid about square.
stretch:    map every tile from its own [min, max] to [0, 1]; False clips values to [0, 1].

Returns a float64 array in [0, 1]: (H, W) for grey tiles, (3, H, W) for colour ones.)");
}
