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

void CheckSettings(const ModelManifest& m) {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument("SaveModel(): " + what);
  };
  if (m.formatVersion != kModelFormatVersion)
    fail("formatVersion must be " + std::to_string(kModelFormatVersion));
  if (m.boundary != Boundary::Valid && m.boundary != Boundary::Circular)
    fail("boundary is not a valid Boundary");
  const std::vector<std::string> solvers = CscSolverNames();
  if (std::find(solvers.begin(), solvers.end(), m.solver) == solvers.end())
    fail("unknown solver '" + m.solver + "'");
  if (m.iterations == 0) fail("iterations must be positive");
  if (!std::isfinite(m.tolerance) || m.tolerance < 0) fail("tolerance must be finite and >= 0");
  m.preprocess.Validate();
}

void CheckManifest(const ModelManifest& m, const FilterBank<double>& filters) {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument("SaveModel(): " + what);
  };
  CheckSettings(m);
  if (!std::isfinite(m.lambda) || m.lambda < 0) fail("lambda must be finite and >= 0");
  if (filters.data.n_elem == 0 || filters.data.n_slices != filters.filters * filters.channels)
    fail("the filter bank is empty or inconsistent");
  if (m.filters != filters.filters || m.channels != filters.channels ||
      m.filterRows != filters.Rows() || m.filterCols != filters.Cols())
    fail("the manifest's shape disagrees with the filter bank");
  if (!filters.data.is_finite()) fail("the filters contain NaN or infinite values");
}

//! File name of layer l's filters (1-based).
std::string DictionaryName(std::size_t layer) {
  return layer == 1 ? kDictionaryName : "layer" + std::to_string(layer) + "_dictionary.npy";
}

std::string ManifestText(const ModelManifest& m, const Network<double>& network) {
  std::ostringstream out;
  out << "# deconvnet model. Arrays beside this file (NumPy .npy, C order, float64):\n"
      << "#   dictionary.npy          layer 1's filters, axes (K, h, w) when channels = 1, else\n"
      << "#                           (K, C, h, w): filter k, channel c, row y, column x\n"
      << "#   layerN_dictionary.npy   layer N's filters (N >= 2), the same axes; channel c is\n"
      << "#                           input map c of the layer\n"
      << "[model]\n"
      << "format_version = " << kModelFormatVersion << "\n"
      << "# learning\n"
      << "precision = " << ToString(m.precision) << "\n"
      << "boundary = " << ToString(m.boundary) << "\n"
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
      << "# one [layerN] section per layer\n"
      << "layers = " << network.Depth() << "\n";
  for (std::size_t l = 0; l < network.Depth(); ++l) {
    const LayerSpec& s = network.layers[l];
    out << "\n[layer" << l + 1 << "]\n"
        << "# K maps, C input maps (" << (l == 0 ? "image channels" : "the layer below's pooled maps")
        << "), h x w filters\n"
        << "filters = " << s.filters << "\n"
        << "channels = " << s.channels << "\n"
        << "filter_rows = " << s.filterRows << "\n"
        << "filter_cols = " << s.filterCols << "\n"
        << "lambda = " << Real(s.lambda) << "\n"
        << "# connectivity: full, singles-and-doubles or random-doubles (drawn from the seed)\n"
        << "connectivity = " << ToString(s.connectivity) << "\n"
        << "connectivity_seed = " << s.connectivitySeed << "\n"
        << "# 3-D max pooling of this layer's maps: none or rows x columns x maps\n"
        << "pooling = " << ToString(s.pooling) << "\n"
        << "# inference: layer (reconstructs the layer below) or pixel (the image)\n"
        << "inference = " << ToString(s.inference) << "\n"
        << "# transposed convolution: output s (i - 1) + k - 2p of maps of i; padding default is\n"
        << "# the boundary's (k - 1 valid, 0 circular), else rows x columns\n"
        << "stride = " << s.stride << "\n"
        << "padding = " << s.padding.ToString() << "\n";
  }
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
        section_ = SectionName(line);
        if (section_.empty()) Fail("line " + std::to_string(number) + ": unknown section " + line);
        if (!sections_.insert(section_).second) Fail("section " + line + " appears twice");
        continue;
      }
      const std::size_t eq = line.find('=');
      if (eq == std::string::npos)
        Fail("line " + std::to_string(number) + " is not a 'key = value' line");
      const std::string key = Qualified(Trim(line.substr(0, eq)));
      if (!values_.emplace(key, Trim(line.substr(eq + 1))).second)
        Fail("key '" + Name(key) + "'" + Where(key) + " appears twice");
    }
    if (in.bad()) Fail("cannot be read");
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error("LoadModel(): " + file_ + ": " + what);
  }

  bool Has(const std::string& key) const { return values_.count(key) != 0; }
  bool HasSection(const std::string& section) const { return sections_.count(section) != 0; }

  const std::string& Text(const std::string& key) {
    const auto it = values_.find(key);
    if (it == values_.end()) Fail("missing key '" + Name(key) + "'" + Where(key));
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
      Fail(Name(key) + " = '" + text + "'" + Where(key) + " is not a non-negative integer");
    return value;
  }

  std::size_t Positive(const std::string& key) {
    const std::uint64_t value = Unsigned(key);
    if (value == 0) Fail(Name(key) + Where(key) + " must be positive");
    return static_cast<std::size_t>(value);
  }

  double NonNegativeReal(const std::string& key) {
    const std::string& text = Text(key);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0)
      Fail(Name(key) + " = '" + text + "'" + Where(key) + " is not a finite number >= 0");
    return value;
  }

  bool Flag(const std::string& key) {
    const std::string& text = Text(key);
    if (text == "true") return true;
    if (text == "false") return false;
    Fail(Name(key) + " = '" + text + "'" + Where(key) + " is not true or false");
  }

  std::string Choice(const std::string& key, const std::vector<std::string>& allowed) {
    const std::string& text = Text(key);
    for (const std::string& a : allowed)
      if (text == a) return text;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Fail(Name(key) + " = '" + text + "'" + Where(key) + " is not one of " + list);
  }

  //! Throws for a key no accessor asked for.
  void RejectUnknownKeys() const {
    for (const auto& [key, value] : values_)
      if (used_.count(key) == 0) Fail("unknown key '" + Name(key) + "'" + Where(key));
  }

