// dn-inspect: pictures of a model's filters and of one image's feature maps
// (docs/executables/dn-inspect.md).
#include <iostream>
#include <string>

#include "cli/coding.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/inputs.hpp"
#include "cli/precision.hpp"
#include "cli/progress.hpp"
#include "core/threads.hpp"
#include "io/image.hpp"
#include "preprocess/preprocess.hpp"
#include "serialize/model.hpp"
#include "viz/montage.hpp"

namespace {

using namespace dn;
using namespace dn::cli;

void DeclareOptions(CommandLine& cli) {
  cli.Add()("model", po::value<std::string>()->value_name("DIR"),
            "the model: the output directory of dn-learn or its model/ subdirectory (required)")(
      "out", po::value<std::string>()->value_name("FILE.png"),
      "montage of the filters, each scaled to its own range (required)")(
      "image", po::value<std::string>()->value_name("IMG"),
      "an image file or .npy array whose feature maps to show (needs --maps)")(
      "maps", po::value<std::string>()->value_name("FILE.png"),
      "montage of the feature maps of --image (needs --image)");
  cli.AddIterations(200, "solver iterations for the maps (default: the model's)");
  cli.AddThreads();
}

int Inspect(int argc, const char* const argv[]) {
  CommandLine cli("dn-inspect", "--model DIR --out FILE.png [--image IMG --maps FILE.png]",
                  "Draws a model's filters as a montage and, with --image, the feature maps that "
                  "the model's settings infer for that image.");
  DeclareOptions(cli);
  if (!cli.Parse(argc, argv)) return kExitSuccess;

  cli.Require("model");
  cli.Require("out");
  if (cli.Has("image") != cli.Has("maps"))
    throw UsageError(cli.Has("image") ? "--image needs --maps" : "--maps needs --image");
  const std::size_t iterations = cli.Positive("iterations");
  ConfigureThreads(cli.Threads());

  const Model model = LoadModel(cli.Get<std::string>("model"));
  const ModelManifest& m = model.manifest;
  const std::string out = cli.Get<std::string>("out");

  // The maps are computed before anything is written, so a bad image leaves no output.
  Image<double> mapsMontage;
  if (cli.Has("image")) {
    const Image<double> signal =
        Preprocess(ReadInputImage(cli.Get<std::string>("image"), m.colour), m.preprocess).signal;
    CheckCodable(model.filters, signal);
    CodingSettings settings;
    settings.lambda = m.lambda;
    settings.solver = m.solver;
    settings.boundary = m.boundary;
    settings.iterations = cli.Given("iterations") ? iterations : m.iterations;
    settings.tolerance = m.tolerance;
    Console(cli.Program(), cli.Flag("verbose"))
        .Info(Summary(model.filters, signal, settings, m.precision));
    mapsMontage = WithPrecision(m.precision, [&](auto tag) {
      using T = decltype(tag);
      ProgressReporter progress(cli.Program(), settings.iterations, std::cerr, StderrIsTerminal());
      SolverProgress observer(progress);
      const CodingResult<T> coded =
          SparseCode(model.filters.Cast<T>(), Convert<T>(signal), settings, &observer);
      progress.Finish();
      return MapsMontage(coded.maps);
    });
  }
  WritePng(out, FilterMontage(model.filters));
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
