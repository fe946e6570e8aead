#include "learn.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "binding_support.hpp"
#include "callback.hpp"
#include "io/image_set.hpp"
#include "io/npy.hpp"
#include "run/learning_run.hpp"
#include "serialize/json.hpp"

namespace dn::python {
namespace {

using namespace pybind11::literals;

//! The Python keyword of a run-wide setting (one of kRunKeys): "filter-size" -> "filter_size",
//! "lambda" -> "lmbda" (lambda is a Python keyword).
std::string KeywordOf(const std::string& key) {
  if (key == "lambda") return "lmbda";
  std::string name = key;
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

//! layers=[{...}, ...]: each dict's keys are a layer's settings with Python names.
std::vector<LayerSettingsText> LayersArgument(const py::handle& layers) {
  if (!py::isinstance<py::list>(layers) && !py::isinstance<py::tuple>(layers))
    throw std::invalid_argument("layers must be a list of dicts, one per layer");
  const py::sequence list = py::reinterpret_borrow<py::sequence>(layers);
  if (list.size() < 1 || list.size() > kMaxLayers)
    throw std::invalid_argument("layers must hold 1 to " + std::to_string(kMaxLayers) + " dicts");
  std::vector<LayerSettingsText> given(kMaxLayers);
  for (std::size_t l = 0; l < list.size(); ++l) {
    const std::string where = "layers[" + std::to_string(l) + "]";
    if (!py::isinstance<py::dict>(list[l]))
      throw std::invalid_argument(where + " must be a dict of the layer's settings");
    for (const auto& [name, value] : list[l].cast<py::dict>()) {
      const std::string keyword = py::str(name);
      std::string key = keyword == "lmbda" ? "lambda" : keyword;
      for (char& c : key)
        if (c == '_') c = '-';
      if (std::find(kLayerKeys.begin(), kLayerKeys.end(), key) == kLayerKeys.end())
        throw std::invalid_argument(where + ": unknown setting '" + keyword +
                                    "' (filters, filter_size, lmbda, iterations, connectivity, "
                                    "pooling, inference, stride, padding)");
      given[l].emplace_back(key, SettingText(value, where + "['" + keyword + "']"));
    }
  }
  return given;
}

//! One array holding images as a .npy file holds them (dn-learn's rules, io/npy.hpp).
std::vector<Image<double>> ImagesFromStack(const py::handle& array, bool colour) {
  std::vector<std::size_t> shape;
  const arma::cube cube = CubeFromArray(array, "images", 2, 4, &shape);
  NpyArray npy;
  npy.shape = shape;
  npy.isFloat32 = py::reinterpret_borrow<py::array>(array).dtype().is(py::dtype::of<float>());
  npy.values.reserve(cube.n_elem);
  for (arma::uword s = 0; s < cube.n_slices; ++s)
    for (arma::uword y = 0; y < cube.n_rows; ++y)
      for (arma::uword x = 0; x < cube.n_cols; ++x) npy.values.push_back(cube(y, x, s));
  return ImagesFromNpy<double>(npy, colour);
}

//! The training images: a path (image file, directory, .npy), one array (a stack, as a .npy
//! file), or a list of paths and arrays (H, W) or (C, H, W).
std::vector<Image<double>> ImagesArgument(const py::handle& images, bool colour) {
  if (IsPath(images)) {
    const std::string path = PathText(images);
    return AsIoError([&] { return ReadInputImages({path}, colour); });
  }
  if (py::isinstance<py::array>(images)) return ImagesFromStack(images, colour);
  if (!py::isinstance<py::list>(images) && !py::isinstance<py::tuple>(images))
    throw std::invalid_argument("images must be an array, a path, or a list of arrays and paths");
  std::vector<Image<double>> all;
  std::size_t index = 0;
  for (const py::handle item : images) {
    const std::string where = "images[" + std::to_string(index++) + "]";
    if (IsPath(item)) {
      const std::string path = PathText(item);
      for (Image<double>& image : AsIoError([&] { return ReadInputImages({path}, colour); }))
        all.push_back(std::move(image));
      continue;
    }
    Image<double> image = ImageFromArray(item, where);
    if (image.n_slices > 1 && !colour)
      throw std::invalid_argument(where + " has " + std::to_string(image.n_slices) +
                                  " channels; give colour=True to learn in colour");
    all.push_back(std::move(image));
  }
  if (all.empty()) throw std::invalid_argument("images is empty");
  for (std::size_t i = 1; i < all.size(); ++i)
    if (all[i].n_slices != all[0].n_slices)
      throw std::invalid_argument("image " + std::to_string(i + 1) + " has " +
                                  std::to_string(all[i].n_slices) + " channel(s) but image 1 has " +
                                  std::to_string(all[0].n_slices));
  return all;
}

//! Every outer iteration's record to the Python callback, with "layer" and "rejected_steps".
class LearningCallback : public LearningRunObserver {
public:
  explicit LearningCallback(PythonCallback& callback) : callback_(callback) {}
  bool Observe(const IterationRecord& record) override {
    return callback_.Call([&] {
      py::dict d = RecordDict(record);
      d["layer"] = record.layer == 0 ? 1 : record.layer;
      d["rejected_steps"] = record.rejectedSteps;
      d["test_objective"] = record.testObjective;
      return d;
    });
  }

private:
  PythonCallback& callback_;
};

//! The run's history as history.csv's columns, 1-D arrays.
py::dict HistoryOf(const LearningHistory& history) {
  const std::vector<HistoryRow>& rows = history.Rows();
  const py::ssize_t n = py::ssize_t(rows.size());
  py::array_t<long long> layer(n), iteration(n), rejected(n);
  py::array_t<double> seconds(n), objective(n), fidelity(n), l1(n), density(n), test(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    const IterationRecord& r = rows[std::size_t(i)].record;
    layer.mutable_at(i) = (long long)rows[std::size_t(i)].layer;
    iteration.mutable_at(i) = (long long)r.iteration;
    rejected.mutable_at(i) = (long long)r.rejectedSteps;
    seconds.mutable_at(i) = r.seconds;
    objective.mutable_at(i) = r.objective;
    fidelity.mutable_at(i) = r.fidelity;
    l1.mutable_at(i) = r.l1;
    density.mutable_at(i) = r.density;
    test.mutable_at(i) = r.testObjective;
  }
  return py::dict("layer"_a = layer, "iteration"_a = iteration, "seconds"_a = seconds,
                  "objective"_a = objective, "fidelity"_a = fidelity, "l1"_a = l1,
                  "density"_a = density, "rejected_steps"_a = rejected, "test_objective"_a = test);
}

//! The output directory: created if missing; one holding files is refused unless resuming.
void PrepareOutput(const std::string& out, bool resume) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (resume) {
    if (!fs::is_directory(out, ec))
      throw std::invalid_argument("resume=True but out " + out + " is not a directory");
    return;
  }
  if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)))
    throw std::invalid_argument("out " + out +
                                " already holds files; give resume=True to continue its run, "
                                "or another directory");
  AsIoError([&] {
    if (!fs::create_directories(out, ec) && ec)
      throw std::runtime_error("cannot create " + out + ": " + ec.message());
  });
}

