// The learning run as a library object (lib/run): a run stopped and resumed in-process gives
// the dictionary of an uninterrupted one bit for bit, the checkpoint schedule, the history.csv
// and config round trips, the config's checks, and a run without output directory writes nothing.
#define BOOST_TEST_MODULE run_learning
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "io/npy.hpp"
#include "run/inference.hpp"
#include "run/learning_run.hpp"

using namespace dn;

namespace {

namespace fs = std::filesystem;

//! A fresh, empty directory removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("dn_test_run_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

//! Two seeded 24x24 grey images.
std::vector<Image<double>> TinyImages() {
  std::mt19937_64 generator(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Image<double>> images(2, Image<double>(24, 24, 1));
  for (Image<double>& image : images)
    for (arma::uword i = 0; i < image.n_elem; ++i) image[i] = normal(generator);
  return images;
}

//! 4 filters of 5x5, 6 iterations, in double precision; with `depth` 2, a pooling layer 1 and
//! a pixel-mode layer 2 of 4 filters of 3x3.
LearningConfig TinyConfig(std::size_t depth) {
  LearningConfig c;
  c.filters = 4;
  c.filterSize = {5, 5};
  c.learning.iterations = 6;
  c.preprocess.method = PreprocessMethod::None;
  c.precision = Precision::Double;
  c.checkpoints.seconds = 0;
  if (depth == 2) {
    c.layers.resize(2);
    c.layers[0].pooling = ParsePooling("2");
    c.layers[1].filterSize = FilterSize{3, 3};
    c.layers[1].iterations = 4;
    c.layers[1].inference = InferenceMode::Pixel;
  }
  return c;
}

//! Stops the run after iteration `at` of layer `layer`; counts the records.
struct StopAt : LearningRunObserver {
  std::size_t layer = 0, at = 0, records = 0;
  bool Observe(const IterationRecord& r) override {
    ++records;
    return r.layer == layer && r.iteration == at;
  }
};

bool Same(const Network<double>& a, const Network<double>& b) {
  if (a.filters.size() != b.filters.size()) return false;
  for (std::size_t l = 0; l < a.filters.size(); ++l)
    if (!arma::approx_equal(a.filters[l].data, b.filters[l].data, "absdiff", 0.0)) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(stopped_and_resumed_runs_equal_uninterrupted_ones) {
  const std::vector<Image<double>> images = TinyImages();
  for (std::size_t depth : {1, 2}) {
    BOOST_TEST_CONTEXT("depth " << depth) {
      const LearningConfig config = TinyConfig(depth);
      LearningRun whole(config, images);
      BOOST_TEST(whole.Run());
      BOOST_TEST(whole.Finished());

      ScratchDir dir;
      const std::string out = dir.path.string();
      std::string checkpoint;
      {
        LearningRun first(config, images, nullptr, out);
        StopAt stop;
        stop.layer = depth;
        stop.at = 2;
        BOOST_TEST(!first.Run(&stop));
        BOOST_TEST(!first.Finished());
        checkpoint = first.LastCheckpoint();
        BOOST_TEST(checkpoint == NewestCheckpoint(out));
        BOOST_TEST(fs::path(checkpoint).filename().string() ==
                   (depth == 1 ? "iteration-000002" : "layer-2-iteration-000002"));
        BOOST_TEST(first.Position() ==
                   (depth == 1 ? "iteration 2 of 6" : "layer 2 iteration 2 of 4"));
      }
      LearningRun resumed(LearningRun::StoredConfig(checkpoint), images, nullptr, out);
      resumed.Resume(checkpoint);
      BOOST_TEST(resumed.CurrentLayer() == depth);
      BOOST_TEST(resumed.Run());
      BOOST_TEST(Same(resumed.Trained(), whole.Trained()));
      BOOST_TEST(resumed.History().Csv().size() > 0);
      BOOST_TEST(resumed.History().Rows().size() == whole.History().Rows().size());
      BOOST_TEST(resumed.LastRecord().objective == whole.LastRecord().objective);

      // Outputs as dn-learn writes them.
      ScratchDir outputs;
      resumed.WriteOutputs(outputs.path.string());
      for (const std::string& name : LearningRun::OutputNames(depth))
        if (name != "run.ini") BOOST_TEST(fs::exists(outputs.path / name), name);
      // The model in memory is the one written.
      const Model written = LoadModel(outputs.path.string()), result = resumed.Result();
      BOOST_TEST(Same(ToNetwork(result), ToNetwork(written)));
      BOOST_TEST(result.manifest.layers.size() == written.manifest.layers.size());
      for (std::size_t l = 0; l < depth; ++l) {
        const LayerSpec &a = result.manifest.layers[l], &b = written.manifest.layers[l];
        BOOST_TEST((a.filters == b.filters && a.channels == b.channels && a.lambda == b.lambda &&
                    a.filterRows == b.filterRows && a.connectivity == b.connectivity &&
                    a.connectivitySeed == b.connectivitySeed && a.inference == b.inference &&
                    ToString(a.pooling) == ToString(b.pooling)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(resuming_checks_data_and_iterations) {
  const std::vector<Image<double>> images = TinyImages();
  ScratchDir dir;
  const std::string out = dir.path.string();
  LearningRun run(TinyConfig(1), images, nullptr, out);
  BOOST_TEST(run.Run());
  const std::string checkpoint = NewestCheckpoint(out);
  BOOST_TEST(fs::path(checkpoint).filename().string() == "iteration-000006");

  LearningConfig fewer = TinyConfig(1);
  fewer.learning.iterations = 5;
  LearningRun shorter(fewer, images, nullptr, out);
  BOOST_CHECK_EXCEPTION(
      shorter.Resume(checkpoint), std::invalid_argument, [](const std::invalid_argument& e) {
        return std::string(e.what()) == "--iterations 5 is fewer than the 6 the run has done";
      });
  std::vector<Image<double>> other = images;
  other[0](0, 0, 0) += 1;
  LearningRun changed(TinyConfig(1), other, nullptr, out);
  BOOST_CHECK_THROW(changed.Resume(checkpoint), std::runtime_error);
  LearningRun network(TinyConfig(2), images, nullptr, out);
  BOOST_CHECK_THROW(network.Resume(checkpoint), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(a_run_without_output_directory_writes_no_file) {
  ScratchDir dir;
  const fs::path before = fs::current_path();
  fs::current_path(dir.path);
  {
    LearningConfig config = TinyConfig(1);
    config.checkpoints.every = 1;
    LearningRun run(config, TinyImages());
    StopAt stop;
    stop.layer = 1;
    stop.at = 3;
    BOOST_TEST(!run.Run(&stop));
    BOOST_TEST(run.LastCheckpoint().empty());
    BOOST_TEST(stop.records == 3u);
    BOOST_TEST(run.Trained().filters.size() == 1u);
    BOOST_CHECK_THROW(run.Run(&stop), std::logic_error);
  }
  const bool empty = fs::is_empty(dir.path);
  fs::current_path(before);
  BOOST_TEST(empty);
}

BOOST_AUTO_TEST_CASE(request_stop_stops_after_the_current_iteration) {
  LearningRun run(TinyConfig(1), TinyImages());
  struct Stopper : LearningRunObserver {
    LearningRun* run = nullptr;
    bool Observe(const IterationRecord& r) override {
      if (r.iteration == 2) run->RequestStop();
      return false;
    }
  } stopper;
  stopper.run = &run;
  BOOST_TEST(!run.Run(&stopper));
  BOOST_TEST(run.Position() == "iteration 2 of 6");
  BOOST_TEST(run.History().Rows().size() == 2u);
}

BOOST_AUTO_TEST_CASE(checkpoint_schedule) {
  CheckpointPolicy policy;
  const double kLongWayLeft = 1e9;  // seconds the layer needs yet
  policy.every = 3;
  policy.seconds = 0;
  const CheckpointSchedule every(policy);
  BOOST_TEST(every.Due(3, kLongWayLeft));
  BOOST_TEST(every.Due(3, 0.0));  // --checkpoint-every does not look ahead
  BOOST_TEST(every.Due(6, kLongWayLeft));
  BOOST_TEST(!every.Due(4, kLongWayLeft));
  policy.every = 0;
  BOOST_TEST(!CheckpointSchedule(policy).Due(3, kLongWayLeft));
  policy.seconds = 3600;
  CheckpointSchedule hourly(policy);
  BOOST_TEST(!hourly.Due(1, kLongWayLeft));
  policy.seconds = 1e-3;
  CheckpointSchedule often(policy);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BOOST_TEST(often.Due(1, kLongWayLeft));
  BOOST_TEST(!often.Due(1, 1e-4));  // left to the end-of-layer checkpoint, due sooner
  often.Written();
  BOOST_TEST(!often.Due(2, kLongWayLeft));
  // --checkpoint-share: after a checkpoint that took 1 s, the seconds rule waits 19 s (5%).
  often.Written(1.0);
  BOOST_TEST(often.Wait() == 19.0, boost::test_tools::tolerance(1e-12));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BOOST_TEST(!often.Due(3, kLongWayLeft));
  policy.share = 0;
  CheckpointSchedule unbounded(policy);
  unbounded.Written(1.0);
  BOOST_TEST(unbounded.Wait() == 1e-3);
  policy.every = 2;
  CheckpointSchedule counted(policy);
  counted.Written(100.0);
  BOOST_TEST(counted.Due(2, kLongWayLeft));  // --checkpoint-every is not bounded
  policy.share = 1;
  BOOST_CHECK_THROW(policy.Validate(), std::invalid_argument);
  BOOST_TEST(CheckpointDirectory("/x/run") == "/x/run/checkpoints");
}

BOOST_AUTO_TEST_CASE(history_csv_round_trip) {
  LearningHistory history;
  for (std::size_t layer = 1; layer <= 2; ++layer)
    for (std::size_t i = 1; i <= 3; ++i) {
      IterationRecord r;
      r.iteration = i;
      r.seconds = 0.1234567 * static_cast<double>(i);
      r.objective = 1.0 / 3.0 + static_cast<double>(i);
      r.fidelity = 2.0 / 7.0;
      r.l1 = 1e-9 / 3.0;
      r.density = 0.123456789;
      r.rejectedSteps = i - 1;
      if (i == 2) r.testObjective = 5.0 / 3.0;
      history.Add(layer, r);
    }
  const std::string csv = history.Csv();
  BOOST_TEST(csv.rfind(LearningHistory::kHeader, 0) == 0u);
  BOOST_TEST(
      csv.find("\n1,1,0.123457,1.33333333333,0.285714285714,3.33333333333e-10,0.12345679,0,\n") !=
      std::string::npos);
  BOOST_TEST(csv.find(",0.12345679,1,1.66666666667\n") != std::string::npos);
  const LearningHistory read = LearningHistory::FromCsv(csv);
  BOOST_TEST(read.Csv() == csv);
  BOOST_TEST(read.Rows().size() == 6u);
  BOOST_TEST(read.Span(2).first.iteration == 1u);
  BOOST_TEST(read.Span(2).second.iteration == 3u);
  BOOST_TEST(read.Last().rejectedSteps == 2u);
  BOOST_TEST(LearningHistory::FromCsv("not a history").Empty());
  BOOST_TEST(read.Rows()[1].record.testObjective == 1.66666666667);  // as written, %.12g
  BOOST_TEST(std::isnan(read.Rows()[0].record.testObjective));
  // history.csv as written before the test_objective column (checkpoints of earlier versions).
  const LearningHistory old = LearningHistory::FromCsv(
      "layer,iteration,seconds,objective,fidelity,l1,density,rejected_steps\n"
      "1,1,0.5,2.5,1.5,10,0.25,0\n1,2,1,2,1,10,0.25,1\n");
  BOOST_TEST(old.Rows().size() == 2u);
  BOOST_TEST(old.Last().objective == 2.0);
  BOOST_TEST(std::isnan(old.Last().testObjective));
}

// The held-out test objective that a run records is, at the iterations --test-every names and
// at the last, the mean over the test images of the objective that the run's solver reaches from
// zero maps in --test-iterations iterations over the filters of that iteration: recomputed here
// with SparseCode over the filters an observer copied.
BOOST_AUTO_TEST_CASE(test_objective_is_the_mean_objective_of_the_held_out_images) {
  ScratchDir dir;
  const std::vector<Image<double>> images = TinyImages();
  // Two test images of two sizes, one of them a training image, through a list of two stacks.
  const std::vector<Image<double>> held = {images[1], images[0].subcube(0, 0, 0, 19, 17, 0)};
  WriteNpy((dir.path / "a.npy").string(), held[0], true);
  WriteNpy((dir.path / "b.npy").string(), held[1], true);
  std::ofstream((dir.path / "list.txt").string()) << "a.npy\nb.npy\n";
  LearningConfig c = TinyConfig(1);
  c.test.path = (dir.path / "list.txt").string();
  c.test.every = 4;
  c.test.iterations = 7;
  struct FilterKeeper : LearningRunObserver {
    LearningRun* run = nullptr;
    std::vector<std::pair<IterationRecord, FilterBank<double>>> seen;
    bool Observe(const IterationRecord& r) override {
      seen.emplace_back(r, run->Trained().filters[0]);
      return false;
    }
  } keeper;
  LearningRun run(c, images);
  keeper.run = &run;
  BOOST_REQUIRE(run.Run(&keeper));
  BOOST_REQUIRE(keeper.seen.size() == 6u);
  InferenceConfig coding;
  coding.lambda = c.learning.lambda;
  coding.solver = c.learning.solver;
  coding.boundary = c.learning.boundary;
  coding.iterations = c.test.iterations;
  coding.tolerance = 0;
  for (const auto& [record, filters] : keeper.seen) {
    const bool due = record.iteration == 4 || record.iteration == 6;
    BOOST_TEST_CONTEXT("iteration " << record.iteration) {
      BOOST_TEST(std::isnan(record.testObjective) == !due);
      if (!due) continue;
      double mean = 0;
      for (const Image<double>& image : held)
        mean += SparseCode(filters, image, coding).metrics.objective / double(held.size());
      BOOST_TEST(record.testObjective == mean, boost::test_tools::tolerance(1e-9));
    }
  }
  BOOST_TEST(run.History().Rows()[3].record.testObjective == keeper.seen[3].first.testObjective);
}

// dn-learn's inputs: the online learner's opened by their headers, each at its own size; the
// batch learner's read and centre-cropped to one size; draws the images cannot give and batch
// runs that cannot fit refused (invalid_argument) before reading, unreadable files runtime_error.
BOOST_AUTO_TEST_CASE(training_inputs) {
  ScratchDir dir;
  WriteNpy((dir.path / "a.npy").string(), arma::Cube<double>(20, 18, 1, arma::fill::randu), true);
  WriteNpy((dir.path / "b.npy").string(), arma::Cube<double>(16, 24, 1, arma::fill::randu), true);
  const std::vector<std::string> inputs = {(dir.path / "a.npy").string(),
                                           (dir.path / "b.npy").string()};
  LearningConfig c = TinyConfig(1);
  const TrainingInputs batch = OpenTrainingInputs(c, inputs, 0);
  BOOST_TEST(batch.cropped);
  BOOST_TEST(batch.Count() == 2u);
  BOOST_TEST((batch.shape.rows == 16 && batch.shape.cols == 18 && batch.shape.channels == 1));
  BOOST_TEST(batch.Describe() == "2 images of 16x18x1");
  BOOST_CHECK_THROW(OpenTrainingInputs(c, inputs, 1000), std::invalid_argument);  // 1 kB
  c.learning.learner = "online";
  c.learning.online.batchSize = 2;
  const TrainingInputs online = OpenTrainingInputs(c, inputs, 1000);  // no memory check
  BOOST_TEST(online.images.empty());
  BOOST_TEST(online.source->Shape(1).cols == 24u);
  BOOST_TEST(online.Describe() == "2 images read as drawn, the smallest 16x18x1");
  c.learning.online.batchSize = 3;
  BOOST_CHECK_THROW(OpenTrainingInputs(c, inputs, 0), std::invalid_argument);
  c.learning.learner = "batch";
  BOOST_CHECK_THROW(OpenTrainingInputs(c, {(dir.path / "missing.npy").string()}, 0),
                    std::runtime_error);
  ResolvedLayer layer;
  layer.spec.filters = 4;
  layer.size = {5, 3};
  BOOST_TEST(DescribeLayers({layer, layer}) == "4 filters of 5x3, then 4 filters of 5x3");
}

BOOST_AUTO_TEST_CASE(test_set_checks) {
  ScratchDir dir;
  LearningConfig c = TinyConfig(1);
  const auto message = [&](const LearningConfig& config) {
    try {
      LearningRun run(config, TinyImages());
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  WriteNpy((dir.path / "small.npy").string(), arma::Cube<double>(4, 12, 1, arma::fill::ones), true);
  c.test.path = (dir.path / "small.npy").string();
  BOOST_TEST(message(c).find("is smaller than the 5x5 filters") != std::string::npos);
  c.test.path = (dir.path / "missing.npy").string();
  BOOST_CHECK_THROW(LearningRun(c, TinyImages()), std::runtime_error);
  c.test.path = (dir.path / "small.npy").string();
  c.test.every = 0;
  BOOST_TEST(message(c) == "--test-every must be positive");
  c.test.every = 1;
  c.test.iterations = 0;
  BOOST_TEST(message(c) == "--test-iterations must be positive");
  LearningConfig network = TinyConfig(2);
  network.test.path = c.test.path;
  BOOST_TEST(message(network).find("--test monitors one-layer runs") == 0u);
  // Colour test images for grey training images: the channel counts differ.
  std::vector<Image<double>> colour(2, Image<double>(24, 24, 3, arma::fill::randu));
  LearningConfig grey = TinyConfig(1);
  grey.colour = true;
  grey.test.path = (dir.path / "small.npy").string();
  try {
    LearningRun run(grey, colour);
    BOOST_FAIL("a grey test set for colour training images was accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("has 1 channel(s) but the training images have 3") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(config_checks_and_round_trip) {
  LearningConfig c = TinyConfig(2);
  c.layers[1].lambda = 0.25;
  c.layers[1].filters = 6;
  c.seed = 12;
  const std::string text = LearningConfigText(c);
  BOOST_TEST(LearningConfigText(ParseLearningConfig(text)) == text);
  BOOST_CHECK_THROW(ParseLearningConfig("filters = many\n"), std::runtime_error);

  const auto message = [](const LearningConfig& config) {
    try {
      config.Validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BOOST_TEST(message(c).empty());
  LearningConfig bad = c;
  bad.layers[1].lambda = -1;
  BOOST_TEST(message(bad) == "--layer2.lambda must be finite and >= 0");
  bad = c;
  bad.layers[1].pooling = ParsePooling("2");
  BOOST_TEST(message(bad) ==
             "--layer2.pooling: layer 2 is the top layer and its pooling would feed nothing");
  bad = c;
  bad.learning.dictionary.method = "sgd";
  BOOST_TEST(message(bad) == "--dictionary-method must be fista or pgd, not 'sgd'");
  BOOST_CHECK_THROW(FilterSize::Parse("7y9"), std::invalid_argument);
  BOOST_TEST(FilterSize::Parse("7x9").ToString() == "7x9");
  BOOST_CHECK_THROW(ResolveLayers(TinyConfig(1), 1, 4, 4), std::invalid_argument);
  const std::vector<ResolvedLayer> layers = ResolveLayers(c, 1, 24, 24);
  BOOST_TEST(layers.size() == 2u);
  BOOST_TEST(layers[1].spec.channels == 4u);
  BOOST_TEST(layers[1].spec.lambda == 0.25);
  BOOST_TEST(layers[1].iterations == 4u);

  // Strided layers: the run-wide stride and padding are every layer's unless it gives its own.
  LearningConfig strided = c;
  strided.stride = 2;
  strided.layers[1].padding = Padding::Parse("1x2");
  strided.layers[1].inference = InferenceMode::Layer;  // strided layers code their own input
  const std::string stridedText = LearningConfigText(strided);
  BOOST_TEST(LearningConfigText(ParseLearningConfig(stridedText)) == stridedText);
  BOOST_TEST(message(strided).empty());
  const std::vector<ResolvedLayer> stridedLayers = ResolveLayers(strided, 1, 24, 24);
  BOOST_TEST((stridedLayers[0].spec.stride == 2u && stridedLayers[0].spec.padding.ordinary));
  BOOST_TEST((stridedLayers[1].spec.stride == 2u && stridedLayers[1].spec.padding.rows == 1u &&
              stridedLayers[1].spec.padding.cols == 2u));
  BOOST_TEST(ParseLearningConfig(LearningConfigText(c)).stride == 1u);
  bad = strided;
  bad.stride = 0;
  BOOST_TEST(message(bad) == "--stride must be at least 1");
  bad = strided;
  bad.learning.solver = "admm";
  BOOST_TEST(
      message(bad) ==
      "strided layers (--stride, --padding) are coded with ista or fista, not --solver admm");
  bad = c;
  bad.layers[1].stride = 2;
  bad.learning.learner = "online";
  BOOST_TEST(message(bad).find("are learned by the batch learner, not --learner online") !=
             std::string::npos);
  bad = strided;
  bad.layers[1].padding = Padding::Parse("3");  // layer 2's filters are 3x3 (TinyConfig)
  BOOST_CHECK_THROW(ResolveLayers(bad, 1, 24, 24), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(layer_settings_read_back_their_text) {
  LayerSettings layer;
  BOOST_TEST(!LayerSettingText(layer, "lambda").has_value());
  BOOST_TEST(*LayerSettingText(layer, "pooling") == "none");
  const std::vector<std::string> texts = {"6",     "7x9",   "0.3", "12", "singles-and-doubles",
                                          "2x2x1", "pixel", "2",   "1x3"};
  for (std::size_t k = 0; k < kLayerKeys.size(); ++k)
    SetLayerSetting(layer, kLayerKeys[k], texts[k], "--layer2." + kLayerKeys[k]);
  BOOST_TEST((*layer.filters == 6u && *layer.iterations == 12u && *layer.lambda == 0.3));
  BOOST_TEST((layer.connectivity == ConnectivityType::SinglesAndDoubles &&
              layer.inference == InferenceMode::Pixel));
  for (std::size_t k = 0; k < kLayerKeys.size(); ++k)
    BOOST_TEST(*LayerSettingText(layer, kLayerKeys[k]) == texts[k]);

  const auto message = [&](const std::string& key, const std::string& text) {
    try {
      SetLayerSetting(layer, key, text, "--layer2." + key);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BOOST_TEST(message("filters", "-3") == "--layer2.filters must be positive");
  BOOST_TEST(message("iterations", "x") == "--layer2.iterations must be a whole number, not 'x'");
  BOOST_TEST(message("lambda", "0.1y") == "--layer2.lambda must be a number, not '0.1y'");
  BOOST_TEST(message("pooling", "3y").rfind("--layer2.pooling: ", 0) == 0u);
  BOOST_TEST(message("padding", "-1") ==
             "--layer2.padding must be default, P or PxQ with whole numbers, like 1 or 3x2, not "
             "'-1'");
  BOOST_TEST(message("depth", "1") == "unknown layer setting 'depth'");

  const ResolvedLayer resolved = ResolveLayers(TinyConfig(2), 1, 24, 24)[1];
  const LayerSettings settings = resolved.Settings();
  BOOST_TEST((*settings.filters == resolved.spec.filters && *settings.iterations == 4u));
  BOOST_TEST(settings.filterSize->ToString() == resolved.size.ToString());
}

BOOST_AUTO_TEST_CASE(run_settings_read_back_their_text_and_config_files_read) {
  LearningConfig c;
  for (const std::string& key : kRunKeys) {
    LearningConfig copy;
    SetLearningSetting(copy, key, LearningSettingText(c, key));
    BOOST_TEST(LearningSettingText(copy, key) == LearningSettingText(c, key));
  }
  SetLearningSetting(c, "zero-mean", "on");
  BOOST_TEST(c.learning.dictionary.zeroMean);
  const auto message = [&](const std::string& key, const std::string& text) {
    try {
      SetLearningSetting(c, key, text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BOOST_TEST(message("iterations", "-2") == "--iterations must be a whole number, not '-2'");
  BOOST_TEST(message("colour", "maybe") == "--colour must be true or false, not 'maybe'");
  BOOST_TEST(message("threads", "2") == "unknown learning setting 'threads'");

  ScratchDir dir;
  const std::string path = (dir.path / "net.ini").string();
  const auto write = [&](const std::string& text) {
    std::ofstream(path) << text;
    return path;
  };
  const LearningConfig read = ReadLearningConfigFile(
      write("# two layers\nlayers = 2\nfilter-size = 7\npreprocess = lcn\n\n[layer1]\n"
            "filters = 9 ; nine\nlambda = 1\n[layer2]\nconnectivity = singles-and-doubles\n"));
  BOOST_TEST(read.layers.size() == 2u);
  BOOST_TEST(read.filterSize.ToString() == "7x7");
  BOOST_TEST((read.preprocess.method == PreprocessMethod::Lcn));
  BOOST_TEST((*read.layers[0].filters == 9u && *read.layers[0].lambda == 1.0));
  BOOST_TEST((read.layers[1].connectivity == ConnectivityType::SinglesAndDoubles));
  BOOST_TEST(read.filters == LearningConfig().filters);
  const auto fileMessage = [&](const std::string& text) {
    try {
      ReadLearningConfigFile(write(text));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BOOST_TEST(fileMessage("filters = 3\nout = results\n") == path + ":2: unknown option 'out'");
  BOOST_TEST(fileMessage("[layer5]\nlambda = 1\n") == path + ":2: unknown option 'layer5.lambda'");
  BOOST_TEST(fileMessage("[layer2]\nlambda = x\n") ==
             path + ":2: --layer2.lambda must be a number, not 'x'");
  BOOST_TEST(fileMessage("layers = 1\n[layer2]\nlambda = 1\n") ==
             path + ": --layer2.lambda is given but --layers is 1");
  BOOST_CHECK_THROW(ReadLearningConfigFile((dir.path / "missing.ini").string()),
                    std::runtime_error);
}

BOOST_AUTO_TEST_CASE(batch_runs_that_would_not_fit_are_refused_with_their_estimate) {
  LearningConfig c;  // 64 filters of 8x8, fista, single
  const std::size_t one = EstimateBatchBytes(c, 1, 1, 256, 256);
  const std::size_t ten = EstimateBatchBytes(c, 10, 1, 256, 256);
  // Measured: 4.9 map-sized arrays per image (fista, a checkpoint included); the estimate is 5.5.
  BOOST_TEST(double(ten - one) / 9 == 5.5 * 4 * 64 * 263 * 263 + 256 * 256 * 12.0,
             boost::test_tools::tolerance(1e-9));
  c.learning.solver = "admm";
  c.learning.boundary = Boundary::Circular;
  BOOST_TEST(EstimateBatchBytes(c, 10, 1, 256, 256) < ten);
  c = LearningConfig();
  BOOST_CHECK_NO_THROW(CheckBatchFits(c, 10, 1, 256, 256, ten));
  BOOST_CHECK_NO_THROW(CheckBatchFits(c, 10, 1, 256, 256, 0));  // unknown: no check
  try {
    CheckBatchFits(c, 100, 1, 480, 720, std::size_t(24e9));
    BOOST_FAIL("100 images of 720x480 fit in 24 GB");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) ==
               "the batch learner would need about 50.4 GB for 100 images of 480x720 (0.5 GB "
               "each), more than the 24.0 GB available; use --learner online, which keeps no "
               "image's maps (docs/online.md)");
  }
  c.learning.learner = "online";
  BOOST_CHECK_NO_THROW(CheckBatchFits(c, 100, 1, 480, 720, 1));
}

BOOST_AUTO_TEST_CASE(layers_come_from_the_highest_setting_or_the_count_given) {
  std::vector<LayerSettingsText> given(kMaxLayers);
  LearningConfig c;
  SetLayers(c, given, std::nullopt);
  BOOST_TEST(c.layers.empty());
  SetLayers(c, given, 2);
  BOOST_TEST(c.layers.size() == 2u);
  given[2] = {{"lambda", "0.5"}, {"pooling", "2"}};
  c = LearningConfig();
  SetLayers(c, given, std::nullopt);
  BOOST_TEST(c.layers.size() == 3u);
  BOOST_TEST(*c.layers[2].lambda == 0.5);
  BOOST_TEST(c.layers[2].pooling.Active());
  BOOST_TEST(!c.layers[0].lambda.has_value());

  const auto message = [&](std::optional<long long> depth) {
    try {
      LearningConfig config;
      SetLayers(config, given, depth);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BOOST_TEST(message(2) == "--layer3.lambda is given but --layers is 2");
  BOOST_TEST(message(0) == "--layers must be 1 to 4");
  BOOST_TEST(message(4).empty());
  given[1] = {{"filters", "-1"}};
  BOOST_TEST(message(4) == "--layer2.filters must be positive");
}

BOOST_AUTO_TEST_CASE(initial_filters_set_or_check_layer_one_shape) {
  InitialFilters initial{FilterBank<double>(7, 1, 5, 3), "--init D.npy"};
  initial.filters.data.fill(0.1);
  LearningConfig c = TinyConfig(2);
  FitToInitialFilters(c, initial, 1, false, false);
  BOOST_TEST((c.filters == 7u && c.filterSize.rows == 5u && c.filterSize.cols == 3u));
  BOOST_TEST((*c.layers[0].filters == 7u && c.layers[0].filterSize->ToString() == "5x3"));

  const auto message = [&](LearningConfig config, std::size_t channels, bool countGiven,
                           bool sizeGiven) {
    try {
      FitToInitialFilters(config, initial, channels, countGiven, sizeGiven);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  LearningConfig single = TinyConfig(1);
  single.filters = 6;
  BOOST_TEST(message(single, 1, true, false) == "--init D.npy holds 7 filters but --filters is 6");
  BOOST_TEST(message(single, 1, false, false).empty());
  BOOST_TEST(message(single, 1, false, true) ==
             "--init D.npy holds 5x3 filters but --filter-size is " + single.filterSize.ToString());
  LearningConfig layered = TinyConfig(2);
  layered.layers[0].filters = 9;
  BOOST_TEST(message(layered, 1, false, false) ==
             "--init D.npy holds 7 filters but --layer1.filters is 9");
  BOOST_CHECK_THROW(FitToInitialFilters(single, initial, 3, false, false), std::runtime_error);
}
