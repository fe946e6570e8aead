#include "run/learning_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "network/connectivity.hpp"
#include "serialize/json.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {
namespace {

std::string Bool(bool value) { return value ? "true" : "false"; }

const char* PlannerName(PlannerEffort effort) {
  return effort == PlannerEffort::Measure ? "measure" : "estimate";
}

}  // namespace

FilterSize FilterSize::Parse(const std::string& text, const std::string& option) {
  const auto bad = [&]() {
    return std::invalid_argument(
        option + " must be S or HxW with positive integers, like 8 or 7x9, not '" + text + "'");
  };
  const auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      throw bad();
    return static_cast<std::size_t>(std::stoul(part));
  };
  const std::size_t x = text.find_first_of("xX");
  FilterSize size;
  size.rows = number(text.substr(0, x));
  size.cols = x == std::string::npos ? size.rows : number(text.substr(x + 1));
  if (size.rows == 0 || size.cols == 0) throw std::invalid_argument(option + " must be positive");
  return size;
}

std::string FilterSize::ToString() const {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

void CheckpointPolicy::Validate() const {
  if (!(seconds >= 0) || !std::isfinite(seconds))
    throw std::invalid_argument("--checkpoint-seconds must be finite and >= 0");
  if (!(share >= 0 && share < 1))
    throw std::invalid_argument("--checkpoint-share must be in [0, 1)");
}

std::string LayerOptionName(std::size_t layer, const std::string& key) {
  return "--layer" + std::to_string(layer) + "." + key;
}

void SetLayerSetting(LayerSettings& layer, const std::string& key, const std::string& text,
                     const std::string& option) {
  const auto count = [&]() -> std::size_t {
    const std::size_t digits = text.find_first_not_of("0123456789", text[0] == '-' ? 1 : 0);
    if (digits != std::string::npos || text.empty() || text == "-" || text.size() > 19)
      throw std::invalid_argument(option + " must be a whole number, not '" + text + "'");
    if (text[0] == '-') throw std::invalid_argument(option + " must be positive");
    return static_cast<std::size_t>(std::stoull(text));
  };
  if (key == "filters") {
    layer.filters = count();
  } else if (key == "filter-size") {
    layer.filterSize = FilterSize::Parse(text, option);
  } else if (key == "lambda") {
    char* end = nullptr;
    layer.lambda = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
      throw std::invalid_argument(option + " must be a number, not '" + text + "'");
  } else if (key == "iterations") {
    layer.iterations = count();
  } else if (key == "connectivity") {
    layer.connectivity = ParseConnectivity(text);
  } else if (key == "pooling") {
    try {
      layer.pooling = ParsePooling(text);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(option + ": " + e.what());
    }
  } else if (key == "inference") {
    layer.inference = ParseInferenceMode(text);
  } else if (key == "stride") {
    layer.stride = count();
  } else if (key == "padding") {
    layer.padding = Padding::Parse(text, option);
  } else {
    throw std::invalid_argument("unknown layer setting '" + key + "'");
  }
}

std::optional<std::string> LayerSettingText(const LayerSettings& layer, const std::string& key) {
  const auto count = [](const std::optional<std::size_t>& value) -> std::optional<std::string> {
    if (!value) return std::nullopt;
    return std::to_string(*value);
  };
  if (key == "filters") return count(layer.filters);
  if (key == "filter-size")
    return layer.filterSize ? std::optional<std::string>(layer.filterSize->ToString())
                            : std::nullopt;
  if (key == "lambda")
    return layer.lambda ? std::optional<std::string>(NumberText(*layer.lambda)) : std::nullopt;
  if (key == "iterations") return count(layer.iterations);
  if (key == "connectivity") return ToString(layer.connectivity);
  if (key == "pooling") return ToString(layer.pooling);
  if (key == "inference") return ToString(layer.inference);
  if (key == "stride") return count(layer.stride);
  if (key == "padding")
    return layer.padding ? std::optional<std::string>(layer.padding->ToString()) : std::nullopt;
  throw std::invalid_argument("unknown layer setting '" + key + "'");
}

void SetLayers(LearningConfig& config, const std::vector<LayerSettingsText>& given,
               std::optional<long long> depth) {
  std::size_t highest = 0;
  for (std::size_t l = 1; l <= given.size(); ++l)
    if (!given[l - 1].empty()) highest = l;
  if (depth) {
    if (*depth < 1 || *depth > static_cast<long long>(kMaxLayers))
      throw std::invalid_argument("--layers must be 1 to " + std::to_string(kMaxLayers));
    if (highest > static_cast<std::size_t>(*depth))
      throw std::invalid_argument(LayerOptionName(highest, given[highest - 1].front().first) +
                                  " is given but --layers is " + std::to_string(*depth));
  } else if (highest == 0) {
    return;
  }
  config.layers.assign(depth ? static_cast<std::size_t>(*depth) : highest, LayerSettings());
  for (std::size_t l = 1; l <= highest; ++l)
    for (const auto& [key, text] : given[l - 1])
      SetLayerSetting(config.layers[l - 1], key, text, LayerOptionName(l, key));
}

LayerSettings ResolvedLayer::Settings() const {
  LayerSettings settings;
  settings.filters = spec.filters;
  settings.filterSize = size;
  settings.lambda = spec.lambda;
  settings.iterations = iterations;
  settings.connectivity = spec.connectivity;
  settings.pooling = spec.pooling;
  settings.inference = spec.inference;
  settings.stride = spec.stride;
  settings.padding = spec.padding;
  return settings;
}

void LearningConfig::Validate() const {
  if (filters == 0) throw std::invalid_argument("--filters must be positive");
  if (filterSize.rows == 0 || filterSize.cols == 0)
    throw std::invalid_argument("--filter-size must be positive");
  if (learning.dictionary.method != "fista" && learning.dictionary.method != "pgd")
    throw std::invalid_argument("--dictionary-method must be fista or pgd, not '" +
                                learning.dictionary.method + "'");
  const bool zeroMean = learning.dictionary.zeroMean;
  if (zeroMean && filterSize.rows * filterSize.cols == 1)
    throw std::invalid_argument("--zero-mean needs filters larger than 1x1 (--filter-size is 1x1)");
  if (layers.size() > kMaxLayers)
    throw std::invalid_argument("--layers must be 1 to " + std::to_string(kMaxLayers));
  for (std::size_t l = 1; l <= layers.size(); ++l) {
    const LayerSettings& layer = layers[l - 1];
    const auto option = [l](const char* key) { return LayerOptionName(l, key); };
    if (layer.filters && *layer.filters == 0)
      throw std::invalid_argument(option("filters") + " must be positive");
    if (layer.filterSize && (layer.filterSize->rows == 0 || layer.filterSize->cols == 0))
      throw std::invalid_argument(option("filter-size") + " must be positive");
    if (layer.lambda && (!std::isfinite(*layer.lambda) || *layer.lambda < 0))
      throw std::invalid_argument(option("lambda") + " must be finite and >= 0");
    if (layer.iterations && *layer.iterations == 0)
      throw std::invalid_argument(option("iterations") + " must be positive");
    if (layer.stride && *layer.stride == 0)
      throw std::invalid_argument(option("stride") + " must be at least 1");
    if (l == layers.size() && layer.pooling.Active())
      throw std::invalid_argument(option("pooling") + ": layer " + std::to_string(l) +
                                  " is the top layer and its pooling would feed nothing");
    const FilterSize size = layer.filterSize.value_or(filterSize);
    if (zeroMean && size.rows * size.cols == 1 && l > 1)
      throw std::invalid_argument("--zero-mean needs filters larger than 1x1 (" +
                                  option("filter-size") + " is 1x1)");
  }
  if (stride == 0) throw std::invalid_argument("--stride must be at least 1");
  if (Strided()) {
    if (!CodesThroughOperator(learning.solver))
      throw std::invalid_argument(
          "strided layers (--stride, --padding) are coded with ista or "
          "fista, not --solver " +
          learning.solver);
    if (learning.learner != "batch")
      throw std::invalid_argument(
          "strided layers (--stride, --padding) are learned by the batch "
          "learner, not --learner " +
          learning.learner);
    if (!test.path.empty())
      throw std::invalid_argument(
          "--test monitors ordinary layers, not strided ones (--stride, "
          "--padding)");
  }
  learning.Validate();
  if (learning.learner == "online" && layers.size() > 1)
    throw std::invalid_argument(
        "--learner online learns one-layer models: a network's upper layers learn from every "
        "image's maps, which the online learner does not keep (use --learner batch)");
  preprocess.Validate();
  checkpoints.Validate();
  test.Validate();
  if (!mask.empty()) {
    if (learning.learner != "batch")
      throw std::invalid_argument(
          "--mask: incomplete images are learned by the batch learner, "
          "not --learner " +
          learning.learner);
    if (Strided())
      throw std::invalid_argument("--mask: strided layers do not take masks (--stride, --padding)");
    for (const LayerSettings& layer : layers)
      if (layer.inference == InferenceMode::Pixel)
        throw std::invalid_argument("--mask: pixel-mode layers do not take masks");
  }
  if (!test.path.empty() && layers.size() > 1)
    throw std::invalid_argument(
        "--test monitors one-layer runs: a network's upper layers have no objective of their own "
        "on images (their inputs are the maps below)");
}

bool LearningConfig::Strided() const {
  const auto strided = [](std::size_t s, const Padding& p) { return s != 1 || !p.ordinary; };
  if (strided(stride, padding)) return true;
  for (const LayerSettings& layer : layers)
    if (strided(layer.stride.value_or(stride), layer.padding.value_or(padding))) return true;
  return false;
}

void HeldOutOptions::Validate() const {
  if (every == 0) throw std::invalid_argument("--test-every must be positive");
  if (iterations == 0) throw std::invalid_argument("--test-iterations must be positive");
}

std::vector<ResolvedLayer> ResolveLayers(const LearningConfig& config, std::size_t channels,
                                         std::size_t rows, std::size_t cols) {
  if (config.filterSize.rows > rows || config.filterSize.cols > cols)
    throw std::invalid_argument("the filters (" + config.filterSize.ToString() +
                                ") are larger than the images (" + std::to_string(rows) + "x" +
                                std::to_string(cols) + "); choose a smaller --filter-size");
  const std::vector<LayerSettings> settings =
      config.layers.empty() ? std::vector<LayerSettings>(1) : config.layers;
  std::vector<ResolvedLayer> layers(settings.size());
  for (std::size_t l = 1; l <= layers.size(); ++l) {
    const LayerSettings& given = settings[l - 1];
    ResolvedLayer& layer = layers[l - 1];
    LayerSpec& spec = layer.spec;
    layer.size = given.filterSize.value_or(config.filterSize);
    layer.iterations = given.iterations.value_or(config.learning.iterations);
    spec.filters = given.filters.value_or(config.filters);
    spec.filterRows = layer.size.rows;
    spec.filterCols = layer.size.cols;
    spec.lambda = given.lambda.value_or(config.learning.lambda);
    spec.connectivity = given.connectivity;
    spec.pooling = given.pooling;
    spec.inference = given.inference;
    spec.stride = given.stride.value_or(config.stride);
    spec.padding = given.padding.value_or(config.padding);
    spec.connectivitySeed = config.seed + (l - 1);
    spec.channels =
        l == 1 ? channels
               : PoolingShape::Pooled(layers[l - 2].spec.filters, layers[l - 2].spec.pooling.maps);
    const std::size_t required = RequiredMapCount(spec.connectivity, spec.channels);
    if (required > 0 && spec.filters != required) {
      if (given.filters)
        throw std::invalid_argument(
            LayerOptionName(l, "filters") + " must be " + std::to_string(required) +
            " for singles-and-doubles connectivity over " + std::to_string(spec.channels) +
            " input maps (" + std::to_string(spec.channels) + " + " +
            std::to_string(required - spec.channels) + "), not " + std::to_string(spec.filters) +
            "; or leave it out");
      spec.filters = required;
    }
    if (spec.connectivity == ConnectivityType::RandomDoubles && spec.channels < 2)
      throw std::invalid_argument(LayerOptionName(l, "connectivity") +
                                  " random-doubles needs at least 2 input maps; layer " +
                                  std::to_string(l) + " has " + std::to_string(spec.channels));
  }
  std::vector<LayerSpec> specs;
  for (const ResolvedLayer& layer : layers) specs.push_back(layer.spec);
  ValidateArchitecture(specs);
  try {
    LayerShapes(specs, rows, cols, config.learning.boundary);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + "; choose smaller filters or less pooling");
  }
  return layers;
}