LearnedModel LearnBinding(const py::object& images, const std::vector<py::object>& settings,
                          const py::object& layers, const py::object& config,
                          const py::object& init, const std::optional<int>& threads,
                          const py::object& out, bool resume, const py::object& callback,
                          const py::object& mask) {
  LearningConfig c;
  if (!config.is_none()) {
    const std::string path = PathText(config);
    c = AsIoError([&] { return ReadLearningConfigFile(path); });
  }
  const LearningConfig defaults;
  bool countGiven = c.filters != defaults.filters;
  bool sizeGiven = c.filterSize.ToString() != defaults.filterSize.ToString();
  for (std::size_t k = 0; k < kRunKeys.size(); ++k) {
    if (settings[k].is_none()) continue;
    const std::string& key = kRunKeys[k];
    SetLearningSetting(c, key, SettingText(settings[k], KeywordOf(key)));
    countGiven = countGiven || key == "filters";
    sizeGiven = sizeGiven || key == "filter-size";
  }
  if (!layers.is_none()) {
    const std::vector<LayerSettingsText> given = LayersArgument(layers);
    c.layers.clear();
    SetLayers(c, given, static_cast<long long>(py::len(layers)));
  }
  c.Validate();
  if (resume && out.is_none()) throw std::invalid_argument("resume=True needs out");
  const std::string outDir = out.is_none() ? "" : PathText(out);

  if (!c.mask.empty())
    throw std::invalid_argument(
        "mask: give the masks as arrays shaped as the images (a mask "
        "directory, " +
        c.mask + ", is dn-learn's --mask)");
  std::vector<Image<double>> pictures = ImagesArgument(images, c.colour);
  std::vector<Image<double>> masks;
  if (!mask.is_none()) {
    masks = ImagesArgument(mask, c.colour && py::array(mask).ndim() != 3);
    if (masks.size() != pictures.size())
      throw std::invalid_argument("mask: " + std::to_string(masks.size()) + " masks for " +
                                  std::to_string(pictures.size()) + " images");
  }
  // The online learner takes every image at its own size.
  if (c.learning.learner != "online" && !masks.empty()) {
    for (const Image<double>& p : pictures)
      if (arma::size(p) != arma::size(pictures.front()))
        throw std::invalid_argument("mask: masked learning needs images of one size");
  }
  if (c.learning.learner != "online" && CropToCommonSize(pictures))
    PyErr_WarnEx(
        PyExc_UserWarning,
        ("the training images differ in size; all were centre-cropped to " +
         std::to_string(pictures.front().n_rows) + "x" + std::to_string(pictures.front().n_cols))
            .c_str(),
        1);
  std::optional<InitialFilters> initial;
  if (!init.is_none() && !resume) {
    if (IsPath(init)) {
      const std::string path = PathText(init);
      initial =
          InitialFilters{AsIoError([&] { return ReadFilterBank("init", path); }), "init " + path};
    } else {
      initial = InitialFilters{FilterBankFromArray(init, "init"), "init"};
    }
    FitToInitialFilters(c, *initial, pictures.front().n_slices, countGiven, sizeGiven);
  }
  SetThreads(threads);
  std::string checkpoint;
  if (!outDir.empty()) {
    PrepareOutput(outDir, resume);
    if (resume) {
      checkpoint = NewestCheckpoint(outDir);
      if (checkpoint.empty())
        throw std::invalid_argument("resume=True but " + outDir + " holds no checkpoint");
    }
  }

  PythonCallback bridge(callback);
  LearningCallback observer(bridge);
  std::unique_ptr<LearningRun> run;
  bool finished = false;
  {
    py::gil_scoped_release release;
    try {  // what the constructor refuses (values beyond the precision, init) is an argument
      run =
          std::make_unique<LearningRun>(c, pictures, initial ? &*initial : nullptr, outDir, masks);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(e.what());
    }
    pictures.clear();
    if (!checkpoint.empty()) AsIoError([&] { run->Resume(checkpoint); });
    finished = run->Run(&observer);  // a diverging run raises RuntimeError
    if (finished && !outDir.empty()) AsIoError([&] { run->WriteOutputs(outDir); });
  }
  bridge.Raise();
  LearnedModel model;
  static_cast<Model&>(model) = run->Result();
  model.history = HistoryOf(run->History());
  model.finished = finished;
  model.position = run->Position();
  return model;
}

