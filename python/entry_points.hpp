// What each function of the Python module computes, in plain C++ (no Python in it): one function
// per entry point, making the same library calls in the same order as the executable it mirrors,
// so that results are bit-identical to the command line's. These functions are the seams where
// the run layer's entry points (lib/run) take over.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "fft/fft.hpp"
#include "preprocess/preprocess.hpp"
#include "serialize/model.hpp"
#include "solvers/csc_solver.hpp"

namespace dn::python {

//! The settings of one sparse coding problem (dn-reconstruct's coding options).
struct CodingRequest {
  double lambda = 0.1;                             //!< weight of the l1 penalty, >= 0
  std::string solver = "fista";                    //!< ista, fista or admm
  Boundary boundary = Boundary::Valid;             //!< convolution boundary
  std::size_t iterations = 200;                    //!< at most this many iterations, > 0
  double tolerance = 0.0;                          //!< 0 runs every iteration
  Precision precision = Precision::Single;         //!< arithmetic
  PlannerEffort effort = PlannerEffort::Estimate;  //!< FFTW planning
};

//! The objective's terms of a result, as dn-reconstruct writes them to metrics.json.
struct Metrics {
  double objective = 0, fidelity = 0, l1 = 0, density = 0;
  double psnr = 0;  //!< model reconstructions only
};

template <typename T>
struct CodingOutcome {
  Maps<T> maps;             //!< (Hm, Wm, K)
  Image<T> reconstruction;  //!< D z
  SolveReport report;
  std::vector<IterationRecord> history;  //!< one record per iteration
  Metrics metrics;
};

//! deconvnet.sparse_code: codes `signal` (used as given) over `dictionary` from `init` (zeros
//! when null), as `dn-reconstruct --dictionary D --preprocess none`. `observer` sees every
//! iteration and may stop the solver. Throws std::invalid_argument for bad arguments.
template <typename T>
CodingOutcome<T> SparseCode(const FilterBank<double>& dictionary, const Image<double>& signal,
                            const Maps<double>* init, const CodingRequest& request,
                            Observer* observer);

//! The settings of an inference through a model: the model's, then any the caller overrides.
struct ReconstructSettings {
  std::size_t layer = 1;  //!< reconstruct from this layer's maps
  CodingRequest coding;   //!< lambda: layer `layer`'s
  PreprocessOptions preprocess;
};

//! The model's settings for an inference from layer `layer`, as dn-reconstruct --model takes
//! them when no option is given. Throws std::invalid_argument when the layer does not exist.
ReconstructSettings ModelSettings(const Model& model, std::size_t layer);

template <typename T>
struct ReconstructOutcome {
  Maps<T> maps;             //!< layer `layer`'s, (Hm, Wm, K)
  Image<T> reconstruction;  //!< in the preprocessed domain (reconstruction.npy)
  Image<T> signal;          //!< the preprocessed image (signal.npy)
  Image<double> viewable;   //!< the reconstruction restored to the image's domain
  SolveReport report;       //!< layer `layer`'s solve
  std::vector<std::vector<IterationRecord>> history;  //!< per layer inferred
  Metrics metrics;
};

//! Model.reconstruct: preprocesses `image`, infers layers 1 to settings.layer and reconstructs
//! from the top layer's maps, as dn-reconstruct --model. Throws std::invalid_argument for bad
//! arguments (an image the model cannot code).
template <typename T>
ReconstructOutcome<T> Reconstruct(const Model& model, const Image<double>& image,
                                  const ReconstructSettings& settings, Observer* observer);

//! Model.filters_in_pixel_space: layer `layer`'s filters projected to pixels, as dn-inspect
//! shows them. Throws std::invalid_argument when the layer does not exist.
std::vector<Image<double>> FiltersInPixelSpace(const Model& model, std::size_t layer);

//! Model.save: writes the model directory as dn-learn does.
void SaveModelDirectory(const std::string& path, const Model& model);

}  // namespace dn::python
