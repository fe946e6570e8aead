// The learner of one layer of a network (network/training.hpp), as the trainer and a learning
// run see it: "batch" (DictionaryLearner: layer 1 and layer-mode layers, every image's maps kept)
// and "pixel" (PixelLayerLearner: a layer >= 2 learned through the layers below). The trainer
// makes the learner of each layer by name (MakeLayerLearner in network/training.cpp), so a new
// learner (issue 11's online learner) is one more implementation and one more name.
#pragma once

#include "parallel/communicator.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/saved_state.hpp"
#include "core/state_archive.hpp"
#include "core/timer.hpp"
#include "core/types.hpp"
#include "solvers/iteration_record.hpp"

namespace dn {

template <typename T>
class LayerLearner {
public:
  virtual ~LayerLearner() = default;
  //! The name the learner is chosen by, and that ObservedRun::learner reports.
  virtual std::string Name() const = 0;
  //! Runs the learner's remaining outer iterations (continuing after earlier calls); the
  //! observer sees Begin(), one record per outer iteration and End(). Returns the last record.
  virtual IterationRecord Run(Observer* observer = nullptr) = 0;
  virtual const FilterBank<T>& Dictionary() const = 0;
  //! The maps of training image `image` (passed on to the next layer).
  virtual const Maps<T>& MapsOf(std::size_t image) const = 0;
  //! Outer iterations run so far.
  virtual std::size_t Iteration() const = 0;
  //! Everything needed to go on bit for bit (same thread count), as Describe() names it.
  SavedState<T> SaveState() const { return SaveDescribed<T>(*this); }
  //! SaveState() viewing the learner's arrays instead of copying them: valid only until the
  //! learner next changes, for writing a checkpoint at once (gigabytes for the batch learner).
  SavedState<T> StateView() const { return ViewDescribed<T>(*this); }
  //! The fields of the state, for both directions (core/state_archive.hpp).
  virtual void Describe(StateArchive<T>& archive) = 0;
  //! Continues from SaveState() of a learner made alike; std::runtime_error naming what
  //! disagrees, the learner then left as it was.
  virtual void RestoreState(const SavedState<T>& state) = 0;
};

//! The outer loop of every learner's Run(): the observer's Begin({name, 0, iterations}), then up
//! to `iterations` calls of `iterate` (one outer iteration, given its time to add to the
//! learner's and returning its record), each record shown to the observer, which may stop the
//! loop; then End(). Returns the last record.
IterationRecord RunOuterIterations(const std::string& name, std::size_t iterations,
                                   Observer* observer,
                                   const std::function<IterationRecord(const Timer&)>& iterate);

//! Refuses (std::invalid_argument "<who>: ...") an empty set of training images, images of
//! different sizes or with NaN or infinite values, and, when `channels` is given, images whose
//! channel count is not the filters'.
template <typename T>
void CheckTrainingImages(const std::string& who, const std::vector<Image<T>>& signals,
                         std::optional<std::size_t> channels);

//! The coding statistics of a learner's images in one outer iteration, summed.
struct CodingSums {
  double fidelity = 0.0, l1 = 0.0, density = 0.0;
  std::size_t images = 0;
  void Add(const IterationRecord& coded) {
    fidelity += coded.fidelity;
    l1 += coded.l1;
    density += coded.density;
    ++images;
  }
  //! The sums over every rank's images of their coding records (`mine`: this rank's, in order),
  //! added in image order: the same on every rank and for every split (parallel/communicator.hpp).
  static CodingSums Gathered(const std::vector<IterationRecord>& mine, Communicator& communicator);
};

//! The record of outer iteration `iteration` of learner `who` (e.g. "DictionaryLearner"):
//! objective = fidelity + lambda * l1 of `sums`, density averaged over the images, the relative
//! change of the filters from `previous`. Throws DivergenceError when the objective is not
//! finite.
template <typename T>
IterationRecord LearnerRecord(const std::string& who, std::size_t iteration, double seconds,
                              const CodingSums& sums, double lambda, const FilterBank<T>& previous,
                              const FilterBank<T>& filters, std::size_t rejectedSteps);
//! Throws DivergenceError naming `who` and the iteration (1-based) unless every filter value is
//! finite after a dictionary step.
template <typename T>
void CheckFiniteStep(const std::string& who, std::size_t iteration, const FilterBank<T>& filters);

}  // namespace dn