//! learn()'s docstring, with every default from LearningConfig.
std::string LearnDoc() {
  const LearningConfig d;
  const auto def = [&d](const std::string& key) {
    return " (default " + LearningSettingText(d, key) + ")";
  };
  return R"(learn(images, *, filters=None, filter_size=None, lmbda=None, ...) -> LearnedModel

Learns a convolutional dictionary, or a deconvolutional network of up to 4 layers, from images:
dn-learn as a function. For the same settings and threads it gives the same dictionary, bit for
bit, as dn-learn. Each setting left None takes the config file's value, else the default shown.

images:     a path (image file, directory of images, or .npy array as dn-learn reads it); one
            array laid out as a .npy input of dn-learn ((H, W) or (N, H, W); with colour also
            (C, H, W) or (N, C, H, W)); or a list of paths and arrays (H, W) (or (C, H, W) with
            colour). float32 or float64, values as image files give them ([0, 1]). Images of
            different sizes are centre-cropped to the smallest (a UserWarning says so).
filters:    number of filters)" +
         def("filters") + R"(
filter_size: S for S x S, "HxW" or (H, W))" +
         def("filter-size") + R"(
lmbda:      weight of the l1 penalty, >= 0)" +
         def("lambda") + R"(
iterations: outer iterations (a sparse coding and a dictionary step each))" +
         def("iterations") + R"(