private:
  //! "model" for [model], "layerN" for [layerN] with 1 <= N <= kMaxLayers, "" otherwise.
  static std::string SectionName(const std::string& line) {
    if (line == "[model]") return "model";
    for (std::size_t l = 1; l <= kMaxLayers; ++l)
      if (line == "[layer" + std::to_string(l) + "]") return "layer" + std::to_string(l);
    return "";
  }
  //! Keys of [model] keep their names; those of [layerN] become "layerN.key".
  std::string Qualified(const std::string& key) const {
    return section_ == "model" || section_.empty() ? key : section_ + "." + key;
  }
  //! The key as written in its section.
  static std::string Name(const std::string& key) {
    const std::size_t dot = key.find('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
  }
  //! " in [layerN]" for a key of a layer section, "" for one of [model].
  static std::string Where(const std::string& key) {
    const std::size_t dot = key.find('.');
    return dot == std::string::npos ? "" : " in [" + key.substr(0, dot) + "]";
  }

  std::string file_;
  std::string section_;
  std::set<std::string> sections_;
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

ModelManifest ReadManifest(const std::string& file) {
  ManifestReader r(file);
  if (!r.Has("format_version")) r.Fail("missing key 'format_version' (not a deconvnet model?)");
  const std::string version = r.Text("format_version");
  if (version != "1" && version != "2" && version != std::to_string(kModelFormatVersion))
    r.Fail("model format version " + version + " is not supported (this build reads 1 to " +
           std::to_string(kModelFormatVersion) + ")");

  ModelManifest m;
  m.formatVersion = std::stoi(version);
  m.precision = ParsePrecision(r.Choice("precision", {"single", "double"}));
  m.boundary = ParseBoundary(r.Choice("boundary", {"valid", "circular"}));
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
  if (m.formatVersion == 1) {
    LayerSpec layer;
    layer.lambda = r.NonNegativeReal("lambda");
    layer.filters = r.Positive("filters");
    layer.channels = r.Positive("channels");
    layer.filterRows = r.Positive("filter_rows");
    layer.filterCols = r.Positive("filter_cols");
    m.layers.push_back(layer);
  } else {
    const std::size_t depth = r.Positive("layers");
    if (depth > kMaxLayers)
      r.Fail("layers = " + std::to_string(depth) + ": at most " + std::to_string(kMaxLayers));
    for (std::size_t l = 1; l <= depth; ++l) {
      const std::string section = "layer" + std::to_string(l);
      if (!r.HasSection(section)) r.Fail("missing section [" + section + "]");
      const std::string p = section + ".";
      LayerSpec layer;
      layer.filters = r.Positive(p + "filters");
      layer.channels = r.Positive(p + "channels");
      layer.filterRows = r.Positive(p + "filter_rows");
      layer.filterCols = r.Positive(p + "filter_cols");
      layer.lambda = r.NonNegativeReal(p + "lambda");
      layer.connectivity = ParseConnectivity(r.Choice(p + "connectivity", ConnectivityNames()));
      layer.connectivitySeed = r.Unsigned(p + "connectivity_seed");
      try {
        layer.pooling = ParsePooling(r.Text(p + "pooling"));
        layer.inference = ParseInferenceMode(r.Choice(p + "inference", {"layer", "pixel"}));
        if (m.formatVersion >= 3) {
          layer.stride = r.Positive(p + "stride");
          layer.padding = Padding::Parse(r.Text(p + "padding"), "padding");
        }
      } catch (const std::invalid_argument& e) {
        r.Fail(std::string("[") + section + "]: " + e.what());
      }
      m.layers.push_back(layer);
    }
    for (std::size_t l = depth + 1; l <= kMaxLayers; ++l)
      if (r.HasSection("layer" + std::to_string(l)))
        r.Fail("section [layer" + std::to_string(l) + "] but layers = " + std::to_string(depth));
  }
  r.RejectUnknownKeys();
  try {
    m.preprocess.Validate();
  } catch (const std::invalid_argument& e) {
    r.Fail(std::string("invalid preprocessing settings: ") + e.what());
  }
  try {
    ValidateArchitecture(m.layers);
  } catch (const std::invalid_argument& e) {
    r.Fail(std::string("invalid network: ") + e.what());
  }
  const LayerSpec& first = m.layers.front();
  m.lambda = first.lambda;
  m.filters = first.filters;
  m.channels = first.channels;
  m.filterRows = first.filterRows;
  m.filterCols = first.filterCols;
  return m;
}

//! Reads one layer's filter bank and checks it against its spec.
FilterBank<double> ReadLayer(const fs::path& dir, std::size_t layer, const LayerSpec& spec,
                             const std::string& manifestPath) {
  std::error_code ec;
  const std::string path = (dir / DictionaryName(layer)).string();
  if (!fs::exists(path, ec)) throw std::runtime_error("LoadModel(): " + path + " is missing");
  FilterBank<double> f;
  try {
    f = FilterBankFromNpy<double>(ReadNpy(path));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("LoadModel(): " + path + ": " + e.what());
  }
  if (!arma::any(arma::vectorise(f.data)))
    throw std::runtime_error("LoadModel(): " + path + ": every filter is zero");
  if (f.filters != spec.filters || f.channels != spec.channels || f.Rows() != spec.filterRows ||
      f.Cols() != spec.filterCols)
    throw std::runtime_error(
        "LoadModel(): " + path + " holds " + std::to_string(f.filters) + " filters of " +
        std::to_string(f.channels) + "x" + std::to_string(f.Rows()) + "x" +
        std::to_string(f.Cols()) + " but " + manifestPath + " says " +
        std::to_string(spec.filters) + " of " + std::to_string(spec.channels) + "x" +
        std::to_string(spec.filterRows) + "x" + std::to_string(spec.filterCols) +
        " (channels x rows x columns)");
  const ConnectivityTable table(spec.connectivity, spec.channels, spec.filters,
                                spec.connectivitySeed);
  if (!RespectsConnectivity(f, table))
    throw std::runtime_error("LoadModel(): " + path + " has non-zero filters for pairs that its " +
                             ToString(spec.connectivity) + " connectivity does not connect");
  return f;
}

}  // namespace