namespace {

//! A whole number of at most 19 digits; std::invalid_argument naming `option` otherwise.
std::uint64_t WholeNumber(const std::string& text, const std::string& option) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument(option + " must be a whole number, not '" + text + "'");
  return std::stoull(text);
}

double RealNumber(const std::string& text, const std::string& option) {
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0')
    throw std::invalid_argument(option + " must be a number, not '" + text + "'");
  return number;
}

//! A switch as dn-learn's config files write it: true/false, on/off, yes/no or 1/0.
bool Switch(const std::string& text, const std::string& option) {
  if (text == "true" || text == "on" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "off" || text == "no" || text == "0") return false;
  throw std::invalid_argument(option + " must be true or false, not '" + text + "'");
}

PlannerEffort ParsePlanner(const std::string& text, const std::string& option) {
  if (text == "estimate") return PlannerEffort::Estimate;
  if (text == "measure") return PlannerEffort::Measure;
  throw std::invalid_argument(option + " must be estimate or measure, not '" + text + "'");
}

std::string Trimmed(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

void SetLearningSetting(LearningConfig& c, const std::string& key, const std::string& text) {
  const std::string option = "--" + key;
  LearningOptions& l = c.learning;
  if (key == "filters")
    c.filters = WholeNumber(text, option);
  else if (key == "filter-size")
    c.filterSize = FilterSize::Parse(text, option);
  else if (key == "lambda")
    l.lambda = RealNumber(text, option);
  else if (key == "iterations")
    l.iterations = WholeNumber(text, option);
  else if (key == "coding-iterations")
    l.codingIterations = WholeNumber(text, option);
  else if (key == "solver")
    l.solver = text;
  else if (key == "boundary")
    l.boundary = ParseBoundary(text);
  else if (key == "dictionary-method")
    l.dictionary.method = text;
  else if (key == "dictionary-iterations")
    l.dictionary.iterations = WholeNumber(text, option);
  else if (key == "zero-mean")
    l.dictionary.zeroMean = Switch(text, option);
  else if (key == "planner")
    l.effort = ParsePlanner(text, option);
  else if (key == "preprocess")
    c.preprocess.method = ParsePreprocessMethod(text);
  else if (key == "highpass-lambda")
    c.preprocess.highpassLambda = RealNumber(text, option);
  else if (key == "highpass-pad")
    c.preprocess.highpassPad = WholeNumber(text, option);
  else if (key == "lcn-sigma")
    c.preprocess.lcnSigma = RealNumber(text, option);
  else if (key == "colour")
    c.colour = Switch(text, option);
  else if (key == "seed")
    c.seed = WholeNumber(text, option);
  else if (key == "precision")
    c.precision = ParsePrecision(text);
  else if (key == "checkpoint-every")
    c.checkpoints.every = WholeNumber(text, option);
  else if (key == "checkpoint-seconds")
    c.checkpoints.seconds = RealNumber(text, option);
  else if (key == "checkpoint-share")
    c.checkpoints.share = RealNumber(text, option);
  else if (key == "learner")
    l.learner = text;
  else if (key == "batch-size")
    l.online.batchSize = WholeNumber(text, option);
  else if (key == "crop") {
    const FilterSize crop = text == "none" ? FilterSize{0, 0} : FilterSize::Parse(text, option);
    l.online.cropRows = crop.rows;
    l.online.cropCols = crop.cols;
  } else if (key == "update")
    l.online.update = text;
  else if (key == "eta-a")
    l.online.etaA = RealNumber(text, option);
  else if (key == "eta-b")
    l.online.etaB = RealNumber(text, option);
  else if (key == "forgetting")
    l.online.forgetting = RealNumber(text, option);
  else if (key == "test")
    c.test.path = text == "none" || text.empty() ? "" : std::filesystem::absolute(text).string();
  else if (key == "test-every")
    c.test.every = WholeNumber(text, option);
  else if (key == "test-iterations")
    c.test.iterations = WholeNumber(text, option);
  else if (key == "stride")
    c.stride = WholeNumber(text, option);
  else if (key == "padding")
    c.padding = Padding::Parse(text, option);
  else if (key == "mask")
    c.mask = text == "none" || text.empty() ? "" : std::filesystem::absolute(text).string();
  else
    throw std::invalid_argument("unknown learning setting '" + key + "'");
}

std::string LearningSettingText(const LearningConfig& c, const std::string& key) {
  const LearningOptions& l = c.learning;
  if (key == "filters") return std::to_string(c.filters);
  if (key == "filter-size") return c.filterSize.ToString();
  if (key == "lambda") return NumberText(l.lambda);
  if (key == "iterations") return std::to_string(l.iterations);
  if (key == "coding-iterations") return std::to_string(l.codingIterations);
  if (key == "solver") return l.solver;
  if (key == "boundary") return ToString(l.boundary);
  if (key == "dictionary-method") return l.dictionary.method;
  if (key == "dictionary-iterations") return std::to_string(l.dictionary.iterations);
  if (key == "zero-mean") return Bool(l.dictionary.zeroMean);
  if (key == "planner") return PlannerName(l.effort);
  if (key == "preprocess") return ToString(c.preprocess.method);
  if (key == "highpass-lambda") return NumberText(c.preprocess.highpassLambda);
  if (key == "highpass-pad") return std::to_string(c.preprocess.highpassPad);
  if (key == "lcn-sigma") return NumberText(c.preprocess.lcnSigma);
  if (key == "colour") return Bool(c.colour);
  if (key == "seed") return std::to_string(c.seed);
  if (key == "precision") return ToString(c.precision);
  if (key == "checkpoint-every") return std::to_string(c.checkpoints.every);
  if (key == "checkpoint-seconds") return NumberText(c.checkpoints.seconds);
  if (key == "checkpoint-share") return NumberText(c.checkpoints.share);
  if (key == "learner") return l.learner;
  if (key == "batch-size") return std::to_string(l.online.batchSize);
  if (key == "crop")
    return l.online.cropRows == 0 ? "none"
                                  : FilterSize{l.online.cropRows, l.online.cropCols}.ToString();
  if (key == "update") return l.online.update;
  if (key == "eta-a") return NumberText(l.online.etaA);
  if (key == "eta-b") return NumberText(l.online.etaB);
  if (key == "forgetting") return NumberText(l.online.forgetting);
  if (key == "test") return c.test.path.empty() ? "none" : c.test.path;
  if (key == "test-every") return std::to_string(c.test.every);
  if (key == "test-iterations") return std::to_string(c.test.iterations);
  if (key == "stride") return std::to_string(c.stride);
  if (key == "padding") return c.padding.ToString();
  if (key == "mask") return c.mask.empty() ? "none" : c.mask;
  throw std::invalid_argument("unknown learning setting '" + key + "'");
}

std::string LearningConfigText(const LearningConfig& c) {
  std::ostringstream out;
  const auto put = [&out](const std::string& key, const std::string& value) {
    out << key << " = " << value << "\n";
  };
  for (const std::string& key : kRunKeys) put(key, LearningSettingText(c, key));
  put("layers", std::to_string(c.layers.size()));
  for (std::size_t l = 1; l <= c.layers.size(); ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    for (const std::string& key : kLayerKeys)
      if (const auto value = LayerSettingText(c.layers[l - 1], key)) put(p + key, *value);
  }
  return out.str();
}

LearningConfig ParseLearningConfig(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::size_t eq = line.find(" = ");
    if (eq == std::string::npos)
      throw std::runtime_error("learning config: invalid line '" + line + "'");
    values[line.substr(0, eq)] = line.substr(eq + 3);
  }
  const auto get = [&values](const std::string& key) -> const std::string& {
    const auto found = values.find(key);
    if (found == values.end())
      throw std::runtime_error("learning config: '" + key + "' is missing");
    return found->second;
  };
  LearningConfig c;
  try {
    for (const std::string& key : kRunKeys)
      if (values.count(key) ||
          std::find(kLaterRunKeys.begin(), kLaterRunKeys.end(), key) == kLaterRunKeys.end())
        SetLearningSetting(c, key, get(key));
    c.layers.resize(WholeNumber(get("layers"), "layers"));
    for (std::size_t l = 1; l <= c.layers.size(); ++l) {
      const std::string p = "layer" + std::to_string(l) + ".";
      for (const std::string& key : kLayerKeys)
        if (values.count(p + key)) SetLayerSetting(c.layers[l - 1], key, get(p + key), p + key);
    }
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("learning config: ") + e.what());
  }
  return c;
}

