#define BOOST_TEST_MODULE serialize
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include "io/npy.hpp"
#include "serialize/model.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using dn::FilterBank;
using dn::LoadModel;
using dn::ModelManifest;
using dn::SaveModel;

//! A fresh, empty directory removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("dn_test_serialize_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

ModelManifest ManifestFor(const FilterBank<double>& filters) {
  ModelManifest m;
  m.precision = dn::Precision::Double;
  m.boundary = dn::Boundary::Circular;
  m.lambda = 0.1234567890123456789;  // not exactly representable: tests full precision
  m.solver = "ista";
  m.iterations = 321;
  m.tolerance = 1.0 / 3.0;
  m.preprocess.method = dn::PreprocessMethod::Lcn;
  m.preprocess.highpassLambda = 7.25;
  m.preprocess.highpassPad = 9;
  m.preprocess.lcnSigma = 1.0 / 7.0;
  m.colour = filters.channels == 3;
  m.zeroMean = true;
  m.filters = filters.filters;
  m.channels = filters.channels;
  m.filterRows = filters.Rows();
  m.filterCols = filters.Cols();
  m.seed = 18446744073709551615ull;
  return m;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

//! Replaces the line starting with `key =` (or appends when absent); an empty `line` deletes it.
void EditManifest(const fs::path& model, const std::string& key, const std::string& line) {
  const fs::path file = model / "manifest.ini";
  std::istringstream in(ReadText(file));
  std::string out, current;
  bool found = false;
  while (std::getline(in, current)) {
    if (current.rfind(key + " =", 0) == 0) {
      found = true;
      if (!line.empty()) out += line + "\n";
    } else {
      out += current + "\n";
    }
  }
  if (!found) out += line + "\n";
  WriteText(file, out);
}

//! LoadModel must throw std::runtime_error whose message contains `fragment`.
void ExpectLoadError(const fs::path& path, const std::string& fragment) {
  try {
    LoadModel(path.string());
    BOOST_ERROR("LoadModel() accepted a bad model; expected an error containing '" << fragment
                                                                                   << "'");
  } catch (const std::runtime_error& e) {
    BOOST_TEST_MESSAGE(e.what());
    BOOST_CHECK_MESSAGE(std::string(e.what()).find(fragment) != std::string::npos,
                        "message '" << e.what() << "' lacks '" << fragment << "'");
  }
}

//! A saved grey model (K = 3, 4 x 5 filters) in a scratch directory, for corruption tests.
struct SavedModel {
  ScratchDir scratch;
  fs::path dir;
  SavedModel() : dir(scratch.path / "model") {
    dn::test::Seed(7);
    const FilterBank<double> filters = dn::test::RandomFilters<double>(3, 1, 4, 5);
    SaveModel(dir.string(), ManifestFor(filters), filters);
  }
};

void CheckSame(const ModelManifest& a, const ModelManifest& b) {
  BOOST_TEST(a.formatVersion == b.formatVersion);
  BOOST_TEST(ToString(a.precision) == ToString(b.precision));
  BOOST_TEST((a.boundary == b.boundary));
  BOOST_TEST(a.lambda == b.lambda);
  BOOST_TEST(a.solver == b.solver);
  BOOST_TEST(a.iterations == b.iterations);
  BOOST_TEST(a.tolerance == b.tolerance);
  BOOST_TEST((a.preprocess.method == b.preprocess.method));
  BOOST_TEST(a.preprocess.highpassLambda == b.preprocess.highpassLambda);
  BOOST_TEST(a.preprocess.highpassPad == b.preprocess.highpassPad);
  BOOST_TEST(a.preprocess.lcnSigma == b.preprocess.lcnSigma);
  BOOST_TEST(a.colour == b.colour);
  BOOST_TEST(a.zeroMean == b.zeroMean);
  BOOST_TEST(a.filters == b.filters);
  BOOST_TEST(a.channels == b.channels);
  BOOST_TEST(a.filterRows == b.filterRows);
  BOOST_TEST(a.filterCols == b.filterCols);
  BOOST_TEST(a.seed == b.seed);
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_is_exact) {
  for (std::size_t channels : {1u, 3u}) {
    ScratchDir scratch;
    dn::test::Seed(11 + channels);
    const FilterBank<double> filters = dn::test::RandomFilters<double>(4, channels, 3, 5);
    const ModelManifest manifest = ManifestFor(filters);
    const fs::path dir = scratch.path / "model";
    SaveModel(dir.string(), manifest, filters);

    const dn::Model loaded = LoadModel(dir.string());
    CheckSame(loaded.manifest, manifest);
    BOOST_TEST(loaded.filters.filters == filters.filters);
    BOOST_TEST(loaded.filters.channels == filters.channels);
    BOOST_REQUIRE(arma::size(loaded.filters.data) == arma::size(filters.data));
    BOOST_TEST(arma::approx_equal(loaded.filters.data, filters.data, "absdiff", 0.0));

    // The array on disk has the documented axis order and dtype.
    const dn::NpyArray npy = dn::ReadNpy((dir / "dictionary.npy").string());
    BOOST_TEST(!npy.isFloat32);
    const std::vector<std::size_t> expected =
        channels == 1 ? std::vector<std::size_t>{4, 3, 5} : std::vector<std::size_t>{4, 3, 3, 5};
    BOOST_TEST(npy.shape == expected, boost::test_tools::per_element());

    // No temporary or set-aside directory is left behind.
    std::size_t entries = 0;
    for (const auto& entry : fs::directory_iterator(scratch.path)) {
      (void)entry;
      ++entries;
    }
    BOOST_TEST(entries == 1u);
  }
}

BOOST_AUTO_TEST_CASE(loads_from_a_learning_output_directory) {
  SavedModel saved;
  const dn::Model loaded = LoadModel(saved.scratch.path.string());  // holds model/
  BOOST_TEST(loaded.filters.filters == 3u);
  const dn::Model withSlash = LoadModel(saved.dir.string() + "/");
  BOOST_TEST(withSlash.filters.filters == 3u);
}

BOOST_AUTO_TEST_CASE(save_replaces_an_existing_model) {
  SavedModel saved;
  WriteText(saved.dir / "stale.txt", "from the old model");
  dn::test::Seed(3);
  const FilterBank<double> filters = dn::test::RandomFilters<double>(2, 1, 6, 6);
  SaveModel(saved.dir.string() + "/", ManifestFor(filters), filters);
  const dn::Model loaded = LoadModel(saved.dir.string());
  BOOST_TEST(loaded.filters.filters == 2u);
  BOOST_TEST(!fs::exists(saved.dir / "stale.txt"));
  std::size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(saved.scratch.path)) {
    (void)entry;
    ++entries;
  }
  BOOST_TEST(entries == 1u);
}

