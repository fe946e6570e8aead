// Greedy layer-wise training of a deconvolutional network (Zeiler et al., CVPR 2010;
// Zeiler, Taylor & Fergus, ICCV 2011): layer 1 learns from the training images; then
// layer l learns, with the layers below fixed, from what they give for the whole training set:
//
//  - layer mode: layer l is a single-layer dictionary learner (learning/dictionary_learning.hpp)
//    on the pooled maps of layer l-1, its connectivity table held by the dictionary update;
//  - pixel mode: layer l is a PixelLayerLearner (pixel_learner.hpp) on the images, through the
//    layers below with their switches fixed.
// The maps a layer ends its training with are the ones passed on (pooled, with switches, when
// the layer pools), as in Zeiler's toolbox. Layer 1 is a DictionaryLearner in both modes, so a
// one-layer network trains exactly as dn-learn's single-layer model.
//
// The trainer's state between layers is explicit (the network so far, the switches and the
// output maps of the finished layers per image), and each layer's learner is an object of its
// own with its own state, made by name (MakeLayerLearner) behind one interface
// (learning/layer_learner.hpp). SaveState() puts both into one SavedState, from which
// RestoreState() continues bit for bit, between layers or within one (checkpoints,
// docs/robustness.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "learning/dictionary_learning.hpp"
#include "learning/online_learning.hpp"
#include "network/pixel_learner.hpp"

namespace dn {

struct NetworkTrainingOptions {
  //! Shared settings of every layer: solver, codingIterations, dictionary (method, iterations,
  //! zeroMean), boundary, effort. Its lambda and iterations are replaced per layer.
  LearningOptions common;
  std::vector<std::size_t> iterations;  //!< outer iterations per layer
  void Validate(std::size_t depth) const;
};

//! What the trainer holds between layers: everything needed to go on with the next layer.
template <typename T>
struct NetworkTrainingState {
  Network<T> network;                           //!< trained layers, initial filters above them
  std::size_t trained = 0;                      //!< layers finished
  std::vector<Maps<T>> maps;                    //!< per image, z of the last finished layer
  std::vector<Image<T>> outputs;                //!< per image, the next layer's input
  std::vector<std::vector<Switches>> switches;  //!< per image, per finished layer
};

template <typename T>
class NetworkTrainer {
public:
  //! `initial` holds the architecture and every layer's initial filters (network.boundary must
  //! be options.common.boundary); `signals` are the preprocessed training images.
  //! `weights`: empty, or per image its data weight (a mask), which layer 1 learns with (the
  //! batch learner; learning from incomplete images).
  NetworkTrainer(const NetworkTrainingOptions& options, Network<T> initial,
                 std::vector<Image<T>> signals, std::vector<Image<T>> weights = {});
  //! A one-layer network learned by the online learner from `stream` (options.common.learner
  //! "online"): no image is held, and no maps are passed on.
  NetworkTrainer(const NetworkTrainingOptions& options, Network<T> initial,
                 std::shared_ptr<TrainingStream<T>> stream);
  //! Goes on from a state taken between layers (State()), with the same images.
  NetworkTrainer(const NetworkTrainingOptions& options, NetworkTrainingState<T> state,
                 std::vector<Image<T>> signals);
  ~NetworkTrainer();

  std::size_t Depth() const { return state_.network.Depth(); }
  //! Layers finished so far.
  std::size_t LayersTrained() const { return state_.trained; }
  bool Done() const { return state_.trained == Depth(); }

  //! Trains the next layer for its iterations, then passes its maps on: StartLayer(),
  //! RunLayer(), FinishLayer(). Returns its last record.
  IterationRecord TrainNextLayer(Observer* observer = nullptr);
  //! Makes the next layer's learner (its initial filters from the network).
  void StartLayer();
  //! Makes the next layer's learner from the state its SaveState() gave (a checkpoint of the
  //! learner alone, as a one-layer run keeps). Throws as the learner's RestoreState(); the layer
  //! is then not started.
  void StartLayer(const SavedState<T>& learnerState);
  //! Runs the current layer's remaining iterations: the layer's count in the options less those
  //! done (CurrentIteration(), e.g. restored). The observer sees what the layer's learner
  //! reports (DictionaryLearner::Run(), PixelLayerLearner::Run()) with the layer number set in
  //! ObservedRun::layer and IterationRecord::layer; true from Observe() stops this layer. With
  //! no iteration left, returns a record of only the iteration count and the layer, and the
  //! observer sees nothing.
  IterationRecord RunLayer(Observer* observer = nullptr);
  //! Takes the current layer's filters and maps, pools them for the next layer, and drops the
  //! learner.
  void FinishLayer();
  //! The current layer's learner between StartLayer() and FinishLayer(), else null: "batch"
  //! (DictionaryLearner) for layer 1 and layer-mode layers, "pixel" (PixelLayerLearner) for
  //! pixel-mode layers (MakeLayerLearner).
  dn::LayerLearner<T>* Learner() { return learner_.get(); }
  const dn::LayerLearner<T>* Learner() const { return learner_.get(); }

