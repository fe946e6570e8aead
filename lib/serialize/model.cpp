#include "serialize/model.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "core/atomic_file.hpp"
#include "io/npy.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {
namespace {

namespace fs = std::filesystem;

const char* const kManifestName = "manifest.ini";
const char* const kDictionaryName = "dictionary.npy";

//! The shortest text that reads back as exactly `value`.
std::string Real(double value) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

void CheckManifest(const ModelManifest& m, const FilterBank<double>& filters) {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument("SaveModel(): " + what);
  };
  if (m.formatVersion != kModelFormatVersion)
    fail("formatVersion must be " + std::to_string(kModelFormatVersion));
  if (m.precision != "single" && m.precision != "double")
    fail("precision must be single or double");
  if (m.boundary != Boundary::Valid && m.boundary != Boundary::Circular)
    fail("boundary is not a valid Boundary");
  if (!std::isfinite(m.lambda) || m.lambda < 0) fail("lambda must be finite and >= 0");
  const std::vector<std::string> solvers = CscSolverNames();
  if (std::find(solvers.begin(), solvers.end(), m.solver) == solvers.end())
    fail("unknown solver '" + m.solver + "'");
  if (m.iterations == 0) fail("iterations must be positive");
  if (!std::isfinite(m.tolerance) || m.tolerance < 0) fail("tolerance must be finite and >= 0");
  m.preprocess.Validate();
  if (filters.data.n_elem == 0 || filters.data.n_slices != filters.filters * filters.channels)
    fail("the filter bank is empty or inconsistent");
  if (m.filters != filters.filters || m.channels != filters.channels ||
      m.filterRows != filters.Rows() || m.filterCols != filters.Cols())
    fail("the manifest's shape disagrees with the filter bank");
  if (!filters.data.is_finite()) fail("the filters contain NaN or infinite values");
}

std::string ManifestText(const ModelManifest& m) {
  std::ostringstream out;
  out << "# deconvnet model. Arrays beside this file (NumPy .npy, C order):\n"
      << "#   dictionary.npy  float64 filters, axes (K, h, w) when channels = 1, else (K, C, h, "
         "w):\n"
      << "#                   filter k, channel c, row y, column x\n"
      << "[model]\n"
      << "format_version = " << kModelFormatVersion << "\n"
      << "# learning\n"
      << "precision = " << m.precision << "\n"
      << "boundary = " << ToString(m.boundary) << "\n"
      << "lambda = " << Real(m.lambda) << "\n"
      << "zero_mean = " << (m.zeroMean ? "true" : "false") << "\n"
      << "seed = " << m.seed << "\n"
      << "# defaults of inference (dn-reconstruct, dn-inspect)\n"
      << "solver = " << m.solver << "\n"
      << "iterations = " << m.iterations << "\n"
      << "tolerance = " << Real(m.tolerance) << "\n"
      << "# input images and their preprocessing\n"
      << "colour = " << (m.colour ? "true" : "false") << "\n"
      << "preprocess = " << ToString(m.preprocess.method) << "\n"
      << "highpass_lambda = " << Real(m.preprocess.highpassLambda) << "\n"
      << "highpass_pad = " << m.preprocess.highpassPad << "\n"
      << "lcn_sigma = " << Real(m.preprocess.lcnSigma) << "\n"
      << "# dictionary shape: K, C, h, w\n"
      << "filters = " << m.filters << "\n"
      << "channels = " << m.channels << "\n"
      << "filter_rows = " << m.filterRows << "\n"
      << "filter_cols = " << m.filterCols << "\n";
  return out.str();
}

//! Creates a new empty directory named `prefix` + a unique suffix and returns its name.
std::string MakeUniqueDirectory(const std::string& prefix) {
  std::vector<char> name(prefix.begin(), prefix.end());
  for (char c : std::string("XXXXXX")) name.push_back(c);
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr)
    throw std::runtime_error("SaveModel(): cannot create a directory beside " + prefix + ": " +
                             std::strerror(errno));
  return name.data();
}

//! Gives a directory made by mkdtemp (mode 0700) the mode mkdir gives: 0777 less the umask. The
//! umask is read by setting it, so no other thread may create files meanwhile.
void GiveDefaultMode(const std::string& directory) {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::chmod(directory.c_str(), 0777 & ~mask) != 0)
    throw std::runtime_error("SaveModel(): cannot set the permissions of " + directory + ": " +
                             std::strerror(errno));
}

