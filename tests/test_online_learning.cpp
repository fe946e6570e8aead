// The online learner (learning/online_learning.hpp): the stream's order and crops, the
// surrogate's statistics against the fidelity they stand for, learning on planted data with
// both update rules, images of several sizes, bit-identical resume, and bad options.
#define BOOST_TEST_MODULE online_learning
#include <boost/test/unit_test.hpp>
#include <random>
#include <set>

#include "conv/conv_operator.hpp"
#include "learning/online_learning.hpp"
#include "test_support.hpp"

using namespace dn;

namespace {

constexpr std::uint64_t kSeed = 20261205;

//! Images in memory as an ImageSource (the test's own: the library's readers are tested in
//! test_image_stream.cpp).
class VectorSource : public ImageSource {
public:
  explicit VectorSource(std::vector<Image<double>> images) : images_(std::move(images)) {}
  std::size_t Count() const override { return images_.size(); }
  ImageShape Shape(std::size_t i) const override {
    return {images_[i].n_rows, images_[i].n_cols, images_[i].n_slices};
  }
  Image<double> Load(std::size_t i) const override { return images_.at(i); }
  std::string Name(std::size_t i) const override { return "image " + std::to_string(i + 1); }

private:
  std::vector<Image<double>> images_;
};

//! `count` images of rows x cols synthesised from a planted dictionary of 4 random 5x5
//! filters with sparse maps (about 2% non-zeros), circular; sizes alternate with `mixed`.
std::vector<Image<double>> PlantedImages(std::size_t count, std::size_t rows, std::size_t cols,
                                         bool mixed = false) {
  std::mt19937_64 generator(kSeed);
  const FilterBank<double> planted = RandomFilters<double>(4, 1, 5, 5, kSeed, false);
  std::vector<Image<double>> images;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t r = mixed && i % 2 ? rows + 6 : rows, c = mixed && i % 3 ? cols + 4 : cols;
    Maps<double> maps(r, c, 4, arma::fill::zeros);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (arma::uword e = 0; e < maps.n_elem; ++e)
      if (uniform(generator) < 0.02) maps[e] = normal(generator);
    const ConvOperator<double> op(planted, r, c, Boundary::Circular);
    images.push_back(op.Apply(maps));
  }
  return images;
}

std::shared_ptr<TrainingStream<double>> Stream(std::vector<Image<double>> images,
                                               std::size_t cropRows = 0, std::size_t cropCols = 0) {
  PreprocessOptions none;
  none.method = PreprocessMethod::None;
  return std::make_shared<TrainingStream<double>>(std::make_shared<VectorSource>(std::move(images)),
                                                  none, kSeed, cropRows, cropCols);
}

LearningOptions Options(std::size_t iterations, const OnlineOptions& online = OnlineOptions()) {
  LearningOptions o;
  o.learner = "online";
  o.online = online;
  o.lambda = 0.2;
  o.iterations = iterations;
  o.codingIterations = 20;
  o.boundary = Boundary::Circular;
  return o;
}

//! The CSC objective summed over `images` at dictionary d, each solved by 300 FISTA iterations.
double SetObjective(const FilterBank<double>& d, const std::vector<Image<double>>& images,
                    double lambda) {
  double sum = 0.0;
  for (const Image<double>& s : images) {
    const ConvOperator<double> op(d, s.n_rows, s.n_cols, Boundary::Circular);
    const auto solver = MakeCscSolver<double>("fista");
    solver->Reset(op, s, lambda);
    SolveOptions options;
    options.maxIterations = 300;
    sum += solver->Solve(options).last.objective;
  }
  return sum;
}