  //! Outer iterations done in the current layer (0 when no layer is started).
  std::size_t CurrentIteration() const;

  //! Everything needed to go on bit for bit (same thread count): numbers layers, trained,
  //! images, started (a layer's learner exists); filters/<l> for every layer l (1-based);
  //! maps/<i> and outputs/<i> of each image i (when non-empty); the switches of image i and
  //! finished layer l under switches/<i>/<l>/ (numbers rows, cols, maps, pool_rows, pool_cols,
  //! pool_maps, and `source`, the indices as an n x 2 array (low and high 16 bits; exact in
  //! float below 2^40), when the layer pools); and, between StartLayer() and FinishLayer(),
  //! the learner's state under learner/ (DictionaryLearner or PixelLayerLearner::SaveState).
  SavedState<T> SaveState() const { return State(false); }
  //! SaveState() viewing the trainer's and the learner's arrays instead of copying them: valid
  //! only until training next changes them, for writing a checkpoint at once.
  SavedState<T> StateView() const { return State(true); }
  //! Restores SaveState() of a trainer of the same architecture and images into a trainer on
  //! which no layer has been started; the iteration counts may differ (a layer in progress then
  //! runs its new count less the iterations done, which must not exceed it:
  //! std::invalid_argument). Every entry is checked first; std::runtime_error naming the entry
  //! otherwise, and the trainer is left unchanged.
  void RestoreState(const SavedState<T>& state);

  //! The state between layers (not the current layer's learner: see LayerLearner()).
  const NetworkTrainingState<T>& State() const { return state_; }
  //! The network: trained layers, and initial filters above them.
  const Network<T>& Result() const { return state_.network; }
  //! Maps of the last finished layer for training image i.
  const Maps<T>& MapsOf(std::size_t image) const { return state_.maps.at(image); }
  //! Switches of layer `layer` (1-based, finished, pooling) for image i.
  const Switches& SwitchesOf(std::size_t image, std::size_t layer) const {
    return state_.switches.at(image).at(layer - 1);
  }

private:
  //! SaveState() (view: StateView()).
  SavedState<T> State(bool view) const;
  void Check() const;
  //! The layer shapes of the images held; none when learning from a stream.
  std::vector<LayerShape> SignalShapes(const Network<T>& network) const;
  //! StartLayer() for a layer of which `done` iterations are done (restored next).
  void StartLayerAt(std::size_t done);

  NetworkTrainingOptions options_;
  NetworkTrainingState<T> state_;
  std::vector<Image<T>> signals_;
  std::vector<Image<T>> weights_;  //!< empty, or layer 1's data weight per image
  std::shared_ptr<TrainingStream<T>> stream_;  //!< the online learner's images
  std::unique_ptr<dn::LayerLearner<T>> learner_;
};

//! The names of the layer learners: "batch", "online", "pixel".
std::vector<std::string> LayerLearnerNames();
//! The learner `name` for layer `layer` (1-based) of `network` as the trainer makes it: "batch"
//! for layer 1 or a layer-mode layer, "online" for layer 1 of a one-layer network given a
//! `stream`, "pixel" for a pixel-mode layer >= 2. std::invalid_argument for an unknown name or
//! one that does not fit the layer.
template <typename T>
std::unique_ptr<LayerLearner<T>> MakeLayerLearner(
    const std::string& name, const LearningOptions& options, const Network<T>& network,
    std::size_t layer, const std::vector<Image<T>>& signals, const NetworkTrainingState<T>& state,
    const std::shared_ptr<TrainingStream<T>>& stream = nullptr,
    const std::vector<Image<T>>& weights = {});

extern template class NetworkTrainer<float>;
extern template class NetworkTrainer<double>;

}  // namespace dn