coding_iterations: solver iterations per outer iteration)" +
         def("coding-iterations") + R"(
solver:     "auto", "ista", "fista", "admm" or "cd")" +
         def("solver") + R"(
boundary:   "valid" or "circular")" +
         def("boundary") + R"(
dictionary_method: "fista" or "pgd")" +
         def("dictionary-method") + R"(
dictionary_iterations: dictionary update iterations per outer iteration)" +
         def("dictionary-iterations") + R"(
zero_mean:  constrain every filter to zero mean)" +
         def("zero-mean") + R"(
planner:    FFTW planning, "estimate" or "measure")" +
         def("planner") + R"(
preprocess: "highpass", "lcn" or "none")" +
         def("preprocess") + R"(
highpass_lambda, highpass_pad, lcn_sigma: the preprocessing's parameters)" +
         " (defaults " + LearningSettingText(d, "highpass-lambda") + ", " +
         LearningSettingText(d, "highpass-pad") + ", " + LearningSettingText(d, "lcn-sigma") +
         R"()
colour:     read image files and stacks in colour (RGB) instead of grey)" +
         def("colour") + R"(
seed:       seed of the random initial filters (layer l: seed + l - 1))" +
         def("seed") + R"(
precision:  "single" or "double" arithmetic)" +
         def("precision") + R"(
checkpoint_every, checkpoint_seconds, checkpoint_share: with out, a checkpoint after every
            N-th iteration and after an iteration ending that many seconds after the last, when
            the last one's cost is at most that share of the time since; 0 disables each)" +
         "\n            (defaults " + LearningSettingText(d, "checkpoint-every") + ", " +
         LearningSettingText(d, "checkpoint-seconds") + ", " +
         LearningSettingText(d, "checkpoint-share") + R"()
learner:    "batch" (every image's maps kept) or "online" (minibatches; images of any size;
            one layer))" +
         def("learner") + R"(
batch_size, crop, update: online: images per iteration, a random window "HxW" (or (H, W)) of
            each image drawn or "none", the dictionary update "surrogate" or "sgd")" +
         " (defaults " + LearningSettingText(d, "batch-size") + ", " +
         LearningSettingText(d, "crop") + ", " + LearningSettingText(d, "update") + R"()
eta_a, eta_b, forgetting: online: sgd's step eta_a / (t + eta_b) in units of 1/L, the
            surrogate's forgetting factor in (0, 1])" +
         " (defaults " + LearningSettingText(d, "eta-a") + ", " + LearningSettingText(d, "eta-b") +
         ", " + LearningSettingText(d, "forgetting") + R"()
test, test_every, test_iterations: held-out images (a path: directory, .txt list, .npy stack
            or image) whose mean objective, from test_iterations solver iterations from zero maps,
            is the history's test_objective every test_every iterations and after the last (NaN
            elsewhere); one-layer runs)" +
         " (defaults none, " + LearningSettingText(d, "test-every") + ", " +
         LearningSettingText(d, "test-iterations") + R"()
