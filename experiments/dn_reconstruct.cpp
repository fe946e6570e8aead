// dn-reconstruct: infers the feature maps of one image and reconstructs it, from any layer of a
// multi-layer model (docs/executables/dn-reconstruct.md).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/output_directory.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "core/threads.hpp"
#include "io/image.hpp"
#include "io/image_set.hpp"
#include "io/mask.hpp"
#include "metrics/image_quality.hpp"
#include "run/inference.hpp"
#include "serialize/json.hpp"
#include "serialize/model.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

void DeclareOptions(CommandLine& cli) {
  static const std::string noiseHelp =
      "Gaussian denoising: the noise's standard deviation in pixel units ([0, 1] scale), or "
      "'estimate' (from the image's finest wavelet details); sets lambda to " +
      NumberText(kDenoisingLambdaPerSigma) + " S (instead of --lambda)";
  cli.Add()("model", po::value<std::string>()->value_name("DIR"),
            "a model: the output directory of dn-learn or its model/ subdirectory; its settings "
            "are the defaults of the options below")(
      "dictionary", po::value<std::string>()->value_name("D.npy"),
      "instead of --model: a filter bank (K, h, w) or (K, C, h, w), used as given")(
      "lambda", po::value<double>()->value_name("L"),
      "weight of the l1 penalty of layer --layer, >= 0 (required with --dictionary; default: "
      "the model's)")(
      "layer", po::value<long long>()->default_value(1)->value_name("L"),
      "with a multi-layer model: infer layers 1 to L, each in its mode, and reconstruct the "
      "image from layer L's maps alone, top down")(
      "out", po::value<std::string>()->value_name("DIR"),
      "output directory (required; created if missing, files in it are replaced)")(
      "stride", po::value<long long>()->default_value(1)->value_name("S"),
      "with --dictionary: the stride of its transposed convolution, maps S times smaller than "
      "the image (a model records its own)")(
      "padding", po::value<std::string>()->default_value("default")->value_name("P"),
      "with --dictionary: the padding of its transposed convolution, default (k - 1 valid, 0 "
      "circular), P or PxQ (a model records its own)")(
      "mask", po::value<std::string>()->value_name("FILE"),
      "inpainting: the known pixels, a PNG or .npy (H, W) or (C, H, W) of weights, 0 unknown, "
      "1 known (or any non-negative weights); only they are fitted, and the preprocessing "
      "estimates its lowpass from them (layer 1)")(
      "reference", po::value<std::string>()->value_name("FILE"),
      "the complete image, read as IMAGE is: metrics.json then scores the reconstruction "
      "against it (psnr_reference, ssim_reference)")(
      "noise-sigma", po::value<std::string>()->value_name("S"), noiseHelp.c_str());
  const std::string note = "with --model, the model's by default";
  const InferenceConfig defaults;
  cli.AddIterations(static_cast<long long>(defaults.iterations),
                    "solver iterations (" + note + ")");
  cli.AddTolerance(defaults.tolerance,
                   "stop when the relative change of the maps falls below T; 0 runs every "
                   "iteration (" +
                       note + ")");
  cli.AddSolver(note);
  cli.AddBoundary(note);
  cli.AddPreprocess(note);
  cli.AddColour(note);
  cli.AddPrecision(note);
  cli.AddThreads();
  cli.AddPlanner();
  cli.AddInputs(
      "the image: an image file, or a .npy array (H, W), with --colour (C, H, W) "
      "(positional)",
      1);
  cli.MarkPaths({"model", "dictionary", "out", "mask", "reference"});
}

//! The options given on the command line or in --config; without a model every option counts
//! as given (with its default), so that the configuration is complete.
InferenceOverrides Given(const CommandLine& cli, bool fromModel) {
  const auto ours = [&](const char* key) { return !fromModel || cli.Given(key); };
  const PreprocessOptions preprocess = cli.Preprocess();
  InferenceOverrides o;
  // --lambda has no default: without a model it is required, with one it defaults to the model's.
  if (cli.Has("lambda")) o.lambda = cli.NonNegativeReal("lambda");
  if (ours("iterations")) o.iterations = cli.Positive("iterations");
  if (ours("tolerance")) o.tolerance = cli.NonNegativeReal("tolerance");
  if (ours("solver")) o.solver = cli.Solver();
  if (ours("boundary")) o.boundary = cli.BoundaryMode();
  o.effort = cli.Planner();
  if (ours("preprocess")) o.preprocess = preprocess.method;
  if (ours("highpass-lambda")) o.highpassLambda = preprocess.highpassLambda;
  if (ours("highpass-pad")) o.highpassPad = preprocess.highpassPad;
  if (ours("lcn-sigma")) o.lcnSigma = preprocess.lcnSigma;
  if (ours("colour")) o.colour = cli.Flag("colour");
  if (ours("precision")) o.precision = cli.PrecisionOption();
  o.layer = cli.Positive("layer");
  if (!fromModel) {
    o.stride = cli.Positive("stride");
    AsUsageError([&] { o.padding = Padding::Parse(cli.Get<std::string>("padding")); });
  }
  return o;
}