BOOST_AUTO_TEST_CASE(save_rejects_a_manifest_that_disagrees_with_the_filters) {
  ScratchDir scratch;
  dn::test::Seed(5);
  const FilterBank<double> filters = dn::test::RandomFilters<double>(2, 1, 3, 3);
  ModelManifest manifest = ManifestFor(filters);
  manifest.filters = 5;
  BOOST_CHECK_THROW(SaveModel((scratch.path / "m").string(), manifest, filters),
                    std::invalid_argument);
  manifest = ManifestFor(filters);
  manifest.lambda = -1;
  BOOST_CHECK_THROW(SaveModel((scratch.path / "m").string(), manifest, filters),
                    std::invalid_argument);
  BOOST_TEST(!fs::exists(scratch.path / "m"));
}

BOOST_AUTO_TEST_CASE(missing_model_or_manifest) {
  ScratchDir scratch;
  ExpectLoadError(scratch.path / "nowhere", "does not exist");
  WriteText(scratch.path / "file", "not a model");
  ExpectLoadError(scratch.path / "file", "is not a directory");
  ExpectLoadError(scratch.path, "manifest.ini");  // an empty directory
  SavedModel saved;
  fs::remove(saved.dir / "manifest.ini");
  ExpectLoadError(saved.dir, "manifest.ini");
}

