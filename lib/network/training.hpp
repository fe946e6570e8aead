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
// own with its own state, so training can be checkpointed layer by layer.
#pragma once

#include <memory>
#include <vector>

#include "learning/dictionary_learning.hpp"
#include "network/pixel_learner.hpp"

namespace dn {

struct NetworkTrainingOptions {
  //! Shared settings of every layer: solver, codingIterations, dictionary (method, iterations,
  //! zeroMean), boundary, effort. Its lambda and iterations are replaced per layer.
  LearningOptions common;
  std::vector<std::size_t> iterations;  //!< outer iterations per layer
  void Validate(std::size_t depth) const;
};

//! Per-layer observer: receives the layer (1-based) with every record; true stops that layer.
class LayerObserver {
public:
  virtual ~LayerObserver() = default;
  virtual bool Observe(std::size_t layer, const LearningRecord& record) = 0;
};

template <typename T>
class NetworkTrainer {
public:
  //! `initial` holds the architecture and every layer's initial filters (network.boundary must
  //! be options.common.boundary); `signals` are the preprocessed training images.
  NetworkTrainer(const NetworkTrainingOptions& options, Network<T> initial,
                 std::vector<Image<T>> signals);
  ~NetworkTrainer();

  std::size_t Depth() const { return network_.Depth(); }
  //! Layers finished so far.
  std::size_t LayersTrained() const { return trained_; }
  bool Done() const { return trained_ == Depth(); }

  //! Trains the next layer for its iterations, then passes its maps on. Returns its last record.
  LearningRecord TrainNextLayer(LayerObserver* observer = nullptr);

  //! The network: trained layers, and initial filters above them.
  const Network<T>& Result() const { return network_; }
  //! Maps of the last trained layer for training image i.
  const Maps<T>& MapsOf(std::size_t image) const { return maps_.at(image); }
  //! Switches of layer `layer` (1-based, trained, pooling) for image i.
  const Switches& SwitchesOf(std::size_t image, std::size_t layer) const {
    return switches_.at(image).at(layer - 1);
  }

private:
  NetworkTrainingOptions options_;
  Network<T> network_;
  std::vector<Image<T>> signals_;
  std::size_t trained_ = 0;
  std::vector<Maps<T>> maps_;      //!< per image, z of the last trained layer
  std::vector<Image<T>> outputs_;  //!< per image, its pooled maps (input of the next layer)
  std::vector<std::vector<Switches>> switches_;  //!< per image, per trained layer
};

extern template class NetworkTrainer<float>;
extern template class NetworkTrainer<double>;

}  // namespace dn