void RemoveQuietly(const std::string& path) {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

std::string Trim(const std::string& s) {
  const std::size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

//! The key = value pairs of a manifest, read once; every accessor throws std::runtime_error
//! naming the file.
class ManifestReader {
public:
  explicit ManifestReader(const std::string& file) : file_(file) {
    std::ifstream in(file);
    if (!in) Fail("cannot be read");
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      line = Trim(line);
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      if (line[0] == '[') {
        if (line != "[model]") Fail("line " + std::to_string(number) + ": unknown section " + line);
        continue;
      }
      const std::size_t eq = line.find('=');
      if (eq == std::string::npos)
        Fail("line " + std::to_string(number) + " is not a 'key = value' line");
      const std::string key = Trim(line.substr(0, eq));
      if (!values_.emplace(key, Trim(line.substr(eq + 1))).second)
        Fail("key '" + key + "' appears twice");
    }
    if (in.bad()) Fail("cannot be read");
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error("LoadModel(): " + file_ + ": " + what);
  }

  bool Has(const std::string& key) const { return values_.count(key) != 0; }

  const std::string& Text(const std::string& key) {
    const auto it = values_.find(key);
    if (it == values_.end()) Fail("missing key '" + key + "'");
    used_.insert(key);
    return it->second;
  }

  std::uint64_t Unsigned(const std::string& key) {
    const std::string& text = Text(key);
    errno = 0;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        errno == ERANGE || *end != '\0')
      Fail(key + " = '" + text + "' is not a non-negative integer");
    return value;
  }

  std::size_t Positive(const std::string& key) {
    const std::uint64_t value = Unsigned(key);
    if (value == 0) Fail(key + " must be positive");
    return static_cast<std::size_t>(value);
  }

  double NonNegativeReal(const std::string& key) {
    const std::string& text = Text(key);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0)
      Fail(key + " = '" + text + "' is not a finite number >= 0");
    return value;
  }

  bool Flag(const std::string& key) {
    const std::string& text = Text(key);
    if (text == "true") return true;
    if (text == "false") return false;
    Fail(key + " = '" + text + "' is not true or false");
  }

  std::string Choice(const std::string& key, const std::vector<std::string>& allowed) {
    const std::string& text = Text(key);
    for (const std::string& a : allowed)
      if (text == a) return text;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Fail(key + " = '" + text + "' is not one of " + list);
  }

  //! Throws for a key no accessor asked for.
  void RejectUnknownKeys() const {
    for (const auto& [key, value] : values_)
      if (used_.count(key) == 0) Fail("unknown key '" + key + "'");
  }

private:
  std::string file_;
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

ModelManifest ReadManifest(const std::string& file) {
  ManifestReader r(file);
  if (!r.Has("format_version")) r.Fail("missing key 'format_version' (not a deconvnet model?)");
  const std::string version = r.Text("format_version");
  if (version != std::to_string(kModelFormatVersion))
    r.Fail("model format version " + version + " is not supported (this build reads " +
           std::to_string(kModelFormatVersion) + ")");

  ModelManifest m;
  m.precision = r.Choice("precision", {"single", "double"});
  m.boundary = ParseBoundary(r.Choice("boundary", {"valid", "circular"}));
  m.lambda = r.NonNegativeReal("lambda");
  m.zeroMean = r.Flag("zero_mean");
  m.seed = r.Unsigned("seed");
  m.solver = r.Choice("solver", CscSolverNames());
  m.iterations = r.Positive("iterations");
  m.tolerance = r.NonNegativeReal("tolerance");
  m.colour = r.Flag("colour");
  m.preprocess.method = ParsePreprocessMethod(r.Choice("preprocess", {"none", "highpass", "lcn"}));
  m.preprocess.highpassLambda = r.NonNegativeReal("highpass_lambda");
  m.preprocess.highpassPad = static_cast<std::size_t>(r.Unsigned("highpass_pad"));
  m.preprocess.lcnSigma = r.NonNegativeReal("lcn_sigma");
  m.filters = r.Positive("filters");
  m.channels = r.Positive("channels");
  m.filterRows = r.Positive("filter_rows");
  m.filterCols = r.Positive("filter_cols");
  r.RejectUnknownKeys();
  try {
    m.preprocess.Validate();
  } catch (const std::invalid_argument& e) {
    r.Fail(std::string("invalid preprocessing settings: ") + e.what());
  }
  return m;
}

}  // namespace

