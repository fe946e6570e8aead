// The settings of a learning run (dn-learn, the Python module's learn()): typed, with their
// defaults in one place, checked by Validate() with messages that name each field as dn-learn
// names its option; and the resolution of a network's layers from the run-wide settings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/precision.hpp"
#include "learning/dictionary_learning.hpp"
#include "network/network.hpp"
#include "preprocess/preprocess.hpp"

namespace dn {

//! A filter size, rows x columns.
struct FilterSize {
  std::size_t rows = 8, cols = 8;
  //! "S" (S x S) or "HxW"; std::invalid_argument naming `option` (e.g. "--filter-size").
  static FilterSize Parse(const std::string& text, const std::string& option = "--filter-size");
  //! "HxW"
  std::string ToString() const;
};

//! When a run writes checkpoints: after every `every`-th iteration, and after an iteration that
//! ends `seconds` or more after the last checkpoint (0 disables either) and late enough that the
//! checkpoints of this rule take at most `share` of the run's time (the wait is then at least
//! (1 - share) / share times the last checkpoint's cost; 0 disables the bound) unless the layer
//! is expected to end sooner than that wait; always at the start and at the end of every layer.
struct CheckpointPolicy {
  std::size_t every = 0;  //!< --checkpoint-every
  double seconds = 60;    //!< --checkpoint-seconds
  double share = 0.05;    //!< --checkpoint-share, in [0, 1)
  void Validate() const;
};

//! One layer's own settings (layerN.* of dn-learn); those not given take the run-wide values.
struct LayerSettings {
  std::optional<std::size_t> filters;     //!< default: LearningConfig::filters
  std::optional<FilterSize> filterSize;   //!< default: LearningConfig::filterSize
  std::optional<double> lambda;           //!< default: learning.lambda
  std::optional<std::size_t> iterations;  //!< default: learning.iterations
  ConnectivityType connectivity = ConnectivityType::Full;
  PoolingShape pooling;  //!< none by default
  InferenceMode inference = InferenceMode::Layer;
  std::optional<std::size_t> stride;  //!< default: LearningConfig::stride
  std::optional<Padding> padding;     //!< default: LearningConfig::padding
};

//! The keys of a layer's settings, as dn-learn's layerN.* options, run.ini and the config text
//! name them, in that order.
inline const std::vector<std::string> kLayerKeys = {
    "filters", "filter-size", "lambda",    "iterations", "connectivity",
    "pooling", "inference",   "stride",    "padding"};

//! Sets setting `key` (one of kLayerKeys) of `layer` from its text, as LayerSettingText writes
//! it; std::invalid_argument naming `option` (e.g. "--layer2.pooling") for a bad value.
void SetLayerSetting(LayerSettings& layer, const std::string& key, const std::string& text,
                     const std::string& option);
//! The text of setting `key` (one of kLayerKeys) of `layer`, which SetLayerSetting reads back
//! exactly; nullopt for a setting left to the run-wide value.
std::optional<std::string> LayerSettingText(const LayerSettings& layer, const std::string& key);

//! Held-out monitoring (run/held_out.hpp): the objective of images the learner never sees, coded
//! over the current filters every `every` iterations and after a layer's last.
struct HeldOutOptions {
  std::string path;              //!< --test: images as dn-learn reads its inputs; empty: none
  std::size_t every = 10;        //!< --test-every
  std::size_t iterations = 200;  //!< --test-iterations: solver iterations per test image
  void Validate() const;
};

struct LearningConfig {
  std::size_t filters = 64;  //!< layer 1's filter count (the default of every layer's)
  FilterSize filterSize;     //!< 8x8
  //! lambda, iterations (200), codingIterations, solver, boundary, dictionary (method,
  //! iterations, zeroMean) and planner effort, with LearningOptions' defaults.
  LearningOptions learning;
  PreprocessOptions preprocess;
  bool colour = false;     //!< learn on colour images (C channels) instead of grey
  std::uint64_t seed = 1;  //!< of the random initial filters (layer l: seed + l - 1)
  Precision precision = Precision::Single;
  //! Every layer's stride and padding unless it gives its own (conv/strided_geometry.hpp):
  //! stride 1 with the default padding is the ordinary layer.
  std::size_t stride = 1;
  Padding padding;
  //! A network's layers, 1 to kMaxLayers; empty: one layer of the run-wide settings.
  std::vector<LayerSettings> layers;
  CheckpointPolicy checkpoints;
  HeldOutOptions test;
  //! --mask: a directory of masks, one per training image (io/mask.hpp): the batch learner then
  //! learns from the known pixels only (learning from incomplete images); empty: none.
  std::string mask;

