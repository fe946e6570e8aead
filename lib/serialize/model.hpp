// Model directories: everything dn-reconstruct and dn-inspect need, readable with NumPy alone.
//
//   <model>/manifest.ini   human-readable settings: a "[model]" section of `key = value` lines
//                          (# comments), readable with Python's configparser
//   <model>/dictionary.npy the filter bank, float64, C order, (K, h, w) when C == 1, else
//                          (K, C, h, w)
//
// A model is written into a temporary sibling directory and renamed into place, so a crash never
// leaves a half-written model (see SaveModel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/types.hpp"
#include "preprocess/preprocess.hpp"

namespace dn {

//! The manifest format this build writes and reads.
constexpr int kModelFormatVersion = 1;

//! The settings a model was learned with, and the defaults it gives inference.
struct ModelManifest {
  int formatVersion = kModelFormatVersion;  //!< must be kModelFormatVersion
  std::string precision = "single";         //!< precision of learning: "single" or "double"
  Boundary boundary = Boundary::Valid;
  double lambda = 0.1;           //!< l1 weight, >= 0
  std::string solver = "fista";  //!< sparse coding solver for inference
  std::size_t iterations = 200;  //!< default inference iterations, > 0
  double tolerance = 1e-4;       //!< default inference tolerance, >= 0
  PreprocessOptions preprocess;
  bool colour = false;    //!< images were read in colour
  bool zeroMean = false;  //!< filters were constrained to zero mean
  std::size_t filters = 0, channels = 0, filterRows = 0, filterCols = 0;  //!< K, C, h, w
  std::uint64_t seed = 1;  //!< seed of the learning run
};

//! Writes `modelDir` (manifest.ini and dictionary.npy): first into a fresh temporary sibling
//! directory, which is then renamed into place; an existing `modelDir` is renamed aside first and
//! removed afterwards. The directory gets the mode mkdir gives (0777 less the umask). Throws
//! std::invalid_argument if the manifest is invalid or disagrees with the filters' shape,
//! std::runtime_error if writing fails (leaving any previous model in place).
void SaveModel(const std::string& modelDir, const ModelManifest& manifest,
               const FilterBank<double>& filters);

struct Model {
  ModelManifest manifest;
  FilterBank<double> filters;
};

//! Reads a model from `path`: a model directory, or a directory holding one as `model/` (the
//! output directory of dn-learn). Throws std::runtime_error naming the file for a missing model
//! or manifest, an unsupported format version, a missing, duplicate, unknown or invalid key, a
//! missing or corrupt dictionary.npy, a dictionary whose shape disagrees with the manifest, or
//! one whose filters are all zero.
Model LoadModel(const std::string& path);

}  // namespace dn
