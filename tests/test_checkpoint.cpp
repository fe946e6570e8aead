// Checkpoints (lib/serialize/checkpoint) and the state archive they are filled by
// (lib/core/state_archive): exact round trips, the newest-complete rule, and a
// clear std::runtime_error for every kind of damage; a learner resumed through a checkpoint on
// disk finishes bit for bit like an uninterrupted one.
#define BOOST_TEST_MODULE checkpoint
#include <unistd.h>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/state_archive.hpp"
#include "io/npy.hpp"
#include "learning/dictionary_learning.hpp"
#include "network/training.hpp"
#include "serialize/checkpoint.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace dn;
using Types = boost::mpl::list<float, double>;

//! A fresh, empty directory removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("dn_test_checkpoint_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

//! Replaces the first occurrence of `from` in the file by `to` (which must be there).
void Edit(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = ReadText(file);
  const std::size_t at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, file << " lacks '" << from << "'");
  WriteText(file, text.replace(at, from.size(), to));
}

template <typename T>
Checkpoint<T> Example() {
  Checkpoint<T> c;
  c.iteration = 12;
  c.info["signals"] = "fnv1a64:0123456789abcdef";
  c.info["note"] = "two words";
  c.files["run.ini"] = "lambda = 0.1\ninput = /data/a b.png\n";
  c.files["history.csv"] = "iteration,objective\n1,2.5\n";
  arma::Cube<T> maps(5, 4, 3, arma::fill::randn);
  maps(0, 0, 0) = std::numeric_limits<T>::denorm_min();
  maps(1, 0, 0) = std::numeric_limits<T>::max();
  maps(2, 0, 0) = -T(0);
  c.state.Put("image/0/x", maps);
  c.state.Put("image/0/residual_image", arma::Mat<T>(6, 2, arma::fill::randn));
  arma::Mat<Complex<T>> spectra(7, 3);
  spectra.randn();
  c.state.Put("image/0/spectra", spectra);
  c.state.Put("filters", arma::Cube<T>(3, 3, 4, arma::fill::randn));
  c.state.Put("t", 1.0 / 3.0);
  c.state.Put("iteration", 12.0);
  c.state.Put("elapsed", 1e-300);
  return c;
}

template <typename T>
void CheckEqual(const Checkpoint<T>& a, const Checkpoint<T>& b) {
  BOOST_TEST(a.kind == b.kind);
  BOOST_TEST(a.layer == b.layer);
  BOOST_TEST(a.iteration == b.iteration);
  BOOST_TEST((a.info == b.info));
  BOOST_TEST((a.files == b.files));
  BOOST_TEST((a.state.numbers == b.state.numbers));
  BOOST_REQUIRE(a.state.arrays.size() == b.state.arrays.size());
  for (const auto& [name, array] : a.state.arrays) {
    BOOST_REQUIRE(b.state.arrays.count(name) == 1u);
    const arma::Cube<T>& other = b.state.arrays.at(name);
    BOOST_REQUIRE(arma::size(array) == arma::size(other));
    BOOST_TEST(std::memcmp(array.memptr(), other.memptr(), array.n_elem * sizeof(T)) == 0, name);
  }
  BOOST_REQUIRE(a.state.complexArrays.size() == b.state.complexArrays.size());
  for (const auto& [name, array] : a.state.complexArrays) {
    BOOST_REQUIRE(b.state.complexArrays.count(name) == 1u);
    const arma::Mat<Complex<T>>& other = b.state.complexArrays.at(name);
    BOOST_REQUIRE(arma::size(array) == arma::size(other));
    BOOST_TEST(std::memcmp(array.memptr(), other.memptr(), array.n_elem * sizeof(Complex<T>)) == 0,
               name);
  }
}

