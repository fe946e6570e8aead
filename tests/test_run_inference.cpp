// Inference of one image as a library object (run/inference.hpp): settings resolved from a
// model's manifest with overrides, sparse coding equal to a direct solver call (and its warm
// start), inference of a two-layer model from layer 2, the metrics and the history CSV.
#define BOOST_TEST_MODULE run_inference
#include <unistd.h>

#include <algorithm>
#include <boost/mpl/list.hpp>
#include <cmath>
#include <filesystem>

#include "dictionary/dictionary.hpp"
#include "network/inference.hpp"
#include "run/inference.hpp"
#include "serialize/model.hpp"
#include "test_support.hpp"

using namespace dn;

namespace {

namespace fs = std::filesystem;
using Types = boost::mpl::list<float, double>;

//! A fresh, empty directory removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    path = fs::temp_directory_path() / ("dn_test_run_inference_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

LayerSpec Layer(std::size_t filters, std::size_t size, std::size_t channels, double lambda) {
  LayerSpec s;
  s.filters = filters;
  s.channels = channels;
  s.filterRows = s.filterCols = size;
  s.connectivity = ConnectivityType::Full;
  s.lambda = lambda;
  return s;
}

template <typename T>
Image<T> RandomImage(arma::uword rows, arma::uword cols) {
  Image<T> image(rows, cols, 1);
  image.randn();
  return image;
}

template <typename T>
bool Identical(const arma::Cube<T>& a, const arma::Cube<T>& b) {
  return arma::size(a) == arma::size(b) && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(settings)

BOOST_AUTO_TEST_CASE(a_model_gives_the_defaults_and_overrides_win) {
  ModelManifest m;
  m.precision = Precision::Double;
  m.boundary = Boundary::Circular;
  m.lambda = 0.3;
  m.solver = "ista";
  m.iterations = 321;
  m.tolerance = 1e-3;
  m.preprocess.method = PreprocessMethod::Lcn;
  m.preprocess.lcnSigma = 1.5;
  m.colour = true;
  m.layers = {Layer(4, 5, 3, 0.3), Layer(3, 3, 4, 0.05)};

  const InferenceConfig first = ResolveInference(m, {});
  BOOST_TEST(first.lambda == 0.3);
  BOOST_TEST(first.solver == "ista");
  BOOST_TEST((first.boundary == Boundary::Circular));
  BOOST_TEST(first.iterations == 321u);
  BOOST_TEST(first.tolerance == 1e-3);
  BOOST_TEST((first.preprocess.method == PreprocessMethod::Lcn));
  BOOST_TEST(first.preprocess.lcnSigma == 1.5);
  BOOST_TEST(first.colour);
  BOOST_TEST((first.precision == Precision::Double));
  BOOST_TEST(first.layer == 1u);

  InferenceOverrides given;
  given.layer = 2;
  given.iterations = 7;
  given.precision = Precision::Single;
  const InferenceConfig second = ResolveInference(m, given);
  BOOST_TEST(second.lambda == 0.05);  // layer 2's
  BOOST_TEST(second.iterations == 7u);
  BOOST_TEST((second.precision == Precision::Single));
  BOOST_TEST(second.solver == "ista");
  BOOST_TEST(second.layer == 2u);

  given.lambda = 0.125;
  BOOST_TEST(ResolveInference(m, given).lambda == 0.125);
  given.layer = 3;
  BOOST_CHECK_THROW(ResolveInference(m, given), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(no_overrides_keep_the_defaults_and_validate_refuses_bad_fields) {
  const InferenceConfig defaults;
  const InferenceConfig over = InferenceOverrides{}.Over(defaults);
  BOOST_TEST(over.lambda == defaults.lambda);
  BOOST_TEST(over.iterations == defaults.iterations);
  BOOST_TEST(over.solver == defaults.solver);
  defaults.Validate();
  InferenceConfig bad;
  bad.solver = "newton";
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
  bad = InferenceConfig();
  bad.lambda = -1;
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
  bad = InferenceConfig();
  bad.iterations = 0;
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
  bad = InferenceConfig();
  bad.layer = kMaxLayers + 1;
  BOOST_CHECK_THROW(bad.Validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(uncodable_images_are_refused) {
  const FilterBank<double> filters = test::RandomFilters<double>(2, 3, 5, 5);
  BOOST_CHECK_THROW(CheckCodable(filters, Image<double>(10, 10, 1), false), std::invalid_argument);
  BOOST_CHECK_THROW(CheckCodable(filters, Image<double>(4, 10, 3), true), std::invalid_argument);
  CheckCodable(filters, Image<double>(10, 10, 3), true);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(coding)

BOOST_AUTO_TEST_CASE_TEMPLATE(sparse_code_equals_a_direct_solver_call, T, Types) {
  test::Seed(71);
  const FilterBank<T> filters = test::RandomFilters<T>(3, 1, 4, 4);
  const Image<T> signal = RandomImage<T>(12, 14);
  InferenceConfig config;
  config.lambda = 0.05;
  config.iterations = 20;
  const CodingResult<T> coded = SparseCode(filters, signal, config);

  const ConvOperator<T> op(filters, 12, 14, Boundary::Valid);
  const auto solver = MakeCscSolver<T>(config.solver);  // the default, auto
  solver->Reset(op, signal, 0.05);
  SolveOptions options;
  options.maxIterations = 20;
  RecordKeeper records;
  const SolveReport report = solver->Solve(options, &records);
  BOOST_TEST(Identical(coded.maps, solver->Solution()));
  BOOST_TEST(Identical(coded.reconstruction, op.Apply(solver->Solution())));
  BOOST_TEST(coded.report.iterations == report.iterations);
  BOOST_REQUIRE(coded.history.size() == 20u);
  for (std::size_t i = 0; i < 20; ++i)
    BOOST_TEST(coded.history[i].objective == records.records[i].objective);
  // The metrics from the arrays agree with the solver's own statistics.
  BOOST_TEST(coded.metrics.objective == report.last.objective,
             boost::test_tools::tolerance(test::Tolerance<T>::optimum));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_warm_start_continues_where_the_first_call_stopped, T, Types) {
  // ISTA keeps nothing but the iterate: 10 iterations, then 10 more from their maps, equal 20.
  test::Seed(72);
  const FilterBank<T> filters = test::RandomFilters<T>(3, 1, 4, 4);
  const Image<T> signal = RandomImage<T>(12, 12);
  InferenceConfig config;
  config.solver = "ista";
  config.lambda = 0.05;
  config.iterations = 20;
  const CodingResult<T> whole = SparseCode(filters, signal, config);
  config.iterations = 10;
  const CodingResult<T> first = SparseCode(filters, signal, config);
  const CodingResult<T> second = SparseCode(filters, signal, config, nullptr, &first.maps);
  BOOST_TEST(Identical(second.maps, whole.maps));
  BOOST_TEST(!Identical(first.maps, whole.maps));
}

BOOST_AUTO_TEST_CASE(sparse_code_in_precision_converts_exactly) {
  test::Seed(73);
  const FilterBank<double> filters = test::RandomFilters<double>(2, 1, 3, 3);
  const Image<double> signal = RandomImage<double>(10, 10);
  InferenceConfig config;
  config.iterations = 15;
  const CodingResult<double> single = SparseCodeInPrecision(filters, signal, config);
  const CodingResult<float> direct = SparseCode(
      filters.Cast<float>(), Image<float>(arma::conv_to<Image<float>>::from(signal)), config);
  BOOST_TEST(Identical(Maps<float>(arma::conv_to<Maps<float>>::from(single.maps)), direct.maps));
  BOOST_TEST(single.metrics.objective == direct.metrics.objective);
  config.precision = Precision::Double;
  const CodingResult<double> twice = SparseCodeInPrecision(filters, signal, config);
  BOOST_TEST(Identical(twice.maps, SparseCode(filters, signal, config).maps));
  BOOST_CHECK_THROW(SparseCodeInPrecision(filters, Image<double>(2, 2, 1), config),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(images)

BOOST_AUTO_TEST_CASE(inference_of_a_two_layer_model_from_layer_two) {
  test::Seed(74);
  Network<double> network;
  network.boundary = Boundary::Valid;
  network.layers = {Layer(4, 3, 1, 0.02), Layer(3, 3, 0, 0.002)};
  network.layers[0].pooling.rows = network.layers[0].pooling.cols = 2;
  network.layers[0].pooling.maps = 1;
  network.layers[1].channels = 4;
  network.MakeTables();
  for (std::size_t l = 0; l < 2; ++l)
    network.filters.push_back(
        InitialLayerFilters<double>(network.layers[l], network.tables[l], 5 + l, false));
  network.Validate();
  ModelManifest manifest;
  manifest.precision = Precision::Double;
  manifest.preprocess.method = PreprocessMethod::None;
  manifest.iterations = 40;
  manifest.tolerance = 0;
  ScratchDir scratch;
  SaveModel((scratch.path / "model").string(), manifest, network);
  const Model model = LoadModel((scratch.path / "model").string());
  BOOST_REQUIRE(model.Depth() == 2u);

  const Image<double> image = RandomImage<double>(20, 20);
  InferenceOverrides given;
  given.layer = 2;
  const InferenceConfig config = ResolveInference(model.manifest, given);
  std::vector<std::size_t> begun;
  RecordKeeper seen;
  InferenceOptions options;
  options.observer = [&](std::size_t l) {
    begun.push_back(l);
    return &seen;
  };
  options.projectMaps = true;
  const ImageInference inferred = InferImage(model, image, config, options);

  const Network<double> loaded = ToNetwork(model);
  NetworkCoder<double> coder(loaded, 20, 20, 2);
  NetworkCodingOptions coding;
  coding.iterations = 40;
  const auto codes = coder.Infer(image, coding);
  BOOST_TEST(Identical(inferred.features, codes[1].maps));
  BOOST_TEST(Identical(inferred.reconstruction, coder.Reconstruct(codes, 2)));
  BOOST_TEST(Identical(inferred.signal, image));  // preprocess none
  BOOST_TEST(Identical(inferred.viewable, inferred.reconstruction));
  BOOST_TEST((begun == std::vector<std::size_t>{1, 2}));
  BOOST_REQUIRE(inferred.history.size() == 2u);
  BOOST_TEST(inferred.history[0].size() == 40u);
  BOOST_TEST(inferred.history[1].size() == 40u);
  BOOST_TEST(seen.records.size() == 80u);
  BOOST_TEST(inferred.metrics.coding.objective ==
             Measure(codes[1].maps, coder.Reconstruct(codes, 2), image, 0.002).objective);
  // The projections of the maps alone, strongest first, add up to the reconstruction.
  BOOST_REQUIRE(inferred.projections.size() == 3u);
  Image<double> sum(arma::size(image), arma::fill::zeros);
  for (std::size_t i = 0; i < 3; ++i) {
    sum += inferred.projections[i].picture;
    if (i) BOOST_TEST(inferred.projections[i].energy <= inferred.projections[i - 1].energy);
  }
  BOOST_TEST(test::MaxAbs(Image<double>(sum - inferred.reconstruction)) <=
             1e-12 * test::MaxAbs(inferred.reconstruction));

  given.layer = 3;
  BOOST_CHECK_THROW(InferImage(model, image, InferenceOverrides{given}.Over(config)),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(metrics_by_hand) {
  Maps<double> maps(3, 1, 1);
  maps(0, 0, 0) = 0.5;
  maps(1, 0, 0) = 0.0;
  maps(2, 0, 0) = -1.5;
  Image<double> reconstruction(2, 1, 1), signal(2, 1, 1);
  reconstruction(0, 0, 0) = 1.0;
  reconstruction(1, 0, 0) = 2.0;
  signal(0, 0, 0) = 0.0;
  signal(1, 0, 0) = 4.0;
  const CodingMetrics m = Measure(maps, reconstruction, signal, 0.1);
  BOOST_TEST(m.fidelity == 2.5);  // 1/2 (1 + 4)
  BOOST_TEST(m.l1 == 2.0);
  BOOST_TEST(m.objective == 2.5 + 0.1 * 2.0);
  BOOST_TEST(m.density == 2.0 / 3.0);
  Image<double> viewable(2, 1, 1, arma::fill::value(0.5)), image(2, 1, 1, arma::fill::value(0.5));
  image(1, 0, 0) = 0.4;
  BOOST_TEST(Psnr(viewable, image) == 10.0 * std::log10(200.0),
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(history_csv_has_a_row_per_iteration_of_every_layer) {
  IterationRecord r;
  r.iteration = 1;
  const std::string csv = InferenceHistoryCsv({{r}, {r, r}});
  BOOST_TEST(csv.rfind("layer," + CsvHeader() + "\n", 0) == 0u);
  BOOST_TEST(std::count(csv.begin(), csv.end(), '\n') == 4);
  BOOST_TEST(csv.find("\n2," + CsvRow(r) + "\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