//! Records the values used for run.ini.
//! With --noise-sigma, lambda follows from it and is not recorded (a replay sets it again).
void RecordResolved(CommandLine& cli, const InferenceConfig& c) {
  const PreprocessOptions& p = c.preprocess;
  if (!cli.Has("noise-sigma")) cli.Resolve("lambda", NumberText(c.lambda));
  cli.Resolve("iterations", std::to_string(c.iterations));
  cli.Resolve("tolerance", NumberText(c.tolerance));
  cli.Resolve("solver", c.solver);
  cli.Resolve("boundary", ToString(c.boundary));
  cli.Resolve("preprocess", ToString(p.method));
  cli.Resolve("highpass-lambda", NumberText(p.highpassLambda));
  cli.Resolve("highpass-pad", std::to_string(p.highpassPad));
  cli.Resolve("lcn-sigma", NumberText(p.lcnSigma));
  cli.Resolve("colour", c.colour ? "true" : "false");
  cli.Resolve("precision", ToString(c.precision));
  cli.Resolve("stride", std::to_string(c.stride));
  cli.Resolve("padding", c.padding.ToString());
}

//! The observers of one layer's inference: its progress line.
class LayerWatch {
public:
  LayerWatch(const std::string& label, std::size_t iterations)
      : progress_(label, iterations, std::cerr, StderrIsTerminal()), reporter_(progress_) {}
  dn::Observer* Observer() { return &reporter_; }
  void Finish() { progress_.Finish(); }

private:
  ProgressReporter progress_;
  SolverProgress reporter_;
};