void SaveModel(const std::string& modelDir, const ModelManifest& manifest,
               const FilterBank<double>& filters) {
  if (modelDir.empty()) throw std::invalid_argument("SaveModel(): empty model directory name");
  CheckManifest(manifest, filters);
  SaveModel(modelDir, manifest, OneLayerNetwork(filters, manifest.lambda, manifest.boundary));
}

void SaveModel(const std::string& modelDir, const ModelManifest& manifest,
               const Network<double>& network) {
  if (modelDir.empty()) throw std::invalid_argument("SaveModel(): empty model directory name");
  CheckSettings(manifest);
  try {
    network.Validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("SaveModel(): ") + e.what());
  }
  if (network.boundary != manifest.boundary)
    throw std::invalid_argument("SaveModel(): the network's boundary differs from the manifest's");
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
    WriteTextFileAtomically((fs::path(temp) / kManifestName).string(),
                            ManifestText(manifest, network));
    for (std::size_t l = 0; l < network.Depth(); ++l)
      WriteNpy((fs::path(temp) / DictionaryName(l + 1)).string(), network.filters[l]);
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
  const std::vector<LayerSpec>& layers = model.manifest.layers;
  model.filters = ReadLayer(dir, 1, layers.front(), manifestPath);
  for (std::size_t l = 2; l <= layers.size(); ++l)
    model.higherLayers.push_back(ReadLayer(dir, l, layers[l - 1], manifestPath));
  return model;
}

Network<double> ToNetwork(const Model& model) {
  Network<double> network;
  network.boundary = model.manifest.boundary;
  network.layers = model.manifest.layers;
  network.filters.push_back(model.filters);
  for (const FilterBank<double>& f : model.higherLayers) network.filters.push_back(f);
  network.MakeTables();
  network.Validate();
  return network;
}

}  // namespace dn
