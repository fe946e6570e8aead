// dn-reconstruct: infers the feature maps of one image and reconstructs it, from any layer of a
// multi-layer model (docs/executables/dn-reconstruct.md).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/coding.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "io/image_set.hpp"
#include "cli/json.hpp"
#include "cli/output_directory.hpp"
#include "core/precision.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "core/threads.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"
#include "network/inference.hpp"
#include "solvers/proximal.hpp"
#include "preprocess/preprocess.hpp"
#include "serialize/model.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

void DeclareOptions(CommandLine& cli) {
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
      "output directory (required; created if missing, files in it are replaced)");
  const std::string note = "with --model, the model's by default";
  cli.AddIterations(200, "solver iterations (" + note + ")");
  cli.AddTolerance(0,
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
  cli.MarkPaths({"model", "dictionary", "out"});
}

//! The settings of a run: the options given, the model's values for the others.
struct Settings {
  CodingSettings coding;
  PreprocessOptions preprocess;
  bool colour = false;
  Precision precision = Precision::Single;
};

//! Checks every option (UsageError naming the option); with a model, the options not given take
//! its values. Records the values used for run.ini. Without a model and with --model given, it
//! only checks the options.
Settings Resolve(CommandLine& cli, const ModelManifest* model) {
  const auto ours = [&](const char* key) { return model == nullptr || cli.Given(key); };
  const PreprocessOptions preprocess = cli.Preprocess();
  Settings s;
  CodingSettings& c = s.coding;
  // --lambda has no default: without a model it is required, with one it defaults to the model's.
  c.lambda = cli.Has("lambda") ? cli.NonNegativeReal("lambda") : model ? model->lambda : 0.0;
  c.iterations = ours("iterations") ? cli.Positive("iterations") : model->iterations;
  c.tolerance = ours("tolerance") ? cli.NonNegativeReal("tolerance") : model->tolerance;
  c.solver = ours("solver") ? cli.Solver() : model->solver;
  c.boundary = ours("boundary") ? cli.BoundaryMode() : model->boundary;
  c.effort = cli.Planner();
  PreprocessOptions& p = s.preprocess;
  p.method = ours("preprocess") ? preprocess.method : model->preprocess.method;
  p.highpassLambda =
      ours("highpass-lambda") ? preprocess.highpassLambda : model->preprocess.highpassLambda;
  p.highpassPad = ours("highpass-pad") ? preprocess.highpassPad : model->preprocess.highpassPad;
  p.lcnSigma = ours("lcn-sigma") ? preprocess.lcnSigma : model->preprocess.lcnSigma;
  s.colour = ours("colour") ? cli.Flag("colour") : model->colour;
  s.precision = ours("precision") ? cli.PrecisionOption() : model->precision;
  // With --model the combination is known only once the model is read.
  if (model || !cli.Has("model")) AsUsageError([&] { CheckSolverSupports(c.solver, c.boundary); });

  cli.Resolve("lambda", FullNumber(c.lambda));
  cli.Resolve("iterations", std::to_string(c.iterations));
  cli.Resolve("tolerance", FullNumber(c.tolerance));
  cli.Resolve("solver", c.solver);
  cli.Resolve("boundary", ToString(c.boundary));
  cli.Resolve("preprocess", ToString(p.method));
  cli.Resolve("highpass-lambda", FullNumber(p.highpassLambda));
  cli.Resolve("highpass-pad", std::to_string(p.highpassPad));
  cli.Resolve("lcn-sigma", FullNumber(p.lcnSigma));
  cli.Resolve("colour", s.colour ? "true" : "false");
  cli.Resolve("precision", ToString(s.precision));
  return s;
}

struct Metrics {
  double objective = 0, fidelity = 0, l1 = 0, density = 0, psnr = 0;
};

