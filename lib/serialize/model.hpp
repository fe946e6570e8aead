// Model directories: everything dn-reconstruct and dn-inspect need, readable with NumPy alone.
//
//   <model>/manifest.ini   human-readable settings, readable with Python's configparser: a
//                          "[model]" section of `key = value` lines (# comments) with the
//                          settings of the whole model, then one "[layerN]" section per layer
//   <model>/dictionary.npy layer 1's filter bank, float64, C order, (K, h, w) when C == 1, else
//                          (K, C, h, w)
//   <model>/layerN_dictionary.npy   layer N's (N >= 2), the same axes, zero where the layer's
//                          connectivity table has no connection
//
// Format 1 (single-layer models of deconvnet 0.1) had no layer sections: layer 1's shape and
// lambda were keys of [model]. Format 3 added each layer's stride and padding (strided layers;
// format 2's layers are ordinary). LoadModel reads all three; SaveModel writes format 3.
//
// A model is written into a temporary sibling directory and renamed into place, so a crash never
// leaves a half-written model (see SaveModel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <vector>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "network/network.hpp"
#include "preprocess/preprocess.hpp"

namespace dn {

//! The manifest format this build writes; it reads this one and formats 1 and 2.
constexpr int kModelFormatVersion = 3;

//! The settings a model was learned with, and the defaults it gives inference.
struct ModelManifest {
  int formatVersion = kModelFormatVersion;  //!< as read; SaveModel writes kModelFormatVersion
  Precision precision = Precision::Single;  //!< precision of learning
  Boundary boundary = Boundary::Valid;
  double lambda = 0.1;           //!< layer 1's l1 weight, >= 0
  std::string solver = "auto";  //!< sparse coding solver for inference
  std::size_t iterations = 200;  //!< default inference iterations, > 0
  double tolerance = 1e-4;       //!< default inference tolerance, >= 0
  PreprocessOptions preprocess;
  bool colour = false;    //!< images were read in colour
  bool zeroMean = false;  //!< filters were constrained to zero mean
  std::size_t filters = 0, channels = 0, filterRows = 0, filterCols = 0;  //!< layer 1's K, C, h, w
  std::uint64_t seed = 1;  //!< seed of the learning run
  //! Every layer (LoadModel fills it; layers[0] agrees with the layer-1 fields above).
  std::vector<LayerSpec> layers;
};

//! Writes `modelDir` (manifest.ini and dictionary.npy): first into a fresh temporary sibling
//! directory, which is then renamed into place; an existing `modelDir` is renamed aside first and
//! removed afterwards. The directory gets the mode mkdir gives (0777 less the umask). Throws
//! std::invalid_argument if the manifest is invalid or disagrees with the filters' shape,
//! std::runtime_error if writing fails (leaving any previous model in place).
void SaveModel(const std::string& modelDir, const ModelManifest& manifest,
               const FilterBank<double>& filters);
//! The same for a network of any depth: the manifest gives the model's settings, the network
//! every layer (the manifest's layer fields and `layers` are not read). Throws
//! std::invalid_argument for an invalid network or manifest.
void SaveModel(const std::string& modelDir, const ModelManifest& manifest,
               const Network<double>& network);

struct Model {
  ModelManifest manifest;
  FilterBank<double> filters;                     //!< layer 1's (all of a single-layer model)
  std::vector<FilterBank<double>> higherLayers;  //!< layers 2, 3, ... of a network
  std::size_t Depth() const { return 1 + higherLayers.size(); }
};

//! The model's network: every layer's spec, filters and connectivity table.
Network<double> ToNetwork(const Model& model);

//! Reads a model from `path`: a model directory, or a directory holding one as `model/` (the
//! output directory of dn-learn). Throws std::runtime_error naming the file for a missing model
//! or manifest, an unsupported format version, a missing, duplicate, unknown or invalid key or
//! section, an invalid architecture, a missing or corrupt dictionary, a dictionary whose shape
//! disagrees with the manifest, one whose filters are all zero, or one with non-zero filters
//! where its layer's connectivity table has no connection.
Model LoadModel(const std::string& path);

}  // namespace dn