//! ReadCheckpoint<T>(path) must throw std::runtime_error whose message contains `fragment`.
template <typename T>
void ExpectReadError(const fs::path& path, const std::string& fragment) {
  try {
    ReadCheckpoint<T>(path.string());
    BOOST_ERROR("ReadCheckpoint() accepted a damaged checkpoint; expected '" << fragment << "'");
  } catch (const std::runtime_error& e) {
    BOOST_TEST_MESSAGE(e.what());
    const std::string message = e.what();
    BOOST_CHECK_MESSAGE(message.find(fragment) != std::string::npos,
                        "message '" << message << "' lacks '" << fragment << "'");
    BOOST_CHECK_MESSAGE(message.find('\n') == std::string::npos, "message has several lines");
  }
}

//! A written example checkpoint in a scratch directory, for damage tests.
struct Written {
  ScratchDir scratch;
  fs::path path;
  Written() {
    test::Seed(3);
    path = WriteCheckpoint((scratch.path / "checkpoints").string(), Example<float>());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE_TEMPLATE(round_trip_is_exact, T, Types) {
  test::Seed(1);
  ScratchDir scratch;
  const Checkpoint<T> original = Example<T>();
  const std::string path = WriteCheckpoint((scratch.path / "c").string(), original);
  BOOST_TEST(fs::path(path).filename() == "iteration-000012");
  BOOST_TEST(CheckpointPrecision(path) == (sizeof(T) == 4 ? "single" : "double"));
  CheckEqual(original, ReadCheckpoint<T>(path));
  // The other precision is refused.
  using Other = std::conditional_t<sizeof(T) == 4, double, float>;
  ExpectReadError<Other>(path, "precision");
  // The arrays are plain .npy files in the run's precision: a complex one is (cols, rows, 2).
  const NpyArray spectra = ReadNpy(path + "/state/image/0/spectra.npy");
  BOOST_TEST(spectra.isFloat32 == (sizeof(T) == 4));
  BOOST_TEST((spectra.shape == std::vector<std::size_t>{3, 7, 2}));
  BOOST_TEST(spectra.values[2 * 7 + 2 * 1 + 1] ==
             static_cast<double>(original.state.complexArrays.at("image/0/spectra")(1, 1).imag()));
}

BOOST_AUTO_TEST_CASE(newest_checkpoint_replaces_the_older_ones) {
  test::Seed(2);
  ScratchDir scratch;
  const std::string dir = (scratch.path / "checkpoints").string();
  BOOST_TEST(FindLatestCheckpoint(dir) == "");
  Checkpoint<double> c = Example<double>();
  c.iteration = 3;
  const std::string third = WriteCheckpoint(dir, c);
  BOOST_TEST(FindLatestCheckpoint(dir) == third);
  // A stale temporary directory (a crash while writing) and an unrelated file.
  fs::create_directories(fs::path(dir) / ".tmp-abcdef" / "state");
  WriteText(fs::path(dir) / "notes.txt", "keep me");
  c.iteration = 10;
  const std::string tenth = WriteCheckpoint(dir, c);
  BOOST_TEST(FindLatestCheckpoint(dir) == tenth);
  BOOST_TEST(!fs::exists(third));
  BOOST_TEST(!fs::exists(fs::path(dir) / ".tmp-abcdef"));
  BOOST_TEST(fs::exists(fs::path(dir) / "notes.txt"));
  // The same iteration twice is refused and changes nothing.
  BOOST_CHECK_THROW(WriteCheckpoint(dir, c), std::runtime_error);
  BOOST_TEST(FindLatestCheckpoint(dir) == tenth);
  // Later layers sort after every iteration of earlier ones.
  c.layer = 1;
  c.iteration = 2;
  const std::string layer = WriteCheckpoint(dir, c);
  BOOST_TEST(fs::path(layer).filename() == "layer-1-iteration-000002");
  BOOST_TEST(FindLatestCheckpoint(dir) == layer);
  BOOST_TEST(ReadCheckpoint<double>(layer).layer == 1u);
}

// A write that fails (here: a file where a directory must go) throws std::runtime_error and
// leaves the previous checkpoint complete, with no temporary directory behind.
BOOST_AUTO_TEST_CASE(failed_write_keeps_the_previous_checkpoint) {
  test::Seed(4);
  ScratchDir scratch;
  const std::string dir = (scratch.path / "checkpoints").string();
  Checkpoint<float> c = Example<float>();
  const std::string first = WriteCheckpoint(dir, c);
  c.iteration = 13;
  c.files["notes"] = "a file";
  c.files["notes/inner"] = "needs notes/ to be a directory";
  BOOST_CHECK_THROW(WriteCheckpoint(dir, c), std::runtime_error);
  BOOST_TEST(FindLatestCheckpoint(dir) == first);
  BOOST_CHECK_NO_THROW(ReadCheckpoint<float>(first));
  std::size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir)) entries += entry.path() == first ? 0 : 1;
  BOOST_TEST(entries == 0u);
  // Not a directory at all.
  WriteText(scratch.path / "file", "x");
  BOOST_CHECK_THROW(WriteCheckpoint((scratch.path / "file").string(), c), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(invalid_contents_are_refused_when_writing) {
  ScratchDir scratch;
  const std::string dir = (scratch.path / "c").string();
  const auto refused = [&](const Checkpoint<double>& c) {
    BOOST_CHECK_THROW(WriteCheckpoint(dir, c), std::invalid_argument);
  };
  Checkpoint<double> c;
  c.kind = "Bad Kind";
  refused(c);
  c = Checkpoint<double>();
  c.info["x"] = "two\nlines";
  refused(c);
  c = Checkpoint<double>();
  c.files["../escape"] = "x";
  refused(c);
  c = Checkpoint<double>();
  c.state.arrays["a"] = arma::cube();
  refused(c);
  c = Checkpoint<double>();
  c.state.numbers["n"] = std::numeric_limits<double>::infinity();
  refused(c);
  BOOST_CHECK_THROW(c.state.Put("/abs", 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(c.state.Put("a/../b", 1.0), std::invalid_argument);
  BOOST_TEST(FindLatestCheckpoint(dir) == "");
}

BOOST_AUTO_TEST_CASE(damaged_checkpoints_give_one_clear_error) {
  {
    Written w;
    fs::remove(w.path / "manifest.ini");
    ExpectReadError<float>(w.path, "manifest.ini: is missing");
  }
  {
    Written w;
    Edit(w.path / "manifest.ini", "format_version = 2", "format_version = 3");
    ExpectReadError<float>(w.path,
                           "checkpoint format version 3 is not supported (this build reads 2)");
  }
  {
    // A checkpoint of the previous format: refused, in one line naming both formats.
    Written w;
    Edit(w.path / "manifest.ini", "format_version = 2", "format_version = 1");
    ExpectReadError<float>(w.path,
                           "was written by checkpoint format 1; this build reads format 2: "
                           "start the run again (--force)");
  }
  {
    Written w;
    Edit(w.path / "manifest.ini", "format_version = 2\n", "");
    ExpectReadError<float>(w.path, "no format_version");
  }
  {
    Written w;
    Edit(w.path / "manifest.ini", "layer = 0", "layer = 0\nwhatever = 1");
    ExpectReadError<float>(w.path, "unknown key 'whatever'");
  }
  {
    Written w;
    Edit(w.path / "manifest.ini", "[files]", "[extra]\n[files]");
    ExpectReadError<float>(w.path, "unknown section [extra]");
  }
  {
    Written w;
    Edit(w.path / "manifest.ini", "iteration = 12", "iteration = twelve");
    ExpectReadError<float>(w.path, "not a whole number");
  }
  {
    Written w;
    Edit(w.path / "manifest.ini", "t = ", "t = nan #");
    ExpectReadError<float>(w.path, "not a finite number");
  }
  {  // a missing array
    Written w;
    fs::remove(w.path / "state" / "filters.npy");
    ExpectReadError<float>(w.path, "filters.npy: is missing (array 'filters')");
  }
  {  // a truncated array
    Written w;
    const fs::path file = w.path / "state" / "image" / "0" / "x.npy";
    const std::string bytes = ReadText(file);
    WriteText(file, bytes.substr(0, bytes.size() - 7));
    ExpectReadError<float>(w.path, "truncated data");
  }
  {  // one flipped bit in an array's data
    Written w;
    const fs::path file = w.path / "state" / "filters.npy";
    std::string bytes = ReadText(file);
    bytes[bytes.size() - 3] ^= 0x10;
    WriteText(file, bytes);
    ExpectReadError<float>(w.path, "checksum disagrees");
  }
  {  // the manifest's shape disagrees with the array
    Written w;
    Edit(w.path / "manifest.ini", "filters = real (4, 3, 3)", "filters = real (4, 3, 2)");
    ExpectReadError<float>(w.path, "but the manifest says (4, 3, 2)");
  }
  {  // an array replaced by one of another shape
    Written w;
    WriteNpy((w.path / "state" / "filters.npy").string(), arma::fcube(3, 3, 5, arma::fill::ones),
             false);
    ExpectReadError<float>(w.path, "has shape (5, 3, 3)");
  }
  {  // an array in the other precision
    Written w;
    WriteNpy((w.path / "state" / "filters.npy").string(), arma::cube(3, 3, 4, arma::fill::ones),
             false);
    ExpectReadError<float>(w.path, "is float64 but the checkpoint is in single precision");
  }
  {  // a path outside the checkpoint
    Written w;
    Edit(w.path / "manifest.ini", "[arrays]\n", "[arrays]\n../../x = real (1, 1, 1) fnv1a64:0\n");
    ExpectReadError<float>(w.path, "invalid name '../../x'");
  }
  {  // a truncated text file
    Written w;
    const fs::path file = w.path / "files" / "run.ini";
    WriteText(file, ReadText(file).substr(0, 5));
    ExpectReadError<float>(w.path, "has 5 bytes");
  }
  {  // a missing text file
    Written w;
    fs::remove(w.path / "files" / "history.csv");
    ExpectReadError<float>(w.path, "history.csv: is missing");
  }
  {  // a truncated manifest
    Written w;
    const fs::path file = w.path / "manifest.ini";
    const std::string text = ReadText(file);
    WriteText(file, text.substr(0, text.find("[arrays]") + 20));
    ExpectReadError<float>(w.path, "manifest.ini");
  }
}

// A learner saved through a checkpoint on disk in the middle of a run and resumed in a fresh
// learner ends exactly where an uninterrupted run ends.
BOOST_AUTO_TEST_CASE(learner_resumed_from_disk_is_bit_identical) {
  test::Seed(5);
  ScratchDir scratch;
  std::vector<Image<float>> images;
  for (int i = 0; i < 2; ++i) images.push_back(Image<float>(18, 17, 1, arma::fill::randn));
  LearningOptions options;
  options.lambda = 0.1;
  options.iterations = 9;
  const FilterBank<float> start = RandomFilters<float>(3, 1, 4, 4, 11, false);
  DictionaryLearner<float> whole(options, images, start);
  whole.Run();

  options.iterations = 4;
  DictionaryLearner<float> first(options, images, start);
  first.Run();
  Checkpoint<float> c;
  c.iteration = first.Iteration();
  c.state = first.SaveState();
  const std::string path = WriteCheckpoint((scratch.path / "checkpoints").string(), c);

  options.iterations = 5;
  DictionaryLearner<float> resumed(options, images, start);
  resumed.RestoreState(ReadCheckpoint<float>(path).state);
  resumed.Run();
  BOOST_TEST(resumed.Iteration() == 9u);
  BOOST_TEST(
      arma::approx_equal(resumed.Dictionary().data, whole.Dictionary().data, "absdiff", 0.0f));
  BOOST_TEST(arma::approx_equal(resumed.MapsOf(1), whole.MapsOf(1), "absdiff", 0.0f));
}

// A checkpoint written from a view of a learner's state (what dn-learn writes, without copying
// the maps) has the entries of its SaveState() and resumes alike; the view's maps are the
// learner's own memory.
BOOST_AUTO_TEST_CASE(a_state_view_is_the_saved_state_without_copies) {
  test::Seed(6);
  ScratchDir scratch;
  std::vector<Image<float>> images;
  for (int i = 0; i < 2; ++i) images.push_back(Image<float>(16, 15, 1, arma::fill::randn));
  LearningOptions options;
  options.iterations = 3;
  options.solver = "fista";  // whose maps are the entries image/i/x
  const FilterBank<float> start = RandomFilters<float>(3, 1, 4, 4, 12, false);
  DictionaryLearner<float> learner(options, images, start);
  learner.Run();
  const SavedState<float> view = learner.StateView(), saved = learner.SaveState();
  BOOST_TEST(view.arrays.at("image/1/x").memptr() == learner.MapsOf(1).memptr());
  BOOST_TEST(saved.arrays.at("image/1/x").memptr() != learner.MapsOf(1).memptr());
  Checkpoint<float> c;
  c.iteration = learner.Iteration();
  c.state = learner.StateView();
  BOOST_TEST(c.state.arrays.at("image/0/x").memptr() == learner.MapsOf(0).memptr());
  const std::string path = WriteCheckpoint((scratch.path / "checkpoints").string(), c);
  const SavedState<float> read = ReadCheckpoint<float>(path).state;
  BOOST_TEST((read.numbers == saved.numbers));
  BOOST_TEST(read.arrays.size() == saved.arrays.size());
  for (const auto& [name, array] : saved.arrays)
    BOOST_TEST(arma::approx_equal(read.arrays.at(name), array, "absdiff", 0.0f), name);
  BOOST_TEST(read.complexArrays.size() == saved.complexArrays.size());
  for (const auto& [name, array] : saved.complexArrays)
    BOOST_TEST(arma::approx_equal(read.complexArrays.at(name), array, "absdiff", 0.0f), name);

  // A network trainer's view nests its learner's: still views after the move under learner/.
  LayerSpec layer;
  layer.filters = 3;
  layer.filterRows = layer.filterCols = 4;
  layer.channels = 1;
  Network<float> network;
  network.layers = {layer};
  network.MakeTables();
  network.filters.push_back(InitialLayerFilters<float>(layer, network.tables[0], 3, false));
  NetworkTrainingOptions trainingOptions;
  trainingOptions.iterations = {2};
  trainingOptions.common.solver = "fista";
  NetworkTrainer<float> trainer(trainingOptions, network, images);
  trainer.StartLayer();
  trainer.RunLayer();
  const SavedState<float> trainerView = trainer.StateView();
  BOOST_TEST(trainerView.arrays.at("learner/image/0/x").memptr() ==
             trainer.Learner()->MapsOf(0).memptr());
  const SavedState<float> trainerSaved = trainer.SaveState();
  BOOST_TEST(trainerView.arrays.size() == trainerSaved.arrays.size());
  for (const auto& [name, array] : trainerSaved.arrays)
    BOOST_TEST(arma::approx_equal(trainerView.arrays.at(name), array, "absdiff", 0.0f), name);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(state_archive)

//! A small state of every kind of field, described once.
struct Small {
  double t = 0.0;
  std::size_t count = 0;
  bool on = false;
  arma::fcube maps;
  arma::fmat residual;
  arma::cx_fmat spectra;
  arma::fcube power;  //!< optional
  double inner = 0.0;

  void Describe(StateArchive<float>& a) {
    a.Setting("kind", 3.0);
    a.Number("t", t);
    a.Count("count", count);
    if (a.Flag("on", on)) a.Array("maps", maps, 2, 3, 4);
    a.Matrix("residual", residual, 5, 2);
    a.ComplexMatrix("spectra", spectra, 3, 2);
    a.OptionalArray("power", power, 2, 2, 1);
    a.Part("part/0", [&] {
      const double value = a.Number("inner", inner);
      a.Require(value >= 0.0, "'" + a.FullName("inner") + "' is negative");
    });
  }
};

Small Filled() {
  Small s;
  s.t = 1.0 / 3.0;
  s.count = 12;
  s.on = true;
  s.maps.randn(2, 3, 4);
  s.residual.randn(5, 2);
  s.spectra.randn(3, 2);
  s.power.randn(2, 2, 1);
  s.inner = 0.25;
  return s;
}

bool Same(const Small& a, const Small& b) {
  return a.t == b.t && a.count == b.count && a.on == b.on && a.inner == b.inner &&
         arma::approx_equal(a.maps, b.maps, "absdiff", 0.0f) &&
         arma::approx_equal(a.residual, b.residual, "absdiff", 0.0f) &&
         arma::approx_equal(a.spectra, b.spectra, "absdiff", 0.0f) &&
         a.power.n_elem == b.power.n_elem &&
         (a.power.is_empty() || arma::approx_equal(a.power, b.power, "absdiff", 0.0f));
}

template <typename T>
void CheckSameState(const SavedState<T>& a, const SavedState<T>& b) {
  BOOST_TEST((a.numbers == b.numbers));
  BOOST_REQUIRE(a.arrays.size() == b.arrays.size());
  for (const auto& [name, array] : a.arrays) {
    BOOST_REQUIRE_MESSAGE(b.arrays.count(name) == 1u, name);
    BOOST_TEST(arma::approx_equal(array, b.arrays.at(name), "absdiff", T(0)), name);
  }
  BOOST_REQUIRE(a.complexArrays.size() == b.complexArrays.size());
  for (const auto& [name, array] : a.complexArrays) {
    BOOST_REQUIRE_MESSAGE(b.complexArrays.count(name) == 1u, name);
    BOOST_TEST(arma::approx_equal(array, b.complexArrays.at(name), "absdiff", T(0)), name);
  }
}

BOOST_AUTO_TEST_CASE(a_described_struct_round_trips_exactly) {
  test::Seed(70);
  const Small original = Filled();
  const SavedState<float> saved = SaveDescribed<float>(original);
  BOOST_TEST(saved.numbers.at("part/0/inner") == 0.25);
  BOOST_TEST(saved.numbers.at("kind") == 3.0);
  BOOST_TEST(saved.Size() == 9u);
  Small restored;
  RestoreDescribed(saved, restored, "Small: ");
  BOOST_TEST(Same(restored, original));
  CheckSameState(SaveDescribed<float>(restored), saved);

  // An empty optional array is not saved, and is restored empty.
  Small noPower = original;
  noPower.power.reset();
  const SavedState<float> without = SaveDescribed<float>(noPower);
  BOOST_TEST(!without.Has("power"));
  Small target = original;
  RestoreDescribed(without, target, "Small: ");
  BOOST_TEST(target.power.is_empty());
}

BOOST_AUTO_TEST_CASE(a_failed_restore_changes_nothing) {
  test::Seed(71);
  const SavedState<float> saved = SaveDescribed<float>(Filled());
  const auto refused = [&](const SavedState<float>& damaged, const std::string& fragment) {
    Small target;
    target.t = 7.0;
    target.maps.ones(1, 1, 1);
    const Small before = target;
    try {
      RestoreDescribed(damaged, target, "Small: ");
      BOOST_ERROR("a damaged state was restored; expected '" << fragment << "'");
    } catch (const std::runtime_error& e) {
      BOOST_TEST(std::string(e.what()).find("Small: ") == 0u);
      BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos,
                 e.what() << " lacks " << fragment);
    }
    BOOST_TEST(Same(target, before));
  };
  SavedState<float> damaged = saved;
  damaged.numbers.erase("part/0/inner");  // the last entry described: everything else was read
  refused(damaged, "'part/0/inner' is missing");
  damaged = saved;
  damaged.arrays["maps"].set_size(2, 3, 5);
  refused(damaged, "'maps' is 2x3x5, expected 2x3x4");
  damaged = saved;
  damaged.arrays.erase("residual");  // a number where an array belongs
  damaged.numbers["residual"] = 1.0;
  refused(damaged, "'residual' is missing");
  damaged = saved;
  damaged.arrays["spectra"] = arma::fcube(3, 2, 1);  // a real array where a complex one belongs
  damaged.complexArrays.erase("spectra");
  refused(damaged, "'spectra' is missing");
  damaged = saved;
  damaged.complexArrays["spectra"].set_size(2, 3);
  refused(damaged, "'spectra' is 2x3x1 (complex), expected 3x2x1");
  damaged = saved;
  damaged.numbers["count"] = 2.5;
  refused(damaged, "'count' = 2.5 is not a count");
  damaged = saved;
  damaged.numbers["on"] = 0.5;
  refused(damaged, "'on' = 0.5 is not 0 or 1");
  damaged = saved;
  damaged.numbers["kind"] = 4.0;
  refused(damaged, "the state has kind = 4, not 3");
  damaged = saved;
  damaged.numbers["part/0/inner"] = -1.0;
  refused(damaged, "'part/0/inner' is negative");
}

template <typename T, typename Object>
void CheckSaveRestoreSave(const Object& original, Object& target, const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    const SavedState<T> saved = original.SaveState();
    BOOST_TEST(saved.Size() > 0u);
    target.RestoreState(saved);
    CheckSameState(target.SaveState(), saved);
  }
}

// Every state of the library: saved, restored into a fresh object and saved again, it gives the
// identical SavedState.
BOOST_AUTO_TEST_CASE(every_state_saves_what_it_restored) {
  test::Seed(72);
  for (Boundary boundary : {Boundary::Valid, Boundary::Circular})
    for (const char* name : {"ista", "fista", "admm"})
      for (bool keep : {false, true}) {
        std::vector<Image<double>> images;
        for (int i = 0; i < 2; ++i) images.push_back(Image<double>(14, 13, 1, arma::fill::randn));
        LearningOptions options;
        options.iterations = 3;
        options.solver = name;
        options.boundary = boundary;
        options.dictionary.method = keep ? "fista" : "pgd";
        const FilterBank<double> start = RandomFilters<double>(3, 1, 4, 4, 3, false);
        DictionaryLearner<double> learner(options, images, start);
        learner.Run();
        DictionaryLearner<double> fresh(options, images, start);
        CheckSaveRestoreSave<double>(learner, fresh,
                                     "learner, " + ToString(boundary) + ", " + name);

        const ConvOperator<double>& op = learner.Operator();
        auto solver = MakeCscSolver<double>(name, keep);
        solver->Reset(op, images[0], 0.1);
        SolveOptions solve;
        solve.maxIterations = 4;
        solver->Solve(solve);
        auto other = MakeCscSolver<double>(name, keep);
        other->Reset(op, images[0], 0.1);
        CheckSaveRestoreSave<double>(*solver, *other,
                                     std::string("solver ") + name + (keep ? ", spectra" : ""));
      }

  // A network: between layers, and with a pixel-mode layer in training.
  std::vector<Image<float>> images;
  for (int i = 0; i < 2; ++i) images.push_back(Image<float>(16, 16, 1, arma::fill::randn));
  LayerSpec first, second;
  first.filters = 4;
  first.filterRows = first.filterCols = 3;
  first.pooling.rows = first.pooling.cols = 2;
  second.filters = 3;
  second.filterRows = second.filterCols = 3;
  second.inference = InferenceMode::Pixel;
  second.lambda = 0.01;
  Network<float> network;
  network.boundary = Boundary::Valid;
  first.channels = 1;
  second.channels = first.filters;
  network.layers = {first, second};
  network.MakeTables();
  for (std::size_t l = 0; l < 2; ++l)
    network.filters.push_back(
        InitialLayerFilters<float>(network.layers[l], network.tables[l], 5 + l, false));
  NetworkTrainingOptions options;
  options.iterations = {2, 3};
  NetworkTrainer<float> trainer(options, network, images);
  trainer.TrainNextLayer();
  {
    NetworkTrainer<float> fresh(options, network, images);
    CheckSaveRestoreSave<float>(trainer, fresh, "network between layers");
  }
  trainer.StartLayer();
  trainer.RunLayer();
  BOOST_REQUIRE((trainer.Learner() && trainer.Learner()->Name() == "pixel"));
  {
    NetworkTrainer<float> fresh(options, network, images);
    CheckSaveRestoreSave<float>(trainer, fresh, "network in a pixel-mode layer");
    BOOST_TEST(fresh.SaveState().Has("learner/image/1/record/objective"));
  }
}

BOOST_AUTO_TEST_SUITE_END()