//! The objective's terms from the arrays as saved, accumulated in double, and the PSNR of the
//! viewable reconstruction against the input image (peak 1).
template <typename T>
Metrics Measure(const Maps<T>& maps, const Image<T>& reconstruction, const Image<T>& signal,
                double lambda, const Image<double>& viewable, const Image<double>& image) {
  Metrics m;
  for (arma::uword i = 0; i < reconstruction.n_elem; ++i) {
    const double r = double(reconstruction[i]) - double(signal[i]);
    m.fidelity += 0.5 * r * r;
  }
  double nonzeros = 0;
  for (arma::uword i = 0; i < maps.n_elem; ++i) {
    m.l1 += std::abs(double(maps[i]));
    nonzeros += maps[i] != T(0);
  }
  m.objective = Objective(m.fidelity, lambda, m.l1);
  m.density = nonzeros / double(maps.n_elem);
  const double mse = arma::accu(arma::square(viewable - image)) / double(image.n_elem);
  m.psnr = 10.0 * std::log10(1.0 / mse);
  return m;
}

//! history.csv: one row per solver iteration of every layer inferred.
std::string HistoryCsv(const std::vector<RecordKeeper>& layers) {
  std::string csv = "layer," + CsvHeader() + "\n";
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (const IterationRecord& record : layers[l].records)
      csv += std::to_string(l + 1) + "," + CsvRow(record) + "\n";
  return csv;
}

//! The observers of one layer's inference: its progress line and its history.
class LayerWatch {
public:
  LayerWatch(const std::string& label, std::size_t iterations, RecordKeeper& history)
      : progress_(label, iterations, std::cerr, StderrIsTerminal()), reporter_(progress_) {
    observers_.Add(&reporter_);
    observers_.Add(&history);
  }
  dn::Observer* Observer() { return &observers_; }
  void Finish() { progress_.Finish(); }

private:
  ProgressReporter progress_;
  SolverProgress reporter_;
  ObserverList observers_;
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
  if (cli.Has("dictionary") && !cli.Has("lambda")) throw UsageError("--dictionary needs --lambda");
  cli.Require("out");
  const std::string out = cli.Get<std::string>("out");
  const std::string input = cli.Inputs().front();
  const std::size_t layer = cli.Positive("layer");
  if (layer > kMaxLayers)
    throw UsageError("--layer must be 1 to " + std::to_string(kMaxLayers));
  if (layer > 1 && cli.Has("dictionary"))
    throw UsageError("--layer " + std::to_string(layer) +
                     " needs a multi-layer --model; --dictionary is a single layer");
  Resolve(cli, nullptr);  // checks every option before any file is read
  cli.Resolve("threads", std::to_string(ConfigureThreads(cli.Threads())));
  const std::string wisdom = cli.Wisdom();
  if (!wisdom.empty()) LoadWisdom(wisdom);

  const bool fromModel = cli.Has("model");
  Model model;
  if (fromModel)
    model = LoadModel(cli.Get<std::string>("model"));
  else
    model.filters = ReadFilterBank("--dictionary", cli.Get<std::string>("dictionary"));
  if (layer > model.Depth())
    throw UsageError("--layer " + std::to_string(layer) + ": the model has " +
                     std::to_string(model.Depth()) + " layer" + (model.Depth() == 1 ? "" : "s"));
  Settings s = Resolve(cli, fromModel ? &model.manifest : nullptr);
  if (layer > 1 && !cli.Has("lambda")) {
    s.coding.lambda = model.manifest.layers[layer - 1].lambda;
    cli.Resolve("lambda", FullNumber(s.coding.lambda));
  }

  const Image<double> image = ReadInputImage(input, s.colour);
  const Preprocessed prepared = Preprocess(image, s.preprocess);
  CheckCodable(model.filters, prepared.signal, s.colour);
  Console(cli.Program(), cli.Flag("verbose"))
      .Info(Summary(model.filters, prepared.signal, s.coding, s.precision) +
            (model.Depth() > 1 ? "; layer " + std::to_string(layer) + " of " +
                                     std::to_string(model.Depth())
                               : ""));