void SaveModel(const std::string& modelDir, const ModelManifest& manifest,
               const FilterBank<double>& filters) {
  if (modelDir.empty()) throw std::invalid_argument("SaveModel(): empty model directory name");
  CheckManifest(manifest, filters);
  fs::path target(modelDir);
  if (!target.has_filename()) target = target.parent_path();  // "dir/" names "dir"
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      throw std::runtime_error("SaveModel(): cannot create " + target.parent_path().string() +
                               ": " + ec.message());
  }
  if (fs::exists(target, ec) && !fs::is_directory(target, ec))
    throw std::runtime_error("SaveModel(): " + target.string() + " exists and is not a directory");

  const std::string temp = MakeUniqueDirectory(target.string() + ".tmp-");
  try {
    GiveDefaultMode(temp);
    WriteTextFileAtomically((fs::path(temp) / kManifestName).string(), ManifestText(manifest));
    WriteNpy((fs::path(temp) / kDictionaryName).string(), filters);
  } catch (...) {
    RemoveQuietly(temp);
    throw;
  }

  std::string aside;
  if (fs::exists(target, ec)) {
    try {
      aside = MakeUniqueDirectory(target.string() + ".old-");
    } catch (...) {
      RemoveQuietly(temp);
      throw;
    }
    fs::rename(target, aside, ec);  // replaces the empty directory `aside`
    if (ec) {
      RemoveQuietly(temp);
      RemoveQuietly(aside);
      throw std::runtime_error("SaveModel(): cannot move the old model " + target.string() +
                               " aside: " + ec.message());
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    const std::string reason = ec.message();
    if (!aside.empty()) fs::rename(aside, target, ec);
    RemoveQuietly(temp);
    throw std::runtime_error("SaveModel(): cannot move the new model into " + target.string() +
                             ": " + reason);
  }
  if (!aside.empty()) RemoveQuietly(aside);
}

Model LoadModel(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw std::runtime_error("LoadModel(): model directory " + path + " does not exist");
  if (!fs::is_directory(path, ec))
    throw std::runtime_error("LoadModel(): " + path + " is not a directory (expected a model)");
  fs::path dir(path);
  if (!fs::exists(dir / kManifestName, ec) && fs::exists(dir / "model" / kManifestName, ec))
    dir /= "model";
  const std::string manifestPath = (dir / kManifestName).string();
  if (!fs::exists(manifestPath, ec))
    throw std::runtime_error("LoadModel(): " + path + " is not a model: neither " + manifestPath +
                             " nor " + (fs::path(path) / "model" / kManifestName).string() +
                             " exists");

  Model model;
  model.manifest = ReadManifest(manifestPath);
  const std::string dictionaryPath = (dir / kDictionaryName).string();
  if (!fs::exists(dictionaryPath, ec))
    throw std::runtime_error("LoadModel(): " + dictionaryPath + " is missing");
  try {
    model.filters = FilterBankFromNpy<double>(ReadNpy(dictionaryPath));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("LoadModel(): " + dictionaryPath + ": " + e.what());
  }
  if (!arma::any(arma::vectorise(model.filters.data)))
    throw std::runtime_error("LoadModel(): " + dictionaryPath + ": every filter is zero");
  const ModelManifest& m = model.manifest;
  const FilterBank<double>& f = model.filters;
  if (f.filters != m.filters || f.channels != m.channels || f.Rows() != m.filterRows ||
      f.Cols() != m.filterCols)
    throw std::runtime_error(
        "LoadModel(): " + dictionaryPath + " holds " + std::to_string(f.filters) + " filters of " +
        std::to_string(f.channels) + "x" + std::to_string(f.Rows()) + "x" +
        std::to_string(f.Cols()) + " but " + manifestPath + " says " + std::to_string(m.filters) +
        " of " + std::to_string(m.channels) + "x" + std::to_string(m.filterRows) + "x" +
        std::to_string(m.filterCols) + " (channels x rows x columns)");
  return model;
}

}  // namespace dn