int Reconstruct(int argc, const char* const argv[]) {
  CommandLine cli(
      "dn-reconstruct", "(--model DIR | --dictionary D.npy --lambda L) [options] --out DIR IMAGE",
      "Infers the feature maps of one image over a learned dictionary (convolutional "
      "sparse coding) and reconstructs the image from them. Writes features.npy, "
      "reconstruction.npy, signal.npy, reconstruction.png, history.csv, metrics.json and "
      "run.ini into --out. With --model, the options not given take the model's values; "
      "with --layer L and a multi-layer model, the reconstruction is the top-down "
      "projection of layer L's maps (docs/network.md).");
  DeclareOptions(cli);
  if (!cli.Parse(argc, argv)) return kExitSuccess;

  cli.RequireOneOf("model", "dictionary");
  if (cli.Has("lambda") && cli.Has("noise-sigma"))
    throw UsageError("give --lambda or --noise-sigma, not both");
  if (cli.Has("dictionary") && !cli.Has("lambda") && !cli.Has("noise-sigma"))
    throw UsageError("--dictionary needs --lambda (or --noise-sigma)");
  double noiseSigma = 0.0;  // 0: none given, or to be estimated
  const bool estimateNoise =
      cli.Has("noise-sigma") && cli.Get<std::string>("noise-sigma") == "estimate";
  if (cli.Has("noise-sigma") && !estimateNoise) {
    AsUsageError([&] { noiseSigma = ParseNoiseSigma(cli.Get<std::string>("noise-sigma")); });
  }
  cli.Require("out");
  const std::string out = cli.Get<std::string>("out");
  const std::string input = cli.Inputs().front();
  const std::size_t layer = cli.Positive("layer");
  if (layer > kMaxLayers) throw UsageError("--layer must be 1 to " + std::to_string(kMaxLayers));
  if (layer > 1 && cli.Has("dictionary"))
    throw UsageError("--layer " + std::to_string(layer) +
                     " needs a multi-layer --model; --dictionary is a single layer");
  const bool fromModel = cli.Has("model");
  InferenceOverrides given = Given(cli, false);
  if (cli.Has("noise-sigma")) given.lambda = 0.0;  // set from the noise level below
  InferenceConfig config = given.Over({});         // checks every option before any file is read
  if (!fromModel) AsUsageError([&] { config.Validate(); });
  cli.Resolve("threads", std::to_string(ConfigureThreads(cli.Threads())));
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);

  Model model;
  if (fromModel)
    model = LoadModel(cli.Get<std::string>("model"));
  else
    model.filters = ReadFilterBank("--dictionary", cli.Get<std::string>("dictionary"));
  if (layer > model.Depth())
    throw UsageError("--layer " + std::to_string(layer) + ": the model has " +
                     std::to_string(model.Depth()) + " layer" + (model.Depth() == 1 ? "" : "s"));
  if (fromModel) {
    config = ResolveInference(model.manifest, Given(cli, true));
    if (cli.Has("noise-sigma")) config.lambda = 0.0;
    AsUsageError([&] { config.Validate(); });
    // run.ini records the model's stride and padding; other values would not fit its filters.
    const bool strideDiffers =
        cli.Given("stride") && static_cast<std::size_t>(cli.Positive("stride")) != config.stride;
    bool paddingDiffers = false;
    if (cli.Given("padding"))
      AsUsageError([&] {
        paddingDiffers = Padding::Parse(cli.Get<std::string>("padding")) != config.padding;
      });
    if (strideDiffers || paddingDiffers)
      throw UsageError(
          "--stride and --padding describe a --dictionary; the model's layer 1 has "
          "stride " +
          std::to_string(config.stride) + ", padding " + config.padding.ToString());
  } else {  // the stride and padding must suit the dictionary's filters
    const std::size_t h = model.filters.Rows(), w = model.filters.Cols();
    AsUsageError([&] {
      StridedGeometry::Of(config.stride, config.padding, h, w, config.boundary).Check(h, w);
    });
  }
  const Image<double> image = ReadInputImage(input, config.colour);
  CheckCodable(model.filters, image, config.colour);
  InferenceOptions options;
  if (cli.Has("mask"))
    AsUsageError([&] {
      if (layer != 1) throw std::invalid_argument("--mask: inpainting infers layer 1 only");
      options.mask =
          ReadMask(cli.Get<std::string>("mask"), image.n_rows, image.n_cols, image.n_slices);
    });
  if (cli.Has("reference")) {
    options.reference = ReadInputImage(cli.Get<std::string>("reference"), config.colour);
    if (arma::size(options.reference) != arma::size(image))
      throw UsageError("--reference " + cli.Get<std::string>("reference") +
                       " is not the size of the image " + input);
  }
  if (cli.Has("noise-sigma")) {
    if (config.preprocess.method == PreprocessMethod::Lcn)
      throw UsageError("--noise-sigma sets lambda in pixel units, which lcn preprocessing does not "
                       "keep (use --preprocess highpass or none)");
    if (estimateNoise) noiseSigma = EstimateNoiseSigma(image);
    config.lambda = DenoisingLambda(noiseSigma);
    cli.Resolve("noise-sigma", NumberText(noiseSigma));
  }
  RecordResolved(cli, config);
  Console(cli.Program(), cli.Flag("verbose"))
      .Info(InferenceSummary(model.filters, image, config) +
            (model.Depth() > 1
                 ? "; layer " + std::to_string(layer) + " of " + std::to_string(model.Depth())
                 : ""));

  OutputDirectory directory(out, {"features.npy", "reconstruction.npy", "signal.npy",
                                  "reconstruction.png", "history.csv", "metrics.json", "run.ini"});
  std::unique_ptr<LayerWatch> watch;
  options.observer = [&](std::size_t l) {
    if (watch) watch->Finish();
    watch = std::make_unique<LayerWatch>(
        layer == 1 ? cli.Program() : cli.Program() + " layer " + std::to_string(l),
        config.iterations);
    return watch->Observer();
  };
  options.signalName = "the preprocessed image " + input;
  if (!fromModel) options.dictionaryName = "--dictionary " + cli.Get<std::string>("dictionary");
  const ImageInference inferred = InferImage(model, image, config, options);
  watch->Finish();

  WriteNpyIn(config.precision, directory.File("features.npy"), inferred.features, false);
  WriteNpyIn(config.precision, directory.File("reconstruction.npy"), inferred.reconstruction, true);
  WriteNpyIn(config.precision, directory.File("signal.npy"), inferred.signal, true);
  WritePng(directory.File("reconstruction.png"), inferred.viewable);
  WriteTextFileAtomically(directory.File("history.csv"), InferenceHistoryCsv(inferred.history));
  const CodingMetrics& m = inferred.metrics.coding;
  const SolveReport& report = inferred.report;
  JsonObject json;
  json.Number("objective", m.objective)
      .Number("fidelity", m.fidelity)
      .Number("l1", m.l1)
      .Number("density", m.density)
      .Number("psnr", inferred.metrics.psnr)
      .Integer("layer", layer)
      .Integer("iterations", report.iterations)
      .Number("seconds", report.seconds)
      .Number("lambda", config.lambda)
      .String("boundary", ToString(config.boundary))
      .String("solver", config.solver)
      .String("precision", ToString(config.precision))
      .String("stop_reason", Describe(report.reason));
  if (cli.Has("mask")) json.Number("known_fraction", inferred.metrics.knownFraction);
  if (inferred.metrics.scored)
    json.Number("psnr_reference", inferred.metrics.psnrReference)
        .Number("ssim_reference", inferred.metrics.ssimReference);
  if (cli.Has("noise-sigma")) json.Number("noise_sigma", noiseSigma);
  WriteTextFileAtomically(directory.File("metrics.json"), json.Text());
  if (!wisdom.empty()) SaveWisdom(wisdom);
  cli.WriteResolvedConfig(directory.File("run.ini"));
  directory.Commit();

  std::printf("objective %.10g iterations %zu seconds %.3f\n", m.objective, report.iterations,
              report.seconds);
  return kExitSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
  return RunMain("dn-reconstruct", [&] { return Reconstruct(argc, argv); });
}