  OutputDirectory directory(out, {"features.npy", "reconstruction.npy", "signal.npy",
                                  "reconstruction.png", "history.csv", "metrics.json", "run.ini"});
  struct Outcome {
    Metrics metrics;
    SolveReport report;
  };
  const Outcome outcome = WithPrecision(s.precision, [&](auto tag) {
    using T = decltype(tag);
    const Image<T> signal = Convert<T>(prepared.signal, "the preprocessed image " + input);
    std::vector<RecordKeeper> history(layer);
    CodingResult<T> coded;
    if (layer == 1) {
      const FilterBank<T> filters = Convert<T>(
          model.filters,
          fromModel ? "the model's dictionary" : "--dictionary " + cli.Get<std::string>("dictionary"));
      LayerWatch watch(cli.Program(), s.coding.iterations, history[0]);
      coded = SparseCode(filters, signal, s.coding, watch.Observer());
      watch.Finish();
    } else {
      Network<double> stored = ToNetwork(model);
      stored.boundary = s.coding.boundary;
      const Network<T> network = stored.template Cast<T>();
      NetworkCoder<T> coder(network, signal.n_rows, signal.n_cols, layer, s.coding.effort);
      NetworkCodingOptions options;
      options.solver = s.coding.solver;
      options.iterations = s.coding.iterations;
      options.tolerance = s.coding.tolerance;
      for (std::size_t l = 1; l <= layer; ++l)
        options.lambdas.push_back(l == layer ? s.coding.lambda : network.layers[l - 1].lambda);
      std::unique_ptr<LayerWatch> watch;
      const auto codes = coder.Infer(signal, options, [&](std::size_t l) {
        if (watch) watch->Finish();
        watch = std::make_unique<LayerWatch>(cli.Program() + " layer " + std::to_string(l),
                                             s.coding.iterations, history[l - 1]);
        return watch->Observer();
      });
      watch->Finish();
      coded.maps = codes[layer - 1].maps;
      coded.report = codes[layer - 1].report;
      coded.reconstruction = coder.Reconstruct(codes, layer);
    }

    const Image<double> viewable =
        Restore(arma::conv_to<Image<double>>::from(coded.reconstruction), prepared);
    WriteNpy(directory.File("features.npy"), coded.maps, false);
    WriteNpy(directory.File("reconstruction.npy"), coded.reconstruction, true);
    WriteNpy(directory.File("signal.npy"), signal, true);
    WritePng(directory.File("reconstruction.png"), viewable);
    WriteTextFileAtomically(directory.File("history.csv"), HistoryCsv(history));
    return Outcome{
        Measure(coded.maps, coded.reconstruction, signal, s.coding.lambda, viewable, image),
        coded.report};
  });
  const Metrics& m = outcome.metrics;
  JsonObject json;
  json.Number("objective", m.objective)
      .Number("fidelity", m.fidelity)
      .Number("l1", m.l1)
      .Number("density", m.density)
      .Number("psnr", m.psnr)
      .Integer("layer", layer)
      .Integer("iterations", outcome.report.iterations)
      .Number("seconds", outcome.report.seconds)
      .Number("lambda", s.coding.lambda)
      .String("boundary", ToString(s.coding.boundary))
      .String("solver", s.coding.solver)
      .String("precision", ToString(s.precision))
      .String("stop_reason", Describe(outcome.report.reason));
  WriteTextFileAtomically(directory.File("metrics.json"), json.Text());
  if (!wisdom.empty()) SaveWisdom(wisdom);
  cli.WriteResolvedConfig(directory.File("run.ini"));
  directory.Commit();

  std::printf("objective %.10g iterations %zu seconds %.3f\n", m.objective,
              outcome.report.iterations, outcome.report.seconds);
  return kExitSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
  return RunMain("dn-reconstruct", [&] { return Reconstruct(argc, argv); });
}
