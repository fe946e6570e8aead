#include "run/learning_config.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>

#include "network/connectivity.hpp"
#include "serialize/json.hpp"

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
    if (l == layers.size() && layer.pooling.Active())
      throw std::invalid_argument(option("pooling") + ": layer " + std::to_string(l) +
                                  " is the top layer and its pooling would feed nothing");
    const FilterSize size = layer.filterSize.value_or(filterSize);
    if (zeroMean && size.rows * size.cols == 1 && l > 1)
      throw std::invalid_argument("--zero-mean needs filters larger than 1x1 (" +
                                  option("filter-size") + " is 1x1)");
  }
  learning.Validate();
  preprocess.Validate();
  checkpoints.Validate();
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

std::string LearningConfigText(const LearningConfig& c) {
  std::ostringstream out;
  const auto put = [&out](const std::string& key, const std::string& value) {
    out << key << " = " << value << "\n";
  };
  put("filters", std::to_string(c.filters));
  put("filter-size", c.filterSize.ToString());
  put("lambda", NumberText(c.learning.lambda));
  put("iterations", std::to_string(c.learning.iterations));
  put("coding-iterations", std::to_string(c.learning.codingIterations));
  put("solver", c.learning.solver);
  put("boundary", ToString(c.learning.boundary));
  put("dictionary-method", c.learning.dictionary.method);
  put("dictionary-iterations", std::to_string(c.learning.dictionary.iterations));
  put("zero-mean", Bool(c.learning.dictionary.zeroMean));
  put("planner", PlannerName(c.learning.effort));
  put("preprocess", ToString(c.preprocess.method));
  put("highpass-lambda", NumberText(c.preprocess.highpassLambda));
  put("highpass-pad", std::to_string(c.preprocess.highpassPad));
  put("lcn-sigma", NumberText(c.preprocess.lcnSigma));
  put("colour", Bool(c.colour));
  put("seed", std::to_string(c.seed));
  put("precision", ToString(c.precision));
  put("checkpoint-every", std::to_string(c.checkpoints.every));
  put("checkpoint-seconds", NumberText(c.checkpoints.seconds));
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
  const auto count = [&](const std::string& key) {
    const std::string& value = get(key);
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
      throw std::runtime_error("learning config: " + key + " = '" + value +
                               "' is not a whole number");
    return static_cast<std::size_t>(std::stoull(value));
  };
  const auto real = [&](const std::string& key) {
    const std::string& value = get(key);
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0')
      throw std::runtime_error("learning config: " + key + " = '" + value + "' is not a number");
    return number;
  };
  const auto flag = [&](const std::string& key) { return get(key) == "true"; };
  LearningConfig c;
  try {
    c.filters = count("filters");
    c.filterSize = FilterSize::Parse(get("filter-size"), "filter-size");
    c.learning.lambda = real("lambda");
    c.learning.iterations = count("iterations");
    c.learning.codingIterations = count("coding-iterations");
    c.learning.solver = get("solver");
    c.learning.boundary = ParseBoundary(get("boundary"));
    c.learning.dictionary.method = get("dictionary-method");
    c.learning.dictionary.iterations = count("dictionary-iterations");
    c.learning.dictionary.zeroMean = flag("zero-mean");
    c.learning.effort =
        get("planner") == "measure" ? PlannerEffort::Measure : PlannerEffort::Estimate;
    c.preprocess.method = ParsePreprocessMethod(get("preprocess"));
    c.preprocess.highpassLambda = real("highpass-lambda");
    c.preprocess.highpassPad = count("highpass-pad");
    c.preprocess.lcnSigma = real("lcn-sigma");
    c.colour = flag("colour");
    c.seed = count("seed");
    c.precision = ParsePrecision(get("precision"));
    c.checkpoints.every = count("checkpoint-every");
    c.checkpoints.seconds = real("checkpoint-seconds");
    c.layers.resize(count("layers"));
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

}  // namespace dn
