#include "network/training.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "learning/strided_learner.hpp"

namespace dn {
namespace {

//! Forwards what a layer's learner reports, with the layer number set.
class LayerForward : public Observer {
public:
  LayerForward(Observer& observer, std::size_t layer) : observer_(observer), layer_(layer) {}
  void Begin(const ObservedRun& run) override {
    ObservedRun layerRun = run;
    layerRun.layer = layer_;
    observer_.Begin(layerRun);
  }
  bool Observe(const IterationRecord& record) override {
    return observer_.Observe(WithLayer(record));
  }
  void End(const IterationRecord& last, StopReason reason) override {
    observer_.End(WithLayer(last), reason);
  }

private:
  IterationRecord WithLayer(IterationRecord record) const {
    record.layer = layer_;
    return record;
  }

  Observer& observer_;
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
                                  std::vector<Image<T>> signals, std::vector<Image<T>> weights)
    : options_(options), signals_(std::move(signals)), weights_(std::move(weights)) {
  if (!weights_.empty() && weights_.size() != signals_.size())
    throw std::invalid_argument("NetworkTrainer: need one weight per training image");
  state_.network = std::move(initial);
  state_.switches.resize(signals_.size());
  Check();
}

template <typename T>
NetworkTrainer<T>::NetworkTrainer(const NetworkTrainingOptions& options, Network<T> initial,
                                  std::shared_ptr<TrainingStream<T>> stream)
    : options_(options), stream_(std::move(stream)) {
  state_.network = std::move(initial);
  if (!stream_) throw std::invalid_argument("NetworkTrainer: no training stream");
  Check();
}

template <typename T>
NetworkTrainer<T>::NetworkTrainer(const NetworkTrainingOptions& options,
                                  NetworkTrainingState<T> state, std::vector<Image<T>> signals)
    : options_(options), state_(std::move(state)), signals_(std::move(signals)) {
  Check();
  const std::size_t images = signals_.size(), trained = state_.trained;
  if (trained > Depth() || state_.switches.size() != images ||
      (trained > 0 && (state_.maps.size() != images || state_.outputs.size() != images)))
    throw std::invalid_argument("NetworkTrainer: the state does not match the training images");
  for (const auto& s : state_.switches)
    if (s.size() != trained)
      throw std::invalid_argument("NetworkTrainer: the state lacks the switches of a layer");
}

template <typename T>
void NetworkTrainer<T>::Check() const {
  const Network<T>& network = state_.network;
  network.Validate();
  options_.Validate(network.Depth());
  if (network.boundary != options_.common.boundary)
    throw std::invalid_argument("NetworkTrainer: the network's boundary differs from the options'");
  // Pixel-mode layers code through the layers below (OperatorFista: ISTA/FISTA only).
  for (std::size_t l = 2; l <= network.Depth(); ++l)
    if (options_.common.solver == "admm" && network.layers[l - 1].inference == InferenceMode::Pixel)
      throw std::invalid_argument("NetworkTrainer: layer " + std::to_string(l) +
                                  " uses pixel inference, which has no admm solver (use fista)");
  if (stream_) {  // the online learner checks every image against the filters as it starts
    if (network.Depth() != 1 || options_.common.learner != "online")
      throw std::invalid_argument(
          "NetworkTrainer: a training stream trains one layer with the online learner");
    return;
  }
  if (signals_.empty()) throw std::invalid_argument("NetworkTrainer: no training images");
  // Every layer's shape must fit the images before any layer is trained.
  LayerShapes(network.layers, signals_.front().n_rows, signals_.front().n_cols, network.boundary);
}

template <typename T>
NetworkTrainer<T>::~NetworkTrainer() = default;

template <typename T>
void NetworkTrainer<T>::StartLayer() {
  StartLayerAt(0);
}

template <typename T>
void NetworkTrainer<T>::StartLayer(const SavedState<T>& learnerState) {
  StartLayerAt(learnerState.Count("iteration"));
  try {
    learner_->RestoreState(learnerState);
  } catch (...) {
    learner_.reset();
    throw;
  }
}

template <typename T>
void NetworkTrainer<T>::StartLayerAt(std::size_t done) {
  if (Done()) throw std::logic_error("NetworkTrainer::StartLayer(): every layer is trained");
  if (learner_)
    throw std::logic_error("NetworkTrainer::StartLayer(): the current layer is not finished");
  const std::size_t layer = state_.trained + 1;
  const Network<T>& network = state_.network;
  const LayerSpec& spec = network.layers[layer - 1];
  LearningOptions options = options_.common;
  options.lambda = spec.lambda;
  const std::size_t total = options_.iterations[layer - 1];
  if (done > total)
    throw std::invalid_argument("NetworkTrainer: layer " + std::to_string(layer) + " has done " +
                                std::to_string(done) + " iterations, more than its " +
                                std::to_string(total));
  options.iterations = total > done ? total - done : 1;  // none left: RunLayer() runs nothing
  const ConnectivityTable& table = network.tables[layer - 1];
  if (table.Pairs() < table.Inputs() * table.Maps())
    options.dictionary.connectivity = table.Table();
  const bool pixel = layer > 1 && spec.inference == InferenceMode::Pixel;
  learner_ =
      MakeLayerLearner<T>(pixel ? "pixel" : options.learner, options, network, layer, signals_,
                          state_, stream_, layer == 1 ? weights_ : std::vector<Image<T>>());
}

template <typename T>
IterationRecord NetworkTrainer<T>::RunLayer(Observer* observer) {
  const std::size_t layer = state_.trained + 1;
  if (learner_ && CurrentIteration() >= options_.iterations[layer - 1]) {
    IterationRecord record;
    record.iteration = CurrentIteration();
    record.layer = layer;
    return record;
  }
  std::optional<LayerForward> forward;
  if (observer) forward.emplace(*observer, layer);
  Observer* watch = forward ? &*forward : nullptr;
  if (!learner_) throw std::logic_error("NetworkTrainer::RunLayer(): no layer was started");
  IterationRecord last = learner_->Run(watch);
  last.layer = layer;
  return last;
}

template <typename T>
void NetworkTrainer<T>::FinishLayer() {
  if (!learner_) throw std::logic_error("NetworkTrainer::FinishLayer(): no layer was started");
  const std::size_t layer = state_.trained + 1, images = signals_.size();
  state_.network.filters[layer - 1] = learner_->Dictionary();
  state_.maps.resize(images);
  for (std::size_t i = 0; i < images; ++i) state_.maps[i] = learner_->MapsOf(i);
  learner_.reset();
  const PoolingShape& pooling = state_.network.layers[layer - 1].pooling;
  state_.outputs.assign(images, Image<T>());
  for (std::size_t i = 0; i < images; ++i) {
    state_.switches[i].emplace_back();
    if (layer < Depth() && pooling.Active())
      MaxPool(state_.maps[i], pooling, state_.outputs[i], state_.switches[i].back());
    else if (layer < Depth())
      state_.outputs[i] = state_.maps[i];
  }
  ++state_.trained;
}

template <typename T>
IterationRecord NetworkTrainer<T>::TrainNextLayer(Observer* observer) {
  StartLayer();
  const IterationRecord last = RunLayer(observer);
  FinishLayer();
  return last;
}

template <typename T>
std::size_t NetworkTrainer<T>::CurrentIteration() const {
  return learner_ ? learner_->Iteration() : 0;
}

std::vector<std::string> LayerLearnerNames() { return {"batch", "online", "pixel"}; }

template <typename T>
std::unique_ptr<LayerLearner<T>> MakeLayerLearner(
    const std::string& name, const LearningOptions& options, const Network<T>& network,
    std::size_t layer, const std::vector<Image<T>>& signals, const NetworkTrainingState<T>& state,
    const std::shared_ptr<TrainingStream<T>>& stream, const std::vector<Image<T>>& weights) {
  if (!weights.empty() && (layer != 1 || name != "batch"))
    throw std::invalid_argument("masks (data weights) are taken by layer 1's batch learner only");
  const bool pixelLayer =
      layer > 1 && network.layers.at(layer - 1).inference == InferenceMode::Pixel;
  const LayerSpec& spec = network.layers.at(layer - 1);
  if (!spec.Ordinary(options.boundary)) {
    if (name == "batch")
      return std::make_unique<StridedLayerLearner<T>>(options, layer == 1 ? signals : state.outputs,
                                                      network.filters[layer - 1],
                                                      spec.Geometry(options.boundary));
    throw std::invalid_argument("layer " + std::to_string(layer) + " is strided (" +
                                spec.Geometry(options.boundary).ToString() +
                                "): the batch learner learns strided layers, not '" + name + "'");
  }
  if (name == "batch" && !pixelLayer)
    return std::make_unique<DictionaryLearner<T>>(options, layer == 1 ? signals : state.outputs,
                                                  network.filters[layer - 1],
                                                  layer == 1 ? weights : std::vector<Image<T>>());
  if (name == "pixel" && pixelLayer)
    return std::make_unique<PixelLayerLearner<T>>(options, network, layer, signals, state.switches);
  if (name == "online" && layer == 1 && network.Depth() == 1 && stream)
    return std::make_unique<OnlineLearner<T>>(options, stream, network.filters[0]);
  if (name == "online")
    throw std::invalid_argument(
        "the online learner learns one-layer models from a training stream (layer " +
        std::to_string(layer) + " of " + std::to_string(network.Depth()) + ")");
  if (name == "batch" || name == "pixel")
    throw std::invalid_argument("layer learner '" + name + "' does not fit layer " +
                                std::to_string(layer) + " (" + (pixelLayer ? "pixel" : "layer") +
                                " inference)");
  std::string names;
  for (const std::string& n : LayerLearnerNames()) names += (names.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown layer learner '" + name + "' (known: " + names + ")");
}

template std::unique_ptr<LayerLearner<float>> MakeLayerLearner(
    const std::string&, const LearningOptions&, const Network<float>&, std::size_t,
    const std::vector<Image<float>>&, const NetworkTrainingState<float>&,
    const std::shared_ptr<TrainingStream<float>>&, const std::vector<Image<float>>&);
template std::unique_ptr<LayerLearner<double>> MakeLayerLearner(
    const std::string&, const LearningOptions&, const Network<double>&, std::size_t,
    const std::vector<Image<double>>&, const NetworkTrainingState<double>&,
    const std::shared_ptr<TrainingStream<double>>&, const std::vector<Image<double>>&);

template class NetworkTrainer<float>;
template class NetworkTrainer<double>;

}  // namespace dn