stride, padding: strided layers (transposed convolution, output s(i' - 1) + k - 2p): maps
            stride times smaller on each axis; padding "default" (k - 1 valid, 0 circular), P or
            (P, Q); batch learner, ista or fista (defaults 1, default))
mask:       learning from incomplete images: one mask per image, arrays shaped as the images
            (0 unknown, 1 known, or non-negative weights); only the known pixels are fitted and
            the preprocessing estimates its lowpass from them (batch learner, ordinary layers,
            not cd)
layers:     a network: a list of 1 to 4 dicts, layer by layer, of the settings filters,
            filter_size, lmbda, iterations (defaults: the run-wide ones), connectivity ("full",
            "singles-and-doubles", "random-doubles"), pooling ("none", P, "PxQ", "PxQxM" or a
            tuple), inference ("layer" or "pixel"), stride, padding; replaces the config file's
            layers.
config:     a dn-learn config file (experiments/configs/*.ini): its settings and [layerN]
            sections stand in for the defaults; keywords given here win.
init:       layer 1's initial filters, an array (K, h, w) or (K, C, h, w) or a .npy path,
            projected onto the constraints; its shape sets filters and filter_size unless given.
threads:    worker threads; None uses all cores.
out:        a directory (created if missing) for checkpoints as the run goes and, when it
            finishes, dn-learn's outputs (dictionary.npy, model/, history.csv, filters.png or
            layerN_*); None keeps everything in memory. One holding files is refused unless
            resume is True.
resume:     continue the run whose checkpoints are in out (the same images and settings;
            iterations may grow).
callback:   called after every outer iteration with its record, a dict (layer, iteration,
            seconds, objective, fidelity, l1, density, relative_change, rejected_steps,
            test_objective); a true
            return value stops the run after that iteration (with a checkpoint when out is
            given); an exception it raises stops the run and propagates.

Returns a LearnedModel: a Model (dictionary, reconstruct, save, ...) with .history (dict of
1-D arrays: history.csv's columns), .finished and .position. Raises ValueError for bad
arguments (with dn-learn's messages, which name its options), OSError for unreadable files,
checkpoints that do not fit or outputs that cannot be written, RuntimeError when learning
diverges or a checkpoint cannot be written (naming the last good one), KeyboardInterrupt on Ctrl-C (within one outer iteration).)";
}

}  // namespace

void DefineLearn(py::module_& m) {
  py::class_<LearnedModel, Model>(m, "LearnedModel",
                                  "What learn() returns: the Model as trained, with its history.")
      .def_readonly("history", &LearnedModel::history,
                    "dict of 1-D arrays, one entry per outer iteration of every layer: layer, "
                    "iteration, seconds, objective, fidelity, l1, density, rejected_steps, "
                    "test_objective (NaN where not evaluated) (the "
                    "columns of history.csv)")
      .def_readonly("finished", &LearnedModel::finished,
                    "False when the callback stopped the run before its last iteration")
      .def_readonly("position", &LearnedModel::position,
                    "where the run stood, e.g. \"iteration 3 of 10\"");

  // The run-wide settings' keywords, in kRunKeys' order (checked here, once).
  const std::vector<std::string> names = {"filters",
                                          "filter_size",
                                          "lmbda",
                                          "iterations",
                                          "coding_iterations",
                                          "solver",
                                          "boundary",
                                          "dictionary_method",
                                          "dictionary_iterations",
                                          "zero_mean",
                                          "planner",
                                          "preprocess",
                                          "highpass_lambda",
                                          "highpass_pad",
                                          "lcn_sigma",
                                          "colour",
                                          "seed",
                                          "precision",
                                          "checkpoint_every",
                                          "checkpoint_seconds",
                                          "checkpoint_share",
                                          "learner",
                                          "batch_size",
                                          "crop",
                                          "update",
                                          "eta_a",
                                          "eta_b",
                                          "forgetting",
                                          "test",
                                          "test_every",
                                          "test_iterations",
                                          "stride",
                                          "padding",
                                          "mask"};
  for (std::size_t k = 0; k < kRunKeys.size(); ++k)
    if (names.size() != kRunKeys.size() || KeywordOf(kRunKeys[k]) != names[k])
      throw std::logic_error("learn(): keyword " + std::to_string(k) + " is not " + kRunKeys[k]);
  static const std::string doc = LearnDoc();
  m.def(
      "learn",
      [](const py::object& images, const py::object& filters, const py::object& filterSize,
         const py::object& lmbda, const py::object& iterations, const py::object& codingIterations,
         const py::object& solver, const py::object& boundary, const py::object& dictionaryMethod,
         const py::object& dictionaryIterations, const py::object& zeroMean,
         const py::object& planner, const py::object& preprocess, const py::object& highpassLambda,
         const py::object& highpassPad, const py::object& lcnSigma, const py::object& colour,
         const py::object& seed, const py::object& precision, const py::object& checkpointEvery,
         const py::object& checkpointSeconds, const py::object& checkpointShare,
         const py::object& learner, const py::object& batchSize, const py::object& crop,
         const py::object& update, const py::object& etaA, const py::object& etaB,
         const py::object& forgetting, const py::object& test, const py::object& testEvery,
         const py::object& testIterations, const py::object& stride, const py::object& padding,
         const py::object& mask, const py::object& layers, const py::object& config,
         const py::object& init, const std::optional<int>& threads, const py::object& out,
         bool resume, const py::object& callback) {
        // In kRunKeys' order.
        const std::vector<py::object> settings = {filters,
                                                  filterSize,
                                                  lmbda,
                                                  iterations,
                                                  codingIterations,
                                                  solver,
                                                  boundary,
                                                  dictionaryMethod,
                                                  dictionaryIterations,
                                                  zeroMean,
                                                  planner,
                                                  preprocess,
                                                  highpassLambda,
                                                  highpassPad,
                                                  lcnSigma,
                                                  colour,
                                                  seed,
                                                  precision,
                                                  checkpointEvery,
                                                  checkpointSeconds,
                                                  checkpointShare,
                                                  learner,
                                                  batchSize,
                                                  crop,
                                                  update,
                                                  etaA,
                                                  etaB,
                                                  forgetting,
                                                  test,
                                                  testEvery,
                                                  testIterations,
                                                  stride,
                                                  padding,
                                                  py::none()};  // mask: arrays, below
        return LearnBinding(images, settings, layers, config, init, threads, out, resume, callback,
                            mask);
      },
      "images"_a, py::kw_only(), "filters"_a = py::none(), "filter_size"_a = py::none(),
      "lmbda"_a = py::none(), "iterations"_a = py::none(), "coding_iterations"_a = py::none(),
      "solver"_a = py::none(), "boundary"_a = py::none(), "dictionary_method"_a = py::none(),
      "dictionary_iterations"_a = py::none(), "zero_mean"_a = py::none(), "planner"_a = py::none(),
      "preprocess"_a = py::none(), "highpass_lambda"_a = py::none(), "highpass_pad"_a = py::none(),
      "lcn_sigma"_a = py::none(), "colour"_a = py::none(), "seed"_a = py::none(),
      "precision"_a = py::none(), "checkpoint_every"_a = py::none(),
      "checkpoint_seconds"_a = py::none(), "checkpoint_share"_a = py::none(),
      "learner"_a = py::none(), "batch_size"_a = py::none(), "crop"_a = py::none(),
      "update"_a = py::none(), "eta_a"_a = py::none(), "eta_b"_a = py::none(),
      "forgetting"_a = py::none(), "test"_a = py::none(), "test_every"_a = py::none(),
      "test_iterations"_a = py::none(), "stride"_a = py::none(), "padding"_a = py::none(),
      "mask"_a = py::none(), "layers"_a = py::none(), "config"_a = py::none(),
      "init"_a = py::none(), "threads"_a = py::none(), "out"_a = py::none(), "resume"_a = false,
      "callback"_a = py::none(), doc.c_str());
}

}  // namespace dn::python