BOOST_AUTO_TEST_CASE(unsupported_or_missing_format_version) {
  {
    SavedModel saved;
    EditManifest(saved.dir, "format_version", "format_version = 7");
    ExpectLoadError(saved.dir, "model format version 7 is not supported (this build reads 1 to 3)");
  }
  {
    SavedModel saved;
    EditManifest(saved.dir, "format_version", "");
    ExpectLoadError(saved.dir, "missing key 'format_version'");
  }
}

BOOST_AUTO_TEST_CASE(missing_unknown_duplicate_and_bad_keys) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "missing key 'lambda'"},
      {"lambda = -0.5", "lambda"},
      {"lambda = abc", "lambda"},
      {"lambda = nan", "lambda"},
      {"boundary = diagonal", "boundary"},
      {"solver = newton", "solver"},
      {"iterations = 0", "iterations must be positive"},
      {"iterations = -3", "iterations"},
      {"precision = half", "precision"},
      {"colour = maybe", "colour"},
      {"highpass_lambda = 0", "preprocessing"},
  };
  for (const auto& [line, fragment] : cases) {
    SavedModel saved;
    const std::string key = line.empty() ? "lambda" : line.substr(0, line.find(' '));
    EditManifest(saved.dir, key, line);
    ExpectLoadError(saved.dir, fragment);
  }
  {
    SavedModel saved;
    EditManifest(saved.dir, "colour_space", "colour_space = lab");
    ExpectLoadError(saved.dir, "unknown key 'colour_space'");
  }
  {
    SavedModel saved;
    WriteText(saved.dir / "manifest.ini", ReadText(saved.dir / "manifest.ini") + "lambda = 1\n");
    ExpectLoadError(saved.dir, "appears twice");
  }
  {
    SavedModel saved;
    WriteText(saved.dir / "manifest.ini", ReadText(saved.dir / "manifest.ini") + "garbage\n");
    ExpectLoadError(saved.dir, "not a 'key = value' line");
  }
}

BOOST_AUTO_TEST_CASE(missing_or_corrupt_dictionary) {
  {
    SavedModel saved;
    fs::remove(saved.dir / "dictionary.npy");
    ExpectLoadError(saved.dir, "dictionary.npy is missing");
  }
  {
    SavedModel saved;
    const fs::path file = saved.dir / "dictionary.npy";
    fs::resize_file(file, fs::file_size(file) - 8);  // truncated
    ExpectLoadError(saved.dir, "dictionary.npy");
  }
  {
    SavedModel saved;
    WriteText(saved.dir / "dictionary.npy", "not an npy file");
    ExpectLoadError(saved.dir, "dictionary.npy");
  }
  {
    SavedModel saved;  // a rank-2 array is not a filter bank
    const double values[6] = {1, 2, 3, 4, 5, 6};
    dn::WriteNpy((saved.dir / "dictionary.npy").string(), {2, 3}, values);
    ExpectLoadError(saved.dir, "dictionary.npy");
  }
}

BOOST_AUTO_TEST_CASE(all_zero_dictionary) {
  SavedModel saved;
  dn::WriteNpy((saved.dir / "dictionary.npy").string(), FilterBank<double>(3, 1, 4, 5));
  ExpectLoadError(saved.dir, "every filter is zero");
}

BOOST_AUTO_TEST_CASE(saved_model_directory_follows_the_umask) {
  // mkdtemp makes 0700 directories; a model must be as readable as a directory made by mkdir.
  const mode_t previous = ::umask(022);
  SavedModel saved;
  ::umask(previous);
  const fs::perms perms = fs::status(saved.dir).permissions();
  const fs::perms expected = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec;
  BOOST_TEST((perms == expected), "model/ has mode " << std::oct << static_cast<int>(perms));
}

BOOST_AUTO_TEST_CASE(dictionary_shape_disagreeing_with_the_manifest) {
  for (const std::string line :
       {"filters = 4", "channels = 3", "filter_rows = 5", "filter_cols = 4"}) {
    SavedModel saved;
    EditManifest(saved.dir, line.substr(0, line.find(' ')), line);
    ExpectLoadError(saved.dir, "but");
  }
}