struct Objectives : Observer {
  std::vector<double> values;
  bool Observe(const IterationRecord& r) override {
    values.push_back(r.objective);
    return false;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_epoch_draws_every_image_once_in_a_seeded_order) {
  BOOST_TEST_MESSAGE("seed " << kSeed);
  auto stream = Stream(PlantedImages(7, 12, 12));
  std::vector<std::size_t> first, second;
  for (std::size_t p = 0; p < 7; ++p) first.push_back(stream->IndexAt(p));
  for (std::size_t p = 7; p < 14; ++p) second.push_back(stream->IndexAt(p));
  BOOST_TEST(std::set<std::size_t>(first.begin(), first.end()).size() == 7u);
  BOOST_TEST(std::set<std::size_t>(second.begin(), second.end()).size() == 7u);
  BOOST_TEST((first != second));
  auto again = Stream(PlantedImages(7, 12, 12));
  BOOST_TEST(again->IndexAt(10) == stream->IndexAt(10));  // out of order: the same draw
  BOOST_TEST(again->IndexAt(3) == first[3]);
}

BOOST_AUTO_TEST_CASE(crops_are_windows_of_the_image) {
  const std::vector<Image<double>> images = PlantedImages(3, 20, 16);
  auto stream = Stream(images, 8, 6);
  for (std::size_t p = 0; p < 6; ++p) {
    const Image<double> crop = stream->Draw(p);
    BOOST_TEST((crop.n_rows == 8u && crop.n_cols == 6u));
    const Image<double>& whole = images[stream->IndexAt(p)];
    bool found = false;
    for (arma::uword r = 0; r + 8 <= whole.n_rows && !found; ++r)
      for (arma::uword c = 0; c + 6 <= whole.n_cols && !found; ++c)
        found =
            arma::approx_equal(Image<double>(whole.tube(r, c, r + 7, c + 5)), crop, "absdiff", 0.0);
    BOOST_TEST(found);
  }
}

BOOST_AUTO_TEST_CASE(surrogate_statistics_give_the_fidelity) {
  std::mt19937_64 generator(kSeed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (Boundary boundary : {Boundary::Circular, Boundary::Valid}) {
    for (std::size_t channels : {1, 3}) {
      BOOST_TEST_CONTEXT(ToString(boundary) << ", " << channels << " channel(s)") {
        const std::size_t K = 3, h = 4, w = 3, rows = 11, cols = 9;
        FilterBank<double> d = RandomFilters<double>(K, channels, h, w, kSeed + 1, false);
        const ConvOperator<double> op(d, rows, cols, boundary);
        Maps<double> z(op.MapRows(), op.MapCols(), K, arma::fill::zeros);
        for (arma::uword e = 0; e < z.n_elem; ++e)
          if (uniform(generator) < 0.3) z[e] = normal(generator);
        Image<double> s(rows, cols, channels);
        for (arma::uword e = 0; e < s.n_elem; ++e) s[e] = normal(generator);
        arma::Cube<double> lags(2 * h - 1, 2 * w - 1, K * K, arma::fill::zeros);
        arma::Cube<double> b(h, w, K * channels, arma::fill::zeros);
        AddMapStatistics(z, s, h, w, boundary, lags, b);
        arma::Cube<double> ad;
        ApplyLagStatistics(lags, d.data, channels, ad);
        const double surrogate = 0.5 * arma::accu(d.data % ad) - arma::accu(b % d.data) +
                                 0.5 * arma::accu(arma::square(s));
        const double fidelity = 0.5 * arma::accu(arma::square(op.Apply(z) - s));
        if (boundary == Boundary::Circular)
          BOOST_TEST(surrogate == fidelity, boost::test_tools::tolerance(1e-10));
        else
          BOOST_TEST(surrogate >= fidelity * (1 - 1e-12));
        // The linear term is exact for both: <b, d> = <D z, s>.
        BOOST_TEST(arma::accu(b % d.data) == arma::accu(op.Apply(z) % s),
                   boost::test_tools::tolerance(1e-10));
      }
    }
  }
  // Maps zero near the border: the valid surrogate is exact too.
  const FilterBank<double> d = RandomFilters<double>(2, 1, 3, 3, kSeed, false);
  const ConvOperator<double> op(d, 10, 10, Boundary::Valid);
  Maps<double> z(op.MapRows(), op.MapCols(), 2, arma::fill::zeros);
  z(5, 6, 0) = 1.5;
  z(6, 4, 1) = -0.5;
  Image<double> s(10, 10, 1, arma::fill::ones);
  arma::Cube<double> lags(5, 5, 4, arma::fill::zeros), b(3, 3, 2, arma::fill::zeros), ad;
  AddMapStatistics(z, s, 3, 3, Boundary::Valid, lags, b);
  ApplyLagStatistics(lags, d.data, 1, ad);
  BOOST_TEST(0.5 * arma::accu(d.data % ad) - arma::accu(b % d.data) + 50.0 ==
                 0.5 * arma::accu(arma::square(op.Apply(z) - s)),
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(both_rules_learn_planted_data) {
  const std::vector<Image<double>> images = PlantedImages(12, 24, 24);
  const FilterBank<double> start = RandomFilters<double>(4, 1, 5, 5, kSeed + 7, false);
  const double before = SetObjective(start, images, Options(1).lambda);
  for (const std::string update : {"sgd", "surrogate"}) {
    BOOST_TEST_CONTEXT(update) {
      OnlineOptions online;
      online.batchSize = 3;
      online.update = update;
      OnlineLearner<double> learner(Options(40, online), Stream(images), start);
      Objectives seen;
      learner.Run(&seen);
      BOOST_TEST(seen.values.size() == 40u);
      BOOST_TEST(learner.Iteration() == 40u);
      // Measured at commit time: 176.4 before; after 40 iterations (10 epochs) sgd 152.8,
      // surrogate 134.2 (the planted dictionary gives 82.4).
      const double after = SetObjective(learner.Dictionary(), images, Options(1).lambda);
      BOOST_TEST_MESSAGE(update << ": set objective " << before << " -> " << after);
      BOOST_TEST(after < 0.9 * before);
      for (arma::uword k = 0; k < 4; ++k)
        BOOST_TEST(arma::norm(arma::vectorise(learner.Dictionary().Filter(k, 0))) <= 1 + 1e-12);
      BOOST_CHECK_THROW(learner.MapsOf(0), std::logic_error);
    }
  }
}

BOOST_AUTO_TEST_CASE(images_of_several_sizes_and_crops_mix) {
  for (const std::string update : {"sgd", "surrogate"}) {
    OnlineOptions online;
    online.batchSize = 4;
    online.update = update;
    const FilterBank<double> start = RandomFilters<double>(4, 1, 5, 5, kSeed, false);
    OnlineLearner<double> mixed(Options(4, online), Stream(PlantedImages(9, 20, 22, true)), start);
    BOOST_TEST(std::isfinite(mixed.Run().objective));
    online.cropRows = online.cropCols = 12;
    OnlineLearner<double> cropped(Options(4, online),
                                  Stream(PlantedImages(9, 20, 22, true), 12, 12), start);
    BOOST_TEST(std::isfinite(cropped.Run().objective));
  }
}

BOOST_AUTO_TEST_CASE(a_restored_learner_goes_on_bit_for_bit) {
  for (const std::string update : {"sgd", "surrogate"}) {
    BOOST_TEST_CONTEXT(update) {
      OnlineOptions online;
      online.batchSize = 2;
      online.update = update;
      const std::vector<Image<double>> images = PlantedImages(5, 16, 16);
      const FilterBank<double> start = RandomFilters<double>(4, 1, 5, 5, kSeed, false);
      OnlineLearner<double> whole(Options(6, online), Stream(images), start);
      whole.Run();
      OnlineLearner<double> first(Options(3, online), Stream(images), start);
      first.Run();
      const SavedState<double> saved = first.SaveState();
      OnlineLearner<double> second(Options(3, online), Stream(images), start);
      second.RestoreState(saved);
      BOOST_TEST(second.Iteration() == 3u);
      second.Run();
      BOOST_TEST(
          arma::approx_equal(second.Dictionary().data, whole.Dictionary().data, "absdiff", 0.0));
      // The state is the dictionary, counters and (surrogate) the statistics: no image's maps.
      std::size_t numbers = 0;
      for (const auto& [name, array] : saved.arrays) numbers += array.n_elem;
      BOOST_TEST(numbers == (update == "sgd" ? 100u : 100u + 16u * 81u + 100u + 100u));
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
  const auto message = [](const std::function<void()>& make) {
    try {
      make();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const FilterBank<double> start = RandomFilters<double>(4, 1, 5, 5, kSeed, false);
  const auto learner = [&](OnlineOptions online, std::size_t count = 3) {
    return [=] {
      OnlineLearner<double>(Options(1, online), Stream(PlantedImages(count, 12, 12)), start);
    };
  };
  OnlineOptions o;
  o.batchSize = 4;
  BOOST_TEST(message(learner(o)) == "--batch-size 4 is larger than the training set (3 images)");
  o = OnlineOptions();
  o.batchSize = 0;
  BOOST_TEST(message(learner(o)) == "--batch-size must be positive");
  o = OnlineOptions();
  o.etaA = -1;
  BOOST_TEST(message(learner(o)) == "--eta-a must be finite and > 0");
  o = OnlineOptions();
  o.forgetting = 1.5;
  BOOST_TEST(message(learner(o)) == "--forgetting must be in (0, 1]");
  o = OnlineOptions();
  o.update = "adam";
  BOOST_TEST(message(learner(o)) == "--update must be sgd or surrogate, not 'adam'");
  o = OnlineOptions();
  o.batchSize = 1;
  BOOST_TEST(message([] { Stream(PlantedImages(2, 12, 12), 16, 16); }) ==
             "--crop 16x16 is larger than image 1 (12x12)");
  o.cropRows = o.cropCols = 4;
  BOOST_TEST(message([&] {
               OnlineLearner<double>(Options(1, o), Stream(PlantedImages(2, 12, 12), 4, 4), start);
             }) == "the filters (5x5) are larger than the crop (4x4)");
}