  //! Whether any layer is strided (a stride above 1 or a padding other than the default).
  bool Strided() const;
  //! Layers of the run (1 when `layers` is empty).
  std::size_t Depth() const { return layers.empty() ? 1 : layers.size(); }
  //! Throws std::invalid_argument naming the field as dn-learn names the option, e.g.
  //! "--layer2.lambda must be finite and >= 0".
  void Validate() const;
};

//! A layer's settings as text: (key, text) pairs as SetLayerSetting reads them.
using LayerSettingsText = std::vector<std::pair<std::string, std::string>>;
//! Sets config.layers from the settings given for each layer (given[l - 1]: layer l's) and the
//! layer count `depth` when given; without it the count is the highest layer with a setting,
//! and with neither the run has one layer of the run-wide settings (config.layers empty).
//! std::invalid_argument naming dn-learn's option: a `depth` not 1 to kMaxLayers, a setting of a
//! layer above it, a bad value.
void SetLayers(LearningConfig& config, const std::vector<LayerSettingsText>& given,
               std::optional<long long> depth);

//! A layer with every setting resolved.
struct ResolvedLayer {
  LayerSpec spec;  //!< channels, filters, filter size, lambda, connectivity and its seed, ...
  FilterSize size;
  std::size_t iterations = 0;
  //! The layer's settings with every one given (its resolved values).
  LayerSettings Settings() const;
};

//! The layers of `config` for images of rows x cols x channels: each layer's input channels
//! (layer 1: the images'), the map counts singles-and-doubles imposes, checked against the
//! image size. std::invalid_argument with dn-learn's messages otherwise.
std::vector<ResolvedLayer> ResolveLayers(const LearningConfig& config, std::size_t channels,
                                         std::size_t rows, std::size_t cols);

//! "--layerN.key", how messages name a layer's setting.
std::string LayerOptionName(std::size_t layer, const std::string& key);

//! The run-wide settings' keys, as dn-learn's options and the config text name them, in that
//! order ("layers" and the layers' own settings aside).
inline const std::vector<std::string> kRunKeys = {"filters",
                                                  "filter-size",
                                                  "lambda",
                                                  "iterations",
                                                  "coding-iterations",
                                                  "solver",
                                                  "boundary",
                                                  "dictionary-method",
                                                  "dictionary-iterations",
                                                  "zero-mean",
                                                  "planner",
                                                  "preprocess",
                                                  "highpass-lambda",
                                                  "highpass-pad",
                                                  "lcn-sigma",
                                                  "colour",
                                                  "seed",
                                                  "precision",
                                                  "checkpoint-every",
                                                  "checkpoint-seconds",
                                                  "checkpoint-share",
                                                  "learner",
                                                  "batch-size",
                                                  "crop",
                                                  "update",
                                                  "eta-a",
                                                  "eta-b",
                                                  "forgetting",
                                                  "test",
                                                  "test-every",
                                                  "test-iterations",
                                                  "stride",
                                                  "padding",
                                                  "mask"};
//! The keys added after the first checkpoint format: a checkpoint's config text without them
//! takes their defaults.
inline const std::vector<std::string> kLaterRunKeys = {
    "checkpoint-share", "learner", "batch-size", "crop",           "update", "eta-a", "eta-b",
    "forgetting",       "test",    "test-every", "test-iterations", "stride", "padding", "mask"};

//! A setting as front ends describe it: its key (of kRunKeys), the name of its value, and what
//! it means (dn-learn's --help).
struct SettingHelp {
  const char* key;
  const char* value;
  const char* help;
};
//! The online learner's settings (learning/online_learning.hpp), for dn-learn's --help.
inline const std::vector<SettingHelp> kOnlineSettings = {
    {"learner", "L",
     "batch (every image's maps kept, all images in memory) or online (minibatches drawn from "
     "images read one at a time; one layer)"},
    {"batch-size", "B", "online: images per iteration"},
    {"crop", "HxW", "online: a random HxW window of each image drawn, or none (whole images)"},
    {"update", "U",
     "online: dictionary update, surrogate (running statistics, second order) or sgd "
     "(stochastic projected gradient)"},
    {"eta-a", "A", "online sgd: step eta_t = A / (t + B), in units of 1/L of the minibatch"},
    {"eta-b", "B", "online sgd: see --eta-a"},
    {"forgetting", "F", "online surrogate: forgetting factor of the statistics, in (0, 1]"}};
//! The held-out monitoring settings, for dn-learn's --help.
inline const std::vector<SettingHelp> kHeldOutSettings = {
    {"test", "PATH",
     "held-out images (a directory, a .txt list of paths, an .npy stack or an image; read and "
     "preprocessed as the inputs): their mean objective is history.csv's test_objective (default: "
     "none; one-layer runs)"},
    {"test-every", "N", "evaluate the test objective every N iterations and after the last"},
    {"test-iterations", "N",
     "solver iterations (from zero maps, with --solver) per test image and evaluation"}};

//! The masked-learning setting, for dn-learn's --help.
inline const std::vector<SettingHelp> kMaskSettings = {
    {"mask", "DIR",
     "learn from incomplete images: DIR holds one mask per training image, named by its stem "
     "(images/a.png: DIR/a.png or DIR/a.npy; 0 unknown, 1 known, or weights); only the known "
     "pixels are fitted, and the preprocessing estimates its lowpass from them (batch learner, "
     "ordinary layers, fista, ista or admm; default: none)"}};

//! The strided-layer settings, for dn-learn's --help.
inline const std::vector<SettingHelp> kStridedSettings = {
    {"stride", "S",
     "stride of every layer's transposed convolution (learned upsampling): maps S times smaller "
     "than the layer's input on each axis; 1 is the ordinary layer"},
    {"padding", "P",
     "padding of the transposed convolution, output o' = S(i' - 1) + k - 2P: default (the "
     "boundary's: k - 1 valid, 0 circular), P or PxQ (rows x columns)"}};

//! Sets run-wide setting `key` (one of kRunKeys) of `config` from its text as
//! LearningSettingText writes it (switches also on/off, yes/no, 1/0); std::invalid_argument
//! naming the option ("--key") for a bad value or an unknown key.
void SetLearningSetting(LearningConfig& config, const std::string& key, const std::string& text);
//! The text of run-wide setting `key` (one of kRunKeys), which SetLearningSetting reads back.
std::string LearningSettingText(const LearningConfig& config, const std::string& key);

//! The config as INI text (keys named as dn-learn's options, every layer resolved against its
//! defaults), which ParseLearningConfig reads back exactly; a checkpoint keeps it so that a run
//! resumes from the library alone.
std::string LearningConfigText(const LearningConfig& config);
//! Inverse of LearningConfigText; std::runtime_error naming a bad line.
LearningConfig ParseLearningConfig(const std::string& text);

//! A config from a file in dn-learn's --config format over the defaults: `key = value` lines of
//! dn-learn's options (kRunKeys, "layers", "layerN.key"), '#' or ';' comments, and [layerN]
//! sections holding layer N's settings (experiments/configs/*.ini). The front end's own options
//! (out, threads, init, inputs, ...) are not settings of the run and are refused like unknown
//! keys. std::runtime_error when the file cannot be read; std::invalid_argument naming the file
//! and line for an unknown key or a bad value.
LearningConfig ReadLearningConfigFile(const std::string& path);

}  // namespace dn
