// Multi-layer deconvolutional networks: connectivity tables, pooling with switches, the
// connected and top-down operators (adjoint identities), pixel-space inference, greedy training
// (each layer's objective decreases), model round trips and reconstruction from layer 2.
#define BOOST_TEST_MODULE network
#include <unistd.h>

#include <boost/mpl/list.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "conv/direct_conv.hpp"
#include "conv/strided_conv_operator.hpp"
#include "dictionary/dictionary.hpp"
#include "io/npy.hpp"
#include "network/connected_conv.hpp"
#include "network/inference.hpp"
#include "network/pixel_coding.hpp"
#include "network/pooling.hpp"
#include "network/top_down.hpp"
#include "network/training.hpp"
#include "serialize/checkpoint.hpp"
#include "serialize/model.hpp"
#include "test_support.hpp"

using namespace dn;

namespace {

namespace fs = std::filesystem;
using Types = boost::mpl::list<float, double>;

template <typename T>
Maps<T> RandomCube(arma::uword r, arma::uword c, arma::uword s) {
  Maps<T> x(r, c, s);
  x.randn();
  return x;
}

//! A network of the given layers (specs without channels for l >= 2: filled in) with random
//! filters that respect the connectivity.
template <typename T>
Network<T> RandomNetwork(std::vector<LayerSpec> layers, std::size_t imageChannels,
                         Boundary boundary, std::uint64_t seed) {
  Network<T> network;
  network.boundary = boundary;
  for (std::size_t l = 0; l < layers.size(); ++l)
    layers[l].channels =
        l == 0 ? imageChannels
               : PoolingShape::Pooled(layers[l - 1].filters, layers[l - 1].pooling.maps);
  network.layers = layers;
  network.MakeTables();
  for (std::size_t l = 0; l < layers.size(); ++l)
    network.filters.push_back(
        InitialLayerFilters<T>(layers[l], network.tables[l], seed + l, false));
  network.Validate();
  return network;
}

LayerSpec Layer(std::size_t filters, std::size_t size, ConnectivityType type, PoolingShape pooling,
                InferenceMode mode = InferenceMode::Layer, double lambda = 0.1) {
  LayerSpec s;
  s.filters = filters;
  s.filterRows = s.filterCols = size;
  s.connectivity = type;
  s.pooling = pooling;
  s.inference = mode;
  s.lambda = lambda;
  return s;
}

PoolingShape Pool(arma::uword r, arma::uword c, arma::uword m) {
  PoolingShape p;
  p.rows = r;
  p.cols = c;
  p.maps = m;
  return p;
}

//! Smooth random images: white noise blurred by a small box, so that filters have structure
//! to learn.
template <typename T>
std::vector<Image<T>> SmoothImages(std::size_t count, arma::uword size, arma::uword channels) {
  std::vector<Image<T>> images;
  for (std::size_t i = 0; i < count; ++i) {
    arma::cube noise(size + 2, size + 2, channels, arma::fill::randn);
    Image<T> image(size, size, channels);
    for (arma::uword c = 0; c < channels; ++c)
      for (arma::uword x = 0; x < size; ++x)
        for (arma::uword y = 0; y < size; ++y)
          image(y, x, c) =
              static_cast<T>(arma::accu(noise.slice(c).submat(y, x, y + 2, x + 2)) / 3.0);
    images.push_back(image);
  }
  return images;
}

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    path = fs::temp_directory_path() / ("dn_test_network_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

struct LayerHistory : Observer {
  std::vector<std::vector<IterationRecord>> records;
  bool Observe(const IterationRecord& r) override {
    if (records.size() < r.layer) records.resize(r.layer);
    records[r.layer - 1].push_back(r);
    return false;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(connectivity)

BOOST_AUTO_TEST_CASE(full_connects_every_pair) {
  const ConnectivityTable table(ConnectivityType::Full, 3, 5, 1);
  BOOST_TEST(table.Inputs() == 3u);
  BOOST_TEST(table.Maps() == 5u);
  BOOST_TEST(table.Pairs() == 15u);
  for (std::size_t k = 0; k < 5; ++k) BOOST_TEST(table.InputsOf(k).size() == 3u);
  for (std::size_t c = 0; c < 3; ++c) BOOST_TEST(table.MapsOf(c).size() == 5u);
}

BOOST_AUTO_TEST_CASE(singles_and_doubles_of_nine_inputs) {
  BOOST_TEST(RequiredMapCount(ConnectivityType::SinglesAndDoubles, 9) == 45u);
  const ConnectivityTable table(ConnectivityType::SinglesAndDoubles, 9, 45, 1);
  BOOST_TEST(table.Pairs() == 9u + 2u * 36u);
  // Maps 0..8 see one input each, in order; maps 9..44 see every unordered pair exactly once.
  for (std::size_t k = 0; k < 9; ++k) {
    BOOST_REQUIRE(table.InputsOf(k).size() == 1u);
    BOOST_TEST(table.InputsOf(k)[0] == k);
  }
  std::set<std::pair<arma::uword, arma::uword>> pairs;
  for (std::size_t k = 9; k < 45; ++k) {
    const auto& in = table.InputsOf(k);
    BOOST_REQUIRE(in.size() == 2u);
    BOOST_TEST(in[0] < in[1]);
    pairs.insert({in[0], in[1]});
  }
  BOOST_TEST(pairs.size() == 36u);
  for (std::size_t c = 0; c < 9; ++c) BOOST_TEST(table.MapsOf(c).size() == 1u + 8u);
  BOOST_CHECK_THROW(ConnectivityTable(ConnectivityType::SinglesAndDoubles, 9, 44, 1),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(random_doubles_pairs_cover_and_repeat_by_seed) {
  for (std::size_t inputs : {2u, 5u, 8u}) {
    const ConnectivityTable a(ConnectivityType::RandomDoubles, inputs, 12, 7);
    const ConnectivityTable b(ConnectivityType::RandomDoubles, inputs, 12, 7);
    BOOST_TEST(arma::all(arma::vectorise(a.Table() == b.Table())));
    BOOST_TEST(a.Pairs() == 24u);
    for (std::size_t k = 0; k < 12; ++k) {
      BOOST_REQUIRE(a.InputsOf(k).size() == 2u);
      BOOST_TEST(a.InputsOf(k)[0] != a.InputsOf(k)[1]);
    }
    for (std::size_t c = 0; c < inputs; ++c) BOOST_TEST(!a.MapsOf(c).empty(), "input " << c);
  }
  const ConnectivityTable c(ConnectivityType::RandomDoubles, 8, 12, 7);
  const ConnectivityTable d(ConnectivityType::RandomDoubles, 8, 12, 8);
  BOOST_TEST(!arma::all(arma::vectorise(c.Table() == d.Table())), "seeds 7 and 8 agree");
  BOOST_CHECK_THROW(ConnectivityTable(ConnectivityType::RandomDoubles, 1, 4, 1),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(masked_initial_filters_respect_the_table) {
  LayerSpec spec = Layer(10, 3, ConnectivityType::SinglesAndDoubles, PoolingShape());
  spec.channels = 4;
  const ConnectivityTable table(spec.connectivity, 4, 10, 1);
  const FilterBank<double> f = InitialLayerFilters<double>(spec, table, 3, true);
  BOOST_TEST(RespectsConnectivity(f, table));
  for (arma::uword k = 0; k < f.filters; ++k) {
    double norm = 0;
    for (arma::uword c = 0; c < f.channels; ++c) norm += arma::accu(arma::square(f.Filter(k, c)));
    BOOST_TEST(std::sqrt(norm) == 1.0, boost::test_tools::tolerance(1e-12));
  }
  // Full connectivity gives exactly the single-layer initialisation.
  LayerSpec full = Layer(6, 5, ConnectivityType::Full, PoolingShape());
  full.channels = 3;
  const FilterBank<float> a = InitialLayerFilters<float>(
      full, ConnectivityTable(ConnectivityType::Full, 3, 6, 1), 9, false);
  const FilterBank<float> b = RandomFilters<float>(6, 3, 5, 5, 9, false);
  BOOST_TEST(arma::approx_equal(a.data, b.data, "absdiff", 0.0f));
}

BOOST_AUTO_TEST_CASE(dictionary_update_holds_unconnected_filters_at_zero) {
  test::Seed(21);
  const ConnectivityTable table(ConnectivityType::SinglesAndDoubles, 3, 6, 1);
  FilterBank<double> filters = test::RandomFilters<double>(6, 3, 3, 3);
  ConvOperator<double> op(filters, 16, 16, Boundary::Valid);
  std::vector<arma::Mat<Complex<double>>> spectra(2);
  std::vector<Image<double>> images;
  CodedSet<double> data;
  for (int i = 0; i < 2; ++i) {
    const Maps<double> maps = RandomCube<double>(op.MapRows(), op.MapCols(), 6);
    spectra[i].set_size(op.Fft().SpectrumSize(), 6);
    arma::Col<double> scratch = op.MakeScratch();
    for (arma::uword k = 0; k < 6; ++k)
      op.ForwardMap(maps.slice(k).memptr(), spectra[i].colptr(k), scratch.memptr());
    images.push_back(RandomCube<double>(16, 16, 3));
  }
  for (int i = 0; i < 2; ++i) {
    data.mapSpectra.push_back(&spectra[i]);
    data.signals.push_back(&images[i]);
  }
  DictionaryUpdateOptions options;
  options.iterations = 3;
  options.connectivity = table.Table();
  DictionaryUpdater<double> updater(options);
  updater.Step(op, data, filters);
  BOOST_TEST(RespectsConnectivity(filters, table));
  BOOST_TEST(arma::any(arma::vectorise(filters.data)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pooling)

BOOST_AUTO_TEST_CASE(parse_and_print) {
  BOOST_TEST(!ParsePooling("none").Active());
  const PoolingShape a = ParsePooling("2");
  BOOST_TEST((a.rows == 2 && a.cols == 2 && a.maps == 1));
  const PoolingShape b = ParsePooling("3x2x4");
  BOOST_TEST((b.rows == 3 && b.cols == 2 && b.maps == 4));
  BOOST_TEST(ToString(b) == "3x2x4");
  for (const char* bad : {"", "0", "2x", "x2", "2x2x2x2", "two", "2x-1", "1234567"})
    BOOST_CHECK_THROW(ParsePooling(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(switches_hold_the_largest_magnitude_with_its_sign) {
  test::Seed(31);
  // 7 x 5 x 5 maps in 2 x 2 x 2 blocks: the last block of every axis is partial.
  const Maps<double> maps = RandomCube<double>(7, 5, 5);
  const PoolingShape shape = Pool(2, 2, 2);
  Maps<double> pooled;
  Switches switches;
  MaxPool(maps, shape, pooled, switches);
  BOOST_REQUIRE(pooled.n_rows == 4u);
  BOOST_REQUIRE(pooled.n_cols == 3u);
  BOOST_REQUIRE(pooled.n_slices == 3u);
  for (arma::uword g = 0; g < 3; ++g)
    for (arma::uword j = 0; j < 3; ++j)
      for (arma::uword i = 0; i < 4; ++i) {
        double best = 0;
        arma::uword where = 0;
        for (arma::uword k = 2 * g; k < std::min<arma::uword>(5, 2 * g + 2); ++k)
          for (arma::uword x = 2 * j; x < std::min<arma::uword>(5, 2 * j + 2); ++x)
            for (arma::uword y = 2 * i; y < std::min<arma::uword>(7, 2 * i + 2); ++y)
              if (std::abs(maps(y, x, k)) > std::abs(best)) {
                best = maps(y, x, k);
                where = y + 7 * (x + 5 * k);
              }
        BOOST_TEST(pooled(i, j, g) == best);
        BOOST_TEST(switches.source[i + 4 * (j + 3 * g)] == where);
      }
}

BOOST_AUTO_TEST_CASE(unpool_after_pool_is_a_projection) {
  test::Seed(32);
  const Maps<double> maps = RandomCube<double>(9, 8, 6);
  Maps<double> pooled, unpooled, again, repooled;
  Switches switches, switches2;
  MaxPool(maps, Pool(3, 2, 3), pooled, switches);
  Unpool(pooled, switches, unpooled);
  // One non-zero per block, at its maximum.
  BOOST_TEST(arma::accu(unpooled != 0.0) == pooled.n_elem);
  // Idempotent with the switches fixed, and pooling it again finds the same switches and values.
  Gather(unpooled, switches, repooled);
  Unpool(repooled, switches, again);
  BOOST_TEST(arma::approx_equal(again, unpooled, "absdiff", 0.0));
  MaxPool(unpooled, Pool(3, 2, 3), repooled, switches2);
  BOOST_TEST(arma::all(switches2.source == switches.source));
  BOOST_TEST(arma::approx_equal(repooled, pooled, "absdiff", 0.0));
}

BOOST_AUTO_TEST_CASE(pool_and_unpool_are_adjoint_with_fixed_switches) {
  test::Seed(33);
  for (const PoolingShape shape : {Pool(2, 2, 1), Pool(2, 3, 2), Pool(4, 4, 3)}) {
    const Maps<double> z = RandomCube<double>(11, 10, 7);
    Maps<double> pooled;
    Switches switches;
    MaxPool(RandomCube<double>(11, 10, 7), shape, pooled, switches);
    const Maps<double> p = RandomCube<double>(pooled.n_rows, pooled.n_cols, pooled.n_slices);
    Maps<double> gathered, unpooled, spread, spreadAdjoint;
    Gather(z, switches, gathered);
    Unpool(p, switches, unpooled);
    BOOST_TEST(test::Dot(gathered, p) == test::Dot(z, unpooled),
               boost::test_tools::tolerance(test::Tolerance<double>::adjoint));
    Spread(p, shape, 11, 10, 7, spread);
    SpreadAdjoint(z, shape, spreadAdjoint);
    BOOST_TEST(test::Dot(spreadAdjoint, p) == test::Dot(z, spread),
               boost::test_tools::tolerance(test::Tolerance<double>::adjoint));
    // Spread is the average of unpooling over switches: it keeps every block's sum.
    BOOST_TEST(arma::accu(spread) == arma::accu(p), boost::test_tools::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(operators)

BOOST_AUTO_TEST_CASE_TEMPLATE(connected_conv_matches_the_dictionary_operator, T, Types) {
  test::Seed(41);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    const ConnectivityTable table(ConnectivityType::SinglesAndDoubles, 4, 10, 1);
    FilterBank<T> filters = test::RandomFilters<T>(10, 4, 3, 4);
    MaskFilters(filters, table);
    ConnectedConv<T> conv(filters, table, 15, 13, b);
    const ConvOperator<T> op(filters, 15, 13, b);
    const Maps<T> z = RandomCube<T>(op.MapRows(), op.MapCols(), 10);
    const Image<T> r = RandomCube<T>(15, 13, 4);
    Image<T> image;
    Maps<T> maps;
    conv.Apply(z, image);
    conv.Adjoint(r, maps);
    const double tol = test::Tolerance<T>::fftVsDirect;
    BOOST_TEST(test::MaxAbs(Image<T>(image - op.Apply(z))) <= tol * test::MaxAbs(image));
    BOOST_TEST(test::MaxAbs(Maps<T>(maps - op.Adjoint(r))) <= tol * test::MaxAbs(maps));
    BOOST_TEST(test::Dot(image, r) == test::Dot(z, maps),
               boost::test_tools::tolerance(test::Tolerance<T>::adjoint));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(zero_filters_skipped_by_the_dictionary_operator_and_solver, T,
                              Types) {
  // The single-layer engine skips the zero filters of unconnected pairs (ConvOperator's lists,
  // also used by the ISTA/FISTA loops): its operator still matches the direct loops.
  test::Seed(47);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    const ConnectivityTable table(ConnectivityType::SinglesAndDoubles, 3, 6, 1);
    FilterBank<T> filters = test::RandomFilters<T>(6, 3, 3, 3);
    MaskFilters(filters, table);
    const ConvOperator<T> op(filters, 12, 11, b);
    for (arma::uword k = 0; k < 6; ++k)
      BOOST_TEST(op.ChannelsOf(k).size() == table.InputsOf(k).size());
    const Maps<T> z = RandomCube<T>(op.MapRows(), op.MapCols(), 6);
    const Image<T> r = RandomCube<T>(12, 11, 3);
    const Image<T> slow = DirectApply(filters, z, 12, 11, b);
    const Maps<T> slowAdjoint = DirectAdjoint(filters, r, b);
    BOOST_TEST(test::MaxAbs(Image<T>(op.Apply(z) - slow)) <=
               test::Tolerance<T>::fftVsDirect * test::MaxAbs(slow));
    BOOST_TEST(test::MaxAbs(Maps<T>(op.Adjoint(r) - slowAdjoint)) <=
               test::Tolerance<T>::fftVsDirect * test::MaxAbs(slowAdjoint));
  }
}

BOOST_AUTO_TEST_CASE(filter_gradient_matches_the_dictionary_update) {
  test::Seed(42);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    const ConnectivityTable table(ConnectivityType::RandomDoubles, 3, 5, 4);
    FilterBank<double> filters = test::RandomFilters<double>(5, 3, 3, 3);
    MaskFilters(filters, table);
    ConnectedConv<double> conv(filters, table, 12, 14, b);
    const ConvOperator<double>& op = conv.Geometry();
    std::vector<Maps<double>> maps;
    std::vector<Image<double>> signals;
    std::vector<arma::Mat<Complex<double>>> z(2), r(2);
    for (int i = 0; i < 2; ++i) {
      maps.push_back(RandomCube<double>(op.MapRows(), op.MapCols(), 5));
      signals.push_back(RandomCube<double>(12, 14, 3));
    }
    CodedSet<double> data;
    std::vector<const arma::Mat<Complex<double>>*> zs, rs;
    for (int i = 0; i < 2; ++i) {
      conv.MapSpectra(maps[i], z[i]);
      Image<double> residual;
      conv.Apply(maps[i], residual);
      residual -= signals[i];
      conv.InputSpectra(residual, r[i]);
      zs.push_back(&z[i]);
      rs.push_back(&r[i]);
      data.mapSpectra.push_back(&z[i]);
      data.signals.push_back(&signals[i]);
    }
    FilterBank<double> gradient, reference;
    conv.FilterGradient(zs, rs, gradient);
    DictionaryUpdateOptions options;
    DictionaryUpdater<double>(options).FidelityAndGradient(op, data, filters, reference);
    MaskFilters(reference, table);
    BOOST_TEST(test::MaxAbs(arma::cube(gradient.data - reference.data)) <=
               test::Tolerance<double>::fftVsDirect * test::MaxAbs(reference.data));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(top_down_operator_is_adjoint_through_pooling, T, Types) {
  test::Seed(43);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    const Network<T> network =
        RandomNetwork<T>({Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2)),
                          Layer(3, 3, ConnectivityType::RandomDoubles, Pool(2, 3, 1)),
                          Layer(5, 2, ConnectivityType::Full, PoolingShape())},
                         2, b, 5);
    LayerStack<T> stack(network, 20, 17, 3);
    // Switches from pooling random maps of layers 1 and 2.
    std::vector<Switches> switches(2);
    for (std::size_t j = 1; j <= 2; ++j) {
      const LayerShape& s = stack.Shape(j);
      Maps<T> pooled;
      MaxPool(RandomCube<T>(s.mapRows, s.mapCols, s.maps), network.layers[j - 1].pooling, pooled,
              switches[j - 1]);
    }
    for (std::size_t top = 1; top <= 3; ++top) {
      TopDownOperator<T> op(stack, top);
      for (bool spread : {false, true}) {
        std::vector<const Switches*> below;
        for (std::size_t j = 0; j + 1 < top; ++j) below.push_back(spread ? nullptr : &switches[j]);
        op.SetSwitches(below);
        const LayerShape& s = stack.Shape(top);
        const Maps<T> z = RandomCube<T>(s.mapRows, s.mapCols, s.maps);
        const Image<T> r = RandomCube<T>(20, 17, 2);
        Image<T> image;
        Maps<T> back;
        op.Apply(z, image);
        op.Adjoint(r, back);
        BOOST_TEST(image.n_rows == 20u);
        BOOST_TEST(image.n_cols == 17u);
        BOOST_TEST(test::Dot(image, r) == test::Dot(z, back),
                   boost::test_tools::tolerance(test::Tolerance<T>::adjoint)
                       << ToString(b) << " layer " << top << (spread ? " spread" : " switches"));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(top_down_equals_the_composition_of_the_layers) {
  test::Seed(44);
  const Network<double> network =
      RandomNetwork<double>({Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2)),
                             Layer(3, 3, ConnectivityType::SinglesAndDoubles, PoolingShape())},
                            1, Boundary::Valid, 6);
  LayerStack<double> stack(network, 16, 16, 2);
  const LayerShape& s1 = stack.Shape(1);
  Maps<double> pooled;
  Switches switches;
  MaxPool(RandomCube<double>(s1.mapRows, s1.mapCols, s1.maps), network.layers[0].pooling, pooled,
          switches);
  TopDownOperator<double> op(stack, 2);
  op.SetSwitches({&switches});
  const LayerShape& s2 = stack.Shape(2);
  const Maps<double> z = RandomCube<double>(s2.mapRows, s2.mapCols, s2.maps);
  Image<double> image;
  op.Apply(z, image);
  // F_1 U_1 F_2 z with the single-layer operators.
  const ConvOperator<double> f2(network.filters[1], s2.inputRows, s2.inputCols, Boundary::Valid);
  const ConvOperator<double> f1(network.filters[0], 16, 16, Boundary::Valid);
  Maps<double> unpooled;
  Unpool(f2.Apply(z), switches, unpooled);
  const Image<double> expected = f1.Apply(unpooled);
  BOOST_TEST(test::MaxAbs(Image<double>(image - expected)) <=
             test::Tolerance<double>::fftVsDirect * test::MaxAbs(expected));
}

BOOST_AUTO_TEST_CASE(power_iteration_approaches_the_exact_norm) {
  // For one circular layer ||R||^2 = ||F_1||^2 is known exactly (ConvOperator::Lipschitz).
  test::Seed(45);
  const Network<double> network = RandomNetwork<double>(
      {Layer(3, 4, ConnectivityType::Full, PoolingShape())}, 1, Boundary::Circular, 7);
  LayerStack<double> stack(network, 24, 24, 1);
  TopDownOperator<double> op(stack, 1);
  op.SetSwitches({});
  Maps<double> v;
  const double estimate = EstimateNormSquared(op, v, 200, 1);
  const double exact = stack.Conv(1).Geometry().Lipschitz();
  BOOST_TEST(estimate <= exact * (1 + 1e-12));
  BOOST_TEST(estimate >= 0.95 * exact);
}

BOOST_AUTO_TEST_CASE(filter_pictures_of_layer_one_are_the_filters) {
  test::Seed(46);
  const Network<double> network =
      RandomNetwork<double>({Layer(3, 4, ConnectivityType::Full, Pool(2, 2, 1)),
                             Layer(2, 3, ConnectivityType::Full, PoolingShape())},
                            1, Boundary::Valid, 8);
  const std::vector<Image<double>> first = FilterPictures(network, 1);
  BOOST_REQUIRE(first.size() == 3u);
  // Every picture is cropped to the common support: here exactly the 4 x 4 filter.
  for (arma::uword k = 0; k < 3; ++k) {
    BOOST_REQUIRE(first[k].n_rows == 4u);
    BOOST_TEST(arma::abs(first[k].slice(0) - network.filters[0].Filter(k, 0)).max() <= 1e-12);
  }
  const std::vector<Image<double>> second = FilterPictures(network, 2);
  BOOST_REQUIRE(second.size() == 2u);
  // A layer-2 unit covers 3 pooled positions of 2 pixels through 4-pixel filters: 3*2 + 4 - 1.
  BOOST_TEST(second[0].n_rows == 9u);
  BOOST_TEST(second[0].n_cols == 9u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(inference)

BOOST_AUTO_TEST_CASE_TEMPLATE(pixel_ista_never_raises_the_objective, T, Types) {
  test::Seed(51);
  const Network<T> network = RandomNetwork<T>(
      {Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2)),
       Layer(4, 3, ConnectivityType::Full, PoolingShape(), InferenceMode::Pixel, 0.05)},
      1, Boundary::Valid, 9);
  const Image<T> signal = SmoothImages<T>(1, 18, 1).front();
  NetworkCoder<T> coder(network, 18, 18, 2);
  const auto codes = coder.Infer(signal, NetworkCodingOptions());
  LayerStack<T> stack(network, 18, 18, 2);
  TopDownOperator<T> op(stack, 2);
  op.SetSwitches({&codes[0].switches});
  OperatorFista<T> ista(0.05, false);
  PixelCodingState<T> state;
  ista.Start(op, signal, state);
  double previous = state.current.objective;
  for (int it = 0; it < 60; ++it) {
    const double objective = ista.Step(op, signal, state).objective;
    BOOST_TEST(objective <= previous * (1 + test::Tolerance<T>::monotone), "iteration " << it);
    previous = objective;
  }
  BOOST_TEST(previous < 0.5 * test::Dot(signal, signal));
  // The recorded fidelity is that of the maps, recomputed.
  Image<T> image;
  op.Apply(state.x, image);
  const Image<T> residual = image - signal;
  BOOST_TEST(state.current.fidelity == 0.5 * test::Dot(residual, residual),
             boost::test_tools::tolerance(100 * test::Tolerance<T>::monotone));
}

BOOST_AUTO_TEST_CASE(pixel_mode_on_layer_one_solves_the_single_layer_problem) {
  // With one layer R_1 = F_1: FISTA on the top-down operator and the single-layer solver reach
  // the same optimum.
  test::Seed(52);
  const Network<double> network = RandomNetwork<double>(
      {Layer(3, 3, ConnectivityType::Full, PoolingShape(), InferenceMode::Pixel, 0.05)}, 1,
      Boundary::Circular, 10);
  const Image<double> signal = SmoothImages<double>(1, 16, 1).front();
  LayerStack<double> stack(network, 16, 16, 1);
  TopDownOperator<double> op(stack, 1);
  op.SetSwitches({});
  OperatorFista<double> fista(0.05, true);
  PixelCodingState<double> state;
  fista.Start(op, signal, state);
  SolveOptions options;
  options.maxIterations = 3000;
  const double pixel = fista.Solve(op, signal, state, options).last.objective;
  const auto solver = MakeCscSolver<double>("fista");
  solver->Reset(stack.Conv(1).Geometry(), signal, 0.05);
  const double single = solver->Solve(options).last.objective;
  BOOST_TEST(pixel == single, boost::test_tools::tolerance(test::Tolerance<double>::optimum));
}

BOOST_AUTO_TEST_CASE(reconstruction_from_layer_two_of_a_tiny_model) {
  // Layer mode: layer 2 codes layer 1's pooled maps; its maps alone, projected down, give an
  // image of the same size that explains part of the signal, and equal F_1 U_1 F_2 z_2.
  test::Seed(53);
  for (InferenceMode mode : {InferenceMode::Layer, InferenceMode::Pixel}) {
    const Network<double> network = RandomNetwork<double>(
        {Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2), InferenceMode::Layer, 0.02),
         Layer(3, 3, ConnectivityType::SinglesAndDoubles, PoolingShape(), mode, 0.002)},
        1, Boundary::Valid, 11);
    const Image<double> signal = SmoothImages<double>(1, 20, 1).front();
    NetworkCoder<double> coder(network, 20, 20, 2);
    NetworkCodingOptions options;
    options.iterations = 300;
    const auto codes = coder.Infer(signal, options);
    BOOST_REQUIRE(codes.size() == 2u);
    const Image<double> image = coder.Reconstruct(codes, 2);
    BOOST_REQUIRE(arma::size(image) == arma::size(signal));
    const ConvOperator<double> f1(network.filters[0], 20, 20, Boundary::Valid);
    const ConvOperator<double> f2(network.filters[1], codes[0].pooled.n_rows,
                                  codes[0].pooled.n_cols, Boundary::Valid);
    Maps<double> unpooled;
    Unpool(f2.Apply(codes[1].maps), codes[0].switches, unpooled);
    const Image<double> expected = f1.Apply(unpooled);
    BOOST_TEST(test::MaxAbs(Image<double>(image - expected)) <= 1e-10 * test::MaxAbs(expected));
    const double error = test::Dot(Image<double>(image - signal), Image<double>(image - signal));
    BOOST_TEST(error < test::Dot(signal, signal),
               ToString(mode) << " relative error " << error / test::Dot(signal, signal));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(training)

BOOST_AUTO_TEST_CASE(training_two_layers_lowers_each_objective) {
  test::Seed(61);
  const std::vector<Image<float>> images = SmoothImages<float>(3, 24, 1);
  for (InferenceMode mode : {InferenceMode::Layer, InferenceMode::Pixel}) {
    const Network<float> initial = RandomNetwork<float>(
        {Layer(4, 5, ConnectivityType::Full, Pool(2, 2, 2), InferenceMode::Layer, 0.05),
         Layer(3, 3, ConnectivityType::SinglesAndDoubles, PoolingShape(), mode, 0.01)},
        1, Boundary::Valid, 12);
    NetworkTrainingOptions options;
    options.common.effort = PlannerEffort::Estimate;
    options.iterations = {15, 15};
    NetworkTrainer<float> trainer(options, initial, images);
    LayerHistory history;
    while (!trainer.Done()) trainer.TrainNextLayer(&history);
    BOOST_REQUIRE(history.records.size() == 2u);
    for (std::size_t l = 0; l < 2; ++l) {
      const auto& r = history.records[l];
      BOOST_REQUIRE(r.size() == 15u);
      BOOST_TEST(r.back().objective < r.front().objective,
                 ToString(mode) << " layer " << l + 1 << ": " << r.front().objective << " -> "
                                << r.back().objective);
    }
    const Network<float>& trained = trainer.Result();
    trained.Validate();  // connectivity still respected
    for (std::size_t l = 0; l < 2; ++l)
      BOOST_TEST(
          !arma::approx_equal(trained.filters[l].data, initial.filters[l].data, "absdiff", 0.0f));
  }
}

BOOST_AUTO_TEST_CASE(a_one_layer_network_trains_exactly_as_the_single_layer_learner) {
  test::Seed(60);
  const std::vector<Image<float>> images = SmoothImages<float>(2, 20, 1);
  LearningOptions learning;
  learning.lambda = 0.05;
  learning.iterations = 6;
  DictionaryLearner<float> single(learning, images, RandomFilters<float>(5, 1, 4, 4, 3, false));
  single.Run();
  LayerSpec spec = Layer(5, 4, ConnectivityType::Full, PoolingShape(), InferenceMode::Layer, 0.05);
  spec.channels = 1;
  Network<float> network;
  network.layers = {spec};
  network.MakeTables();
  network.filters = {InitialLayerFilters<float>(spec, network.tables[0], 3, false)};
  NetworkTrainingOptions options;
  options.common = learning;
  options.iterations = {6};
  NetworkTrainer<float> trainer(options, network, images);
  trainer.TrainNextLayer();
  BOOST_TEST(arma::approx_equal(trainer.Result().filters[0].data, single.Dictionary().data,
                                "absdiff", 0.0f));
}

BOOST_AUTO_TEST_CASE(training_goes_on_from_the_state_between_layers) {
  // What a layer-by-layer checkpoint needs: a trainer made from State() after layer 1 trains
  // layer 2 exactly as the trainer that kept going.
  test::Seed(64);
  const std::vector<Image<float>> images = SmoothImages<float>(2, 20, 1);
  const Network<float> initial =
      RandomNetwork<float>({Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2)),
                            Layer(3, 3, ConnectivityType::SinglesAndDoubles, PoolingShape(),
                                  InferenceMode::Pixel, 0.01)},
                           1, Boundary::Valid, 15);
  NetworkTrainingOptions options;
  options.iterations = {4, 4};
  NetworkTrainer<float> whole(options, initial, images);
  whole.TrainNextLayer();
  const NetworkTrainingState<float> state = whole.State();
  whole.TrainNextLayer();
  NetworkTrainer<float> resumed(options, state, images);
  BOOST_TEST(resumed.LayersTrained() == 1u);
  resumed.StartLayer();
  BOOST_TEST((resumed.Learner() && resumed.Learner()->Name() == "pixel"));
  resumed.RunLayer();
  resumed.FinishLayer();
  BOOST_TEST(resumed.Done());
  BOOST_TEST(arma::approx_equal(resumed.Result().filters[1].data, whole.Result().filters[1].data,
                                "absdiff", 0.0f));
  BOOST_TEST(arma::approx_equal(resumed.MapsOf(1), whole.MapsOf(1), "absdiff", 0.0f));
}

//! Takes the trainer's state from inside the observer at chosen (layer, iteration) moments, as
//! dn-learn's checkpoints do.
struct StateTaker : Observer {
  NetworkTrainer<float>* trainer = nullptr;
  std::set<std::pair<std::size_t, std::size_t>> moments;
  std::vector<SavedState<float>> states;
  bool Observe(const IterationRecord& r) override {
    if (moments.count({r.layer, r.iteration})) states.push_back(trainer->SaveState());
    return false;
  }
};

//! Trains what is left: the layer in progress (after a restore), then the others.
void FinishTraining(NetworkTrainer<float>& trainer, Observer* observer = nullptr) {
  while (!trainer.Done()) {
    if (!trainer.Learner()) trainer.StartLayer();
    trainer.RunLayer(observer);
    trainer.FinishLayer();
  }
}

BOOST_AUTO_TEST_CASE(a_restored_trainer_finishes_exactly_as_the_uninterrupted_one) {
  // States saved mid-layer (layer 1; layer 2 in layer and in pixel mode), at the start of
  // layer 2, between layers and after the last iteration, written to disk as checkpoints and
  // restored into fresh trainers, end with the uninterrupted trainer's filters and maps, bit for
  // bit.
  test::Seed(65);
  const std::vector<Image<float>> images = SmoothImages<float>(2, 20, 1);
  ScratchDir scratch;
  std::size_t written = 0;
  for (InferenceMode mode : {InferenceMode::Layer, InferenceMode::Pixel}) {
    const Network<float> initial = RandomNetwork<float>(
        {Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2)),
         Layer(3, 3, ConnectivityType::SinglesAndDoubles, PoolingShape(), mode, 0.01)},
        1, Boundary::Valid, 15);
    NetworkTrainingOptions options;
    options.iterations = {4, 4};
    NetworkTrainer<float> whole(options, initial, images);
    StateTaker taker;
    taker.trainer = &whole;
    taker.moments = {{1, 2}, {2, 1}, {2, 4}};
    std::vector<std::pair<std::string, SavedState<float>>> states;
    while (!whole.Done()) {
      whole.StartLayer();
      if (whole.LayersTrained() == 1) states.emplace_back("start of layer 2", whole.SaveState());
      whole.RunLayer(&taker);
      whole.FinishLayer();
      if (!whole.Done()) states.emplace_back("between layers", whole.SaveState());
    }
    BOOST_REQUIRE(taker.states.size() == 3u);
    states.emplace_back("layer 1 iteration 2", taker.states[0]);
    states.emplace_back("layer 2 iteration 1", taker.states[1]);
    states.emplace_back("layer 2 iteration 4", taker.states[2]);
    for (const auto& [moment, state] : states) {
      const std::string what = ToString(mode) + " layer 2, state at " + moment;
      Checkpoint<float> checkpoint;
      checkpoint.kind = "test";
      checkpoint.layer = 1;
      checkpoint.iteration = ++written;  // each in a directory of its own
      checkpoint.state = state;
      const std::string path = WriteCheckpoint((scratch.path / "checkpoints").string(), checkpoint);
      NetworkTrainer<float> resumed(options, initial, images);
      resumed.RestoreState(ReadCheckpoint<float>(path).state);
      FinishTraining(resumed);
      for (std::size_t l = 0; l < 2; ++l)
        BOOST_TEST(arma::approx_equal(resumed.Result().filters[l].data,
                                      whole.Result().filters[l].data, "absdiff", 0.0f),
                   what << ": filters of layer " << l + 1);
      for (std::size_t i = 0; i < images.size(); ++i) {
        BOOST_TEST(arma::approx_equal(resumed.MapsOf(i), whole.MapsOf(i), "absdiff", 0.0f),
                   what << ": maps of image " << i);
        BOOST_TEST(arma::all(resumed.SwitchesOf(i, 1).source == whole.SwitchesOf(i, 1).source),
                   what << ": switches of image " << i);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_restore_refuses_damaged_states_and_fewer_iterations_than_done) {
  test::Seed(66);
  const std::vector<Image<float>> images = SmoothImages<float>(2, 16, 1);
  const Network<float> initial = RandomNetwork<float>(
      {Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 1)),
       Layer(3, 3, ConnectivityType::Full, PoolingShape(), InferenceMode::Pixel, 0.01)},
      1, Boundary::Valid, 16);
  NetworkTrainingOptions options;
  options.iterations = {2, 3};
  NetworkTrainer<float> whole(options, initial, images);
  whole.TrainNextLayer();
  whole.StartLayer();
  whole.RunLayer();
  const SavedState<float> state = whole.SaveState();  // layer 2 after its 3 iterations
  const auto refused = [&](const SavedState<float>& damaged, const NetworkTrainingOptions& o) {
    NetworkTrainer<float> trainer(o, initial, images);
    try {
      trainer.RestoreState(damaged);
    } catch (const std::exception& e) {
      // Left unchanged: it still trains from the start.
      BOOST_TEST((trainer.LayersTrained() == 0u && !trainer.Learner()));
      return std::string(e.what());
    }
    return std::string();
  };
  SavedState<float> damaged = state;
  damaged.arrays.at("switches/1/1/source")(0, 1, 0) = 1e6f;  // an index past its maps
  BOOST_TEST(refused(damaged, options).find("switches/1/1/source") != std::string::npos);
  damaged = state;
  damaged.arrays.at("switches/0/1/source")(2, 0, 0) = 0.5f;  // not a whole number
  BOOST_TEST(refused(damaged, options).find("invalid switch") != std::string::npos);
  damaged = state;
  damaged.arrays.erase("learner/image/1/residual_y");
  BOOST_TEST(refused(damaged, options).find("learner/: ") != std::string::npos);
  BOOST_TEST(refused(damaged, options).find("image/1/residual_y") != std::string::npos);
  NetworkTrainingOptions fewer = options;
  fewer.iterations = {2, 2};
  BOOST_TEST(refused(state, fewer).find("has done 3 iterations") != std::string::npos);
  NetworkTrainingOptions more = options;
  more.iterations = {2, 5};
  NetworkTrainer<float> extended(more, initial, images);
  extended.RestoreState(state);
  BOOST_TEST(extended.CurrentIteration() == 3u);
  BOOST_TEST(extended.RunLayer().iteration == 5u);
}

BOOST_AUTO_TEST_CASE(pixel_learning_with_ista_never_raises_the_objective) {
  // ISTA coding steps and backtracking filter steps each never raise the objective, so with
  // ISTA the objective of pixel-mode learning decreases at every outer iteration.
  test::Seed(62);
  const std::vector<Image<double>> images = SmoothImages<double>(2, 20, 1);
  const Network<double> network = RandomNetwork<double>(
      {Layer(3, 3, ConnectivityType::Full, Pool(2, 2, 1)),
       Layer(4, 3, ConnectivityType::Full, PoolingShape(), InferenceMode::Pixel, 0.01)},
      1, Boundary::Circular, 13);
  NetworkTrainingOptions options;
  options.common.boundary = Boundary::Circular;
  options.iterations = {5, 1};
  NetworkTrainer<double> trainer(options, network, images);
  trainer.TrainNextLayer();
  std::vector<std::vector<Switches>> switches(2);
  for (std::size_t i = 0; i < 2; ++i) switches[i].push_back(trainer.SwitchesOf(i, 1));
  LearningOptions learning;
  learning.lambda = 0.01;
  learning.iterations = 12;
  learning.solver = "ista";
  learning.codingIterations = 2;
  learning.dictionary.iterations = 3;
  learning.boundary = Boundary::Circular;
  PixelLayerLearner<double> learner(learning, trainer.Result(), 2, images, switches);
  struct : Observer {
    std::vector<IterationRecord> records;
    bool Observe(const IterationRecord& r) override {
      records.push_back(r);
      return false;
    }
  } history;
  learner.Run(&history);
  BOOST_REQUIRE(history.records.size() == 12u);
  for (std::size_t it = 1; it < 12; ++it)
    BOOST_TEST(history.records[it].objective <=
                   history.records[it - 1].objective * (1 + test::Tolerance<double>::monotone),
               "iteration " << it + 1);
  BOOST_TEST(history.records.back().objective < history.records.front().objective);
  // The record is the objective of the final maps and filters.
  double objective = 0;
  for (std::size_t i = 0; i < 2; ++i) objective += learner.State().codes[i].current.objective;
  BOOST_TEST(history.records.back().objective == objective, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(RespectsConnectivity(learner.Dictionary(), trainer.Result().tables[1]));
}

BOOST_AUTO_TEST_CASE(a_multi_layer_model_survives_a_round_trip_exactly) {
  test::Seed(63);
  const Network<double> network = RandomNetwork<double>(
      {Layer(5, 3, ConnectivityType::Full, Pool(2, 3, 2), InferenceMode::Layer, 0.125),
       Layer(6, 4, ConnectivityType::RandomDoubles, Pool(2, 2, 2), InferenceMode::Pixel, 1.0 / 3.0),
       Layer(6, 2, ConnectivityType::SinglesAndDoubles, PoolingShape(), InferenceMode::Layer, 0.7)},
      3, Boundary::Circular, 14);
  ScratchDir scratch;
  ModelManifest manifest;
  manifest.boundary = Boundary::Circular;
  manifest.colour = true;
  manifest.seed = 99;
  SaveModel((scratch.path / "model").string(), manifest, network);
  const Model model = LoadModel(scratch.path.string());
  BOOST_TEST(model.manifest.formatVersion == kModelFormatVersion);
  BOOST_TEST(model.Depth() == 3u);
  BOOST_TEST(model.manifest.seed == 99u);
  const Network<double> loaded = ToNetwork(model);
  BOOST_REQUIRE(loaded.Depth() == 3u);
  for (std::size_t l = 0; l < 3; ++l) {
    const LayerSpec &a = loaded.layers[l], &b = network.layers[l];
    BOOST_TEST(a.filters == b.filters);
    BOOST_TEST(a.channels == b.channels);
    BOOST_TEST(a.filterRows == b.filterRows);
    BOOST_TEST(a.filterCols == b.filterCols);
    BOOST_TEST(a.lambda == b.lambda);
    BOOST_TEST((a.connectivity == b.connectivity));
    BOOST_TEST(a.connectivitySeed == b.connectivitySeed);
    BOOST_TEST(ToString(a.pooling) == ToString(b.pooling));
    BOOST_TEST((a.inference == b.inference));
    BOOST_TEST(arma::approx_equal(loaded.filters[l].data, network.filters[l].data, "absdiff", 0.0));
    BOOST_TEST(arma::all(arma::vectorise(loaded.tables[l].Table() == network.tables[l].Table())));
  }
  // A non-zero filter where the table has no connection is refused.
  FilterBank<double> broken = network.filters[2];
  for (arma::uword k = 0; k < broken.filters; ++k)
    for (arma::uword c = 0; c < broken.channels; ++c)
      if (!network.tables[2].Connected(c, k)) broken.Filter(k, c)(0, 0) = 1;
  WriteNpy((scratch.path / "model" / "layer3_dictionary.npy").string(), broken);
  BOOST_CHECK_THROW(LoadModel(scratch.path.string()), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(bad_layer_sections_are_refused) {
  test::Seed(65);
  const Network<double> network = RandomNetwork<double>(
      {Layer(4, 3, ConnectivityType::Full, Pool(2, 2, 2)),
       Layer(3, 3, ConnectivityType::SinglesAndDoubles, PoolingShape(), InferenceMode::Pixel)},
      1, Boundary::Valid, 16);
  ScratchDir scratch;
  const fs::path model = scratch.path / "model";
  ModelManifest manifest;
  SaveModel(model.string(), manifest, network);
  std::ifstream in(model / "manifest.ini");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    const std::size_t at = t.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {replaced("layers = 2", "layers = 3"), "missing section [layer3]"},
      {replaced("layers = 2", "layers = 1"), "section [layer2] but layers = 1"},
      {replaced("layers = 2", "layers = 5"), "at most 4"},
      {text + "[layer5]\n", "unknown section [layer5]"},
      {text + "[layer1]\n", "section [layer1] appears twice"},
      {text + "colour_space = lab\n", "unknown key 'colour_space' in [layer2]"},
      {replaced("pooling = 2x2x2", "pooling = 2x"), "[layer1]: pooling must be"},
      {replaced("inference = pixel", "inference = deep"), "inference = 'deep' in [layer2]"},
      {replaced("connectivity = singles-and-doubles", "connectivity = triples"), "connectivity"},
      {replaced("connectivity = full", "connectivity = random-doubles"), "invalid network"},
      {replaced("pooling = none", "pooling = 2"), "top layer"},
      {replaced("channels = 2", "channels = 3"), "invalid network"},
  };
  for (const auto& [manifestText, fragment] : cases) {
    std::ofstream(model / "manifest.ini") << manifestText;
    try {
      LoadModel(model.string());
      BOOST_ERROR("a bad manifest was accepted; expected '" << fragment << "'");
    } catch (const std::runtime_error& e) {
      BOOST_CHECK_MESSAGE(std::string(e.what()).find(fragment) != std::string::npos,
                          "message '" << e.what() << "' lacks '" << fragment << "'");
    }
  }
  std::ofstream(model / "manifest.ini") << text;
  BOOST_TEST(LoadModel(model.string()).Depth() == 2u);
  fs::remove(model / "layer2_dictionary.npy");
  BOOST_CHECK_THROW(LoadModel(model.string()), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(layer_learners_are_made_by_name) {
  BOOST_TEST((LayerLearnerNames() == std::vector<std::string>{"batch", "online", "pixel"}));
  Network<double> network;
  network.boundary = Boundary::Valid;
  network.layers.resize(2);
  network.layers[1].inference = InferenceMode::Pixel;
  const std::vector<Image<double>> signals;
  const NetworkTrainingState<double> state;
  const LearningOptions options;
  // Online: layer 1 of a one-layer network, from a stream only.
  BOOST_CHECK_THROW(MakeLayerLearner<double>("online", options, network, 1, signals, state),
                    std::invalid_argument);
  BOOST_CHECK_THROW(MakeLayerLearner<double>("adam", options, network, 1, signals, state),
                    std::invalid_argument);
  BOOST_CHECK_THROW(MakeLayerLearner<double>("pixel", options, network, 1, signals, state),
                    std::invalid_argument);
  BOOST_CHECK_THROW(MakeLayerLearner<double>("batch", options, network, 2, signals, state),
                    std::invalid_argument);
}

// Networks with strided layers (issue 13): the top-down operator, inference, training, filter
// pictures and the model format go through transposed convolutions with stride s.
BOOST_AUTO_TEST_SUITE(strided_networks)

LayerSpec StridedLayer(std::size_t filters, std::size_t size, std::size_t stride,
                       PoolingShape pooling = PoolingShape(), double lambda = 0.1) {
  LayerSpec s = Layer(filters, size, ConnectivityType::Full, pooling, InferenceMode::Layer, lambda);
  s.stride = stride;
  return s;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(top_down_is_adjoint_and_the_composition_of_the_layers, T, Types) {
  test::Seed(71);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    // Layer 1 strided and pooled, layer 2 strided with an explicit padding.
    LayerSpec second = StridedLayer(3, 3, 2);
    second.padding.ordinary = false;
    second.padding.rows = 1;
    second.padding.cols = 2;
    const Network<T> network =
        RandomNetwork<T>({StridedLayer(4, 4, 2, Pool(2, 2, 1)), second}, 2, b, 7);
    LayerStack<T> stack(network, 24, 16, 2);
    BOOST_TEST(stack.Conv(1).Strided());
    BOOST_TEST(stack.Conv(2).Strided());
    const LayerShape& s1 = stack.Shape(1);
    const LayerShape& s2 = stack.Shape(2);
    const StridedGeometry g1 = network.layers[0].Geometry(b), g2 = network.layers[1].Geometry(b);
    BOOST_TEST(s1.mapRows == g1.MapRows(24, 4, b));
    BOOST_TEST(s2.mapRows == g2.MapRows(s2.inputRows, 3, b));
    BOOST_TEST(s2.mapCols == g2.MapCols(s2.inputCols, 3, b));
    Maps<T> pooled;
    Switches switches;
    MaxPool(RandomCube<T>(s1.mapRows, s1.mapCols, s1.maps), network.layers[0].pooling, pooled,
            switches);
    TopDownOperator<T> op(stack, 2);
    op.SetSwitches({&switches});
    const Maps<T> z = RandomCube<T>(s2.mapRows, s2.mapCols, s2.maps);
    const Image<T> r = RandomCube<T>(24, 16, 2);
    Image<T> image;
    Maps<T> back;
    op.Apply(z, image);
    op.Adjoint(r, back);
    BOOST_TEST(test::Dot(image, r) == test::Dot(z, back),
               boost::test_tools::tolerance(test::Tolerance<T>::adjoint) << ToString(b));
    // R_2 z = A_1 U_1 A_2 z with the strided operators alone.
    StridedConvOperator<T> a2(network.filters[1], s2.inputRows, s2.inputCols, g2, b);
    StridedConvOperator<T> a1(network.filters[0], 24, 16, g1, b);
    Image<T> input, expected;
    Maps<T> unpooled;
    a2.Apply(z, input);
    Unpool(input, switches, unpooled);
    a1.Apply(unpooled, expected);
    BOOST_TEST(test::MaxAbs(Image<T>(image - expected)) <=
                   test::Tolerance<T>::fftVsDirect * test::MaxAbs(expected),
               ToString(b));
  }
}

BOOST_AUTO_TEST_CASE(a_network_with_a_strided_layer_two_trains_infers_and_draws) {
  test::Seed(72);
  const std::vector<Image<float>> images = SmoothImages<float>(3, 24, 1);
  const Network<float> initial = RandomNetwork<float>(
      {Layer(4, 5, ConnectivityType::Full, PoolingShape(), InferenceMode::Layer, 0.05),
       StridedLayer(6, 4, 2, PoolingShape(), 0.01)},
      1, Boundary::Valid, 13);
  NetworkTrainingOptions options;
  options.common.effort = PlannerEffort::Estimate;
  options.iterations = {8, 8};
  NetworkTrainer<float> trainer(options, initial, images);
  LayerHistory history;
  while (!trainer.Done()) trainer.TrainNextLayer(&history);
  BOOST_REQUIRE(history.records.size() == 2u);
  for (std::size_t l = 0; l < 2; ++l)
    BOOST_TEST(history.records[l].back().objective < history.records[l].front().objective,
               "layer " << l + 1);
  const Network<float>& trained = trainer.Result();
  const FilterBank<float>& d2 = trained.filters[1];
  for (arma::uword k = 0; k < d2.filters; ++k) {
    double norm = 0.0;
    for (arma::uword c = 0; c < d2.channels; ++c) norm += arma::accu(arma::square(d2.Filter(k, c)));
    BOOST_TEST(norm <= 1.0 + 1e-5);
  }

  // Inference: layer 2's maps are half of layer 1's (s = 2, valid: ceil((28 - 4 + 6) / 2) + 1),
  // and the reconstruction from layer 2 is A_1 A_2 z_2.
  NetworkCoder<float> coder(trained, 24, 24, 2);
  NetworkCodingOptions coding;
  coding.iterations = 30;
  const auto codes = coder.Infer(images[0], coding);
  BOOST_TEST(codes[0].maps.n_rows == 28u);
  BOOST_TEST(codes[1].maps.n_rows == 16u);
  BOOST_TEST(codes[1].maps.n_slices == 6u);
  const Image<float> reconstruction = coder.Reconstruct(codes, 2);
  StridedConvOperator<float> a2(trained.filters[1], 28, 28,
                                trained.layers[1].Geometry(Boundary::Valid), Boundary::Valid);
  const ConvOperator<float> f1(trained.filters[0], 24, 24, Boundary::Valid);
  Image<float> below;
  a2.Apply(codes[1].maps, below);
  const Image<float> expected = f1.Apply(below);
  BOOST_TEST(test::MaxAbs(Image<float>(reconstruction - expected)) <=
             test::Tolerance<float>::fftVsDirect * test::MaxAbs(expected));
  coding.solver = "admm";
  BOOST_CHECK_THROW(coder.Infer(images[0], coding), std::invalid_argument);

  // Filters in pixel space: one unit of layer 2 reaches at most s (k2 - 1) + k1 = 2 * 3 + 5 = 11
  // pixels (the pictures are cut to the pixels above rounding noise).
  const std::vector<Image<float>> pictures = FilterPictures(trained, 2);
  BOOST_REQUIRE(pictures.size() == 6u);
  BOOST_TEST(pictures[0].n_rows <= 11u);
  BOOST_TEST(pictures[0].n_rows > 5u);  // wider than one layer-1 filter: the taps spread by 2
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    Network<float> other = trained;
    other.boundary = b;
    BOOST_TEST(FilterPictures(other, 2).size() == 6u);
  }
}

BOOST_AUTO_TEST_CASE(strided_layers_are_refused_where_they_do_not_fit) {
  LayerSpec pixel = StridedLayer(3, 3, 2);
  pixel.inference = InferenceMode::Pixel;
  pixel.channels = 4;
  BOOST_CHECK_THROW(pixel.Validate(2), std::invalid_argument);
  LayerSpec sparse = StridedLayer(6, 3, 2);
  sparse.connectivity = ConnectivityType::SinglesAndDoubles;
  sparse.channels = 3;
  BOOST_CHECK_THROW(sparse.Validate(2), std::invalid_argument);
  LayerSpec wide = StridedLayer(3, 3, 1);
  wide.channels = 1;
  wide.padding.ordinary = false;
  wide.padding.rows = wide.padding.cols = 3;  // p >= k
  BOOST_CHECK_THROW(wide.Validate(1), std::invalid_argument);
  // The online and pixel learners do not learn strided layers.
  Network<double> network;
  network.boundary = Boundary::Valid;
  network.layers = {StridedLayer(3, 3, 2)};
  const std::vector<Image<double>> signals;
  const NetworkTrainingState<double> state;
  BOOST_CHECK_THROW(
      MakeLayerLearner<double>("online", LearningOptions(), network, 1, signals, state),
      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_model_format_records_stride_and_padding_and_reads_format_two) {
  test::Seed(73);
  LayerSpec second = StridedLayer(3, 3, 3);
  second.padding.ordinary = false;
  second.padding.rows = 2;
  second.padding.cols = 0;
  const Network<double> network =
      RandomNetwork<double>({StridedLayer(4, 4, 2, Pool(2, 2, 1)), second}, 1, Boundary::Valid, 8);
  ScratchDir scratch;
  ModelManifest manifest;
  const fs::path dir = scratch.path / "model";
  SaveModel(dir.string(), manifest, network);
  const Model model = LoadModel(dir.string());
  BOOST_TEST(model.manifest.formatVersion == 3);
  for (std::size_t l = 0; l < 2; ++l) {
    BOOST_TEST(model.manifest.layers[l].stride == network.layers[l].stride);
    BOOST_TEST((model.manifest.layers[l].padding == network.layers[l].padding));
  }
  BOOST_TEST(model.manifest.layers[1].padding.ToString() == "2x0");
  // Format 2 has no stride or padding: its layers are ordinary.
  std::ifstream in(dir / "manifest.ini");
  std::string text, line;
  while (std::getline(in, line))
    if (line.rfind("stride", 0) != 0 && line.rfind("padding", 0) != 0)
      text += (line == "format_version = 3" ? "format_version = 2" : line) + "\n";
  in.close();
  std::ofstream(dir / "manifest.ini") << text;
  const Model old = LoadModel(dir.string());
  BOOST_TEST(old.manifest.formatVersion == 2);
  BOOST_TEST(old.manifest.layers[0].stride == 1u);
  BOOST_TEST(old.manifest.layers[1].padding.ordinary);
  // Format 3 without them is refused.
  std::string three = text;
  three.replace(three.find("format_version = 2"), 18, "format_version = 3");
  std::ofstream(dir / "manifest.ini") << three;
  BOOST_CHECK_THROW(LoadModel(dir.string()), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
