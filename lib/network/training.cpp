#include "network/training.hpp"

#include <stdexcept>

namespace dn {
namespace {

//! Forwards a learner's records to a LayerObserver with the layer number.
class LayerForward : public LearningObserver {
public:
  LayerForward(LayerObserver* observer, std::size_t layer) : observer_(observer), layer_(layer) {}
  bool Observe(const LearningRecord& record) override {
    return observer_ && observer_->Observe(layer_, record);
  }

private:
  LayerObserver* observer_;
  std::size_t layer_;
};

}  // namespace

void NetworkTrainingOptions::Validate(std::size_t depth) const {
  common.Validate();
  if (iterations.size() != depth)
    throw std::invalid_argument("NetworkTrainingOptions: one iteration count per layer is needed");
  for (std::size_t l = 0; l < depth; ++l)
    if (iterations[l] == 0)
      throw std::invalid_argument("NetworkTrainingOptions: layer " + std::to_string(l + 1) +
                                  " needs a positive iteration count");
}

template <typename T>
NetworkTrainer<T>::NetworkTrainer(const NetworkTrainingOptions& options, Network<T> initial,
                                  std::vector<Image<T>> signals)
    : options_(options), network_(std::move(initial)), signals_(std::move(signals)) {
  network_.Validate();
  options_.Validate(network_.Depth());
  if (network_.boundary != options_.common.boundary)
    throw std::invalid_argument("NetworkTrainer: the network's boundary differs from the options'");
  if (signals_.empty()) throw std::invalid_argument("NetworkTrainer: no training images");
  // Every layer's shape must fit the images before any layer is trained.
  LayerShapes(network_.layers, signals_.front().n_rows, signals_.front().n_cols, network_.boundary);
  switches_.resize(signals_.size());
}

template <typename T>
NetworkTrainer<T>::~NetworkTrainer() = default;

template <typename T>
LearningRecord NetworkTrainer<T>::TrainNextLayer(LayerObserver* observer) {
  if (Done()) throw std::logic_error("NetworkTrainer::TrainNextLayer(): every layer is trained");
  const std::size_t layer = trained_ + 1;
  const LayerSpec& spec = network_.layers[layer - 1];
  LearningOptions options = options_.common;
  options.lambda = spec.lambda;
  options.iterations = options_.iterations[layer - 1];
  const ConnectivityTable& table = network_.tables[layer - 1];
  if (table.Pairs() < table.Inputs() * table.Maps())
    options.dictionary.connectivity = table.Table();
  LayerForward forward(observer, layer);
  LearningRecord last;
  if (layer == 1 || spec.inference == InferenceMode::Layer) {
    std::vector<Image<T>> inputs = layer == 1 ? signals_ : std::move(outputs_);
    DictionaryLearner<T> learner(options, std::move(inputs), network_.filters[layer - 1]);
    last = learner.Run(&forward);
    network_.filters[layer - 1] = learner.Dictionary();
    maps_.resize(signals_.size());
    for (std::size_t i = 0; i < signals_.size(); ++i) maps_[i] = learner.MapsOf(i);
  } else {
    PixelLayerLearner<T> learner(options, network_, layer, signals_, switches_);
    last = learner.Run(&forward);
    network_.filters[layer - 1] = learner.Dictionary();
    maps_.resize(signals_.size());
    for (std::size_t i = 0; i < signals_.size(); ++i) maps_[i] = learner.MapsOf(i);
  }
  outputs_.assign(signals_.size(), Image<T>());
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    switches_[i].emplace_back();
    if (layer < Depth() && spec.pooling.Active())
      MaxPool(maps_[i], spec.pooling, outputs_[i], switches_[i].back());
    else if (layer < Depth())
      outputs_[i] = maps_[i];
  }
  ++trained_;
  return last;
}

template class NetworkTrainer<float>;
template class NetworkTrainer<double>;

}  // namespace dn