LearningConfig ReadLearningConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the config file");
  LearningConfig c;
  std::vector<LayerSettingsText> layers(kMaxLayers);
  std::optional<long long> depth;
  std::string line, section;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string where = path + ":" + std::to_string(number) + ": ";
    line = Trimmed(line.substr(0, line.find_first_of("#;")));
    if (line.empty()) continue;
    try {
      if (line.front() == '[') {
        section = Trimmed(line.substr(1, line.find(']') - 1));
        if (line.back() != ']') throw std::invalid_argument("invalid section '" + line + "'");
        continue;
      }
      const std::size_t eq = line.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("expected key = value");
      std::string key = Trimmed(line.substr(0, eq));
      const std::string value = Trimmed(line.substr(eq + 1));
      if (!section.empty()) key = section + "." + key;
      const std::size_t dot = key.find('.');
      if (key == "layers") {
        depth = static_cast<long long>(WholeNumber(value, "--layers"));
      } else if (dot != std::string::npos) {
        const std::string prefix = key.substr(0, dot), setting = key.substr(dot + 1);
        std::size_t l = 0;
        for (std::size_t i = 1; i <= kMaxLayers; ++i)
          if (prefix == "layer" + std::to_string(i)) l = i;
        if (l == 0 || std::find(kLayerKeys.begin(), kLayerKeys.end(), setting) == kLayerKeys.end())
          throw std::invalid_argument("unknown option '" + key + "'");
        LayerSettings check;  // refuse a bad value on its own line
        SetLayerSetting(check, setting, value, "--" + key);
        layers[l - 1].emplace_back(setting, value);
      } else {
        if (std::find(kRunKeys.begin(), kRunKeys.end(), key) == kRunKeys.end())
          throw std::invalid_argument("unknown option '" + key + "'");
        SetLearningSetting(c, key, value);
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + e.what());
    }
  }
  try {
    SetLayers(c, layers, depth);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
  return c;
}

}  // namespace dn
