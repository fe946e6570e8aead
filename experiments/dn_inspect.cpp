// dn-inspect: pictures of a model's filters and of one image's feature maps, of any layer of a
// multi-layer model (docs/executables/dn-inspect.md).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>

#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/progress.hpp"
#include "core/threads.hpp"
#include "io/image.hpp"
#include "io/image_set.hpp"
#include "run/inference.hpp"
#include "run/layer_outputs.hpp"
#include "serialize/model.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

namespace fs = std::filesystem;

//! Throws std::runtime_error naming `option` unless `file` can be written: its directory exists
//! and is writable, and `file` is not a directory.
void RequireWritable(const std::string& option, const std::string& file) {
  const fs::path path = fs::absolute(file);
  const fs::path directory = path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    throw std::runtime_error(option + " " + file + ": the directory " + directory.string() +
                             " does not exist");
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error(option + " " + file + ": the directory " + directory.string() +
                             " is not writable");
  if (fs::is_directory(path, ec)) throw std::runtime_error(option + " " + file + " is a directory");
}

void DeclareOptions(CommandLine& cli) {
  cli.Add()("model", po::value<std::string>()->value_name("DIR"),
            "the model: the output directory of dn-learn or its model/ subdirectory (required)")(
      "out", po::value<std::string>()->value_name("FILE.png"),
      "montage of the filters, each scaled to its own range (required)")(
      "image", po::value<std::string>()->value_name("IMG"),
      "an image file or .npy array whose feature maps to show (needs --maps)")(
      "maps", po::value<std::string>()->value_name("FILE.png"),
      "montage of the feature maps of --image (needs --image)");
  cli.Add()("iterations", po::value<long long>()->value_name("N"),
            "solver iterations for the maps (default: the model's)")(
      "layer", po::value<long long>()->default_value(1)->value_name("L"),
      "the layer to draw: its filters in pixel space (layers above the first: the top-down "
      "projection of one unit of each map), and with --image the top-down projection of each "
      "of its maps for that image, strongest first (layer 1: the maps themselves)");
  cli.AddThreads();
}

int Inspect(int argc, const char* const argv[]) {
  CommandLine cli("dn-inspect",
                  "--model DIR --out FILE.png [--layer L] [--image IMG --maps FILE.png]",
                  "Draws a model's filters as a montage and, with --image, the feature maps that "
                  "the model's settings infer for that image. With --layer L of a multi-layer "
                  "model both are drawn in pixel space (docs/network.md).");
  DeclareOptions(cli);
  if (!cli.Parse(argc, argv)) return kExitSuccess;

  cli.Require("model");
  cli.Require("out");
  if (cli.Has("image") != cli.Has("maps"))
    throw UsageError(cli.Has("image") ? "--image needs --maps" : "--maps needs --image");
  const std::size_t iterations = cli.Has("iterations") ? cli.Positive("iterations") : 0;
  const std::size_t layer = cli.Positive("layer");
  if (layer > kMaxLayers) throw UsageError("--layer must be 1 to " + std::to_string(kMaxLayers));
  ConfigureThreads(cli.Threads());
  const std::string out = cli.Get<std::string>("out");
  RequireWritable("--out", out);
  if (cli.Has("maps")) {
    const std::string maps = cli.Get<std::string>("maps");
    if (fs::absolute(maps).lexically_normal() == fs::absolute(out).lexically_normal())
      throw UsageError("--out and --maps name the same file");
    RequireWritable("--maps", maps);
  }

  const Model model = LoadModel(cli.Get<std::string>("model"));
  if (layer > model.Depth())
    throw UsageError("--layer " + std::to_string(layer) + ": the model has " +
                     std::to_string(model.Depth()) + " layer" + (model.Depth() == 1 ? "" : "s"));

  // Both montages are made before anything is written, so a failure leaves no output.
  const Image<double> filtersMontage = LayerFilterMontage(ToNetwork(model), layer);
  Image<double> mapsMontage;
  if (cli.Has("image")) {
    const std::string image = cli.Get<std::string>("image");
    InferenceOverrides given;
    if (iterations > 0) given.iterations = iterations;
    given.layer = layer;
    const InferenceConfig config = ResolveInference(model.manifest, given);
    const Image<double> pixels = ReadInputImage(image, config.colour);
    CheckCodable(model.filters, pixels, config.colour);
    Console(cli.Program(), cli.Flag("verbose"))
        .Info(InferenceSummary(model.filters, pixels, config));
    InferenceOptions options;
    std::unique_ptr<ProgressReporter> progress;
    std::unique_ptr<SolverProgress> observer;
    options.observer = [&](std::size_t l) {
      if (progress) progress->Finish();
      progress = std::make_unique<ProgressReporter>(
          layer == 1 ? cli.Program() : cli.Program() + " layer " + std::to_string(l),
          config.iterations, std::cerr, StderrIsTerminal());
      observer = std::make_unique<SolverProgress>(*progress);
      return observer.get();
    };
    options.projectMaps = true;
    options.signalName = "the preprocessed image " + image;
    options.advice = "dn-inspect works in the model's precision";
    const ImageInference inferred = InferImage(model, pixels, config, options);
    progress->Finish();
    if (layer > 1) {
      std::string order;
      for (const MapProjection<double>& projection : inferred.projections)
        order += (order.empty() ? "" : ", ") + std::to_string(projection.map + 1);
      Console(cli.Program(), cli.Flag("verbose"))
          .Info("layer " + std::to_string(layer) +
                " maps in the montage (1-based), strongest first: " + order);
    }
    mapsMontage = MapsPicture(inferred);
  }
  WritePng(out, filtersMontage);
  std::cout << "filters: " << out << "\n";
  if (cli.Has("image")) {
    const std::string maps = cli.Get<std::string>("maps");
    WritePng(maps, mapsMontage);
    std::cout << "maps: " << maps << "\n";
  }
  return kExitSuccess;
}

}  // namespace

int main(int argc, char* argv[]) {
  return RunMain("dn-inspect", [&] { return Inspect(argc, argv); });
}
