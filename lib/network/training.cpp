#include "network/training.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

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

//! Switch indices as two exact halves in T: low 16 bits and the rest (exact below 2^40 in float).
constexpr double kSwitchBase = 65536.0;
constexpr double kSwitchLimit = 1099511627776.0;  // 2^40

template <typename T>
arma::Cube<T> EncodeSwitches(const arma::uvec& source) {
  arma::Cube<T> encoded(source.n_elem, 2, 1);
  for (arma::uword b = 0; b < source.n_elem; ++b) {
    if (double(source[b]) >= kSwitchLimit)
      throw std::invalid_argument("NetworkTrainer::SaveState(): a switch index exceeds 2^40");
    encoded(b, 0, 0) = static_cast<T>(source[b] % 65536u);
    encoded(b, 1, 0) = static_cast<T>(source[b] / 65536u);
  }
  return encoded;
}

std::string Name(const std::string& prefix, std::size_t index) {
  return prefix + "/" + std::to_string(index);
}

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
    : options_(options), signals_(std::move(signals)) {
  state_.network = std::move(initial);
  state_.switches.resize(signals_.size());
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
  // Pixel-mode layers code through the layers below (PixelCoder: ISTA/FISTA only).
  for (std::size_t l = 2; l <= network.Depth(); ++l)
    if (options_.common.solver == "admm" && network.layers[l - 1].inference == InferenceMode::Pixel)
      throw std::invalid_argument("NetworkTrainer: layer " + std::to_string(l) +
                                  " uses pixel inference, which has no admm solver (use fista)");
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
    if (layerLearner_) layerLearner_->RestoreState(learnerState);
    if (pixelLearner_) pixelLearner_->RestoreState(learnerState);
  } catch (...) {
    layerLearner_.reset();
    pixelLearner_.reset();
    throw;
  }
}

template <typename T>
void NetworkTrainer<T>::StartLayerAt(std::size_t done) {
  if (Done()) throw std::logic_error("NetworkTrainer::StartLayer(): every layer is trained");
  if (layerLearner_ || pixelLearner_)
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
  if (layer == 1 || spec.inference == InferenceMode::Layer) {
    std::vector<Image<T>> inputs = layer == 1 ? signals_ : state_.outputs;
    layerLearner_ = std::make_unique<DictionaryLearner<T>>(options, std::move(inputs),
                                                           network.filters[layer - 1]);
  } else {
    pixelLearner_ =
        std::make_unique<PixelLayerLearner<T>>(options, network, layer, signals_, state_.switches);
  }
}

template <typename T>
LearningRecord NetworkTrainer<T>::RunLayer(LayerObserver* observer) {
  const std::size_t layer = state_.trained + 1;
  if ((layerLearner_ || pixelLearner_) && CurrentIteration() >= options_.iterations[layer - 1]) {
    LearningRecord record;
    record.iteration = CurrentIteration();
    return record;
  }
  LayerForward forward(observer, layer);
  if (layerLearner_) return layerLearner_->Run(&forward);
  if (pixelLearner_) return pixelLearner_->Run(&forward);
  throw std::logic_error("NetworkTrainer::RunLayer(): no layer was started");
}

template <typename T>
void NetworkTrainer<T>::FinishLayer() {
  if (!layerLearner_ && !pixelLearner_)
    throw std::logic_error("NetworkTrainer::FinishLayer(): no layer was started");
  const std::size_t layer = state_.trained + 1, images = signals_.size();
  state_.network.filters[layer - 1] =
      layerLearner_ ? layerLearner_->Dictionary() : pixelLearner_->Dictionary();
  state_.maps.resize(images);
  for (std::size_t i = 0; i < images; ++i)
    state_.maps[i] = layerLearner_ ? layerLearner_->MapsOf(i) : pixelLearner_->MapsOf(i);
  layerLearner_.reset();
  pixelLearner_.reset();
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
LearningRecord NetworkTrainer<T>::TrainNextLayer(LayerObserver* observer) {
  StartLayer();
  const LearningRecord last = RunLayer(observer);
  FinishLayer();
  return last;
}

template <typename T>
std::size_t NetworkTrainer<T>::CurrentIteration() const {
  if (layerLearner_) return layerLearner_->Iteration();
  if (pixelLearner_) return pixelLearner_->Iteration();
  return 0;
}

template <typename T>
SavedState<T> NetworkTrainer<T>::SaveState() const {
  SavedState<T> s;
  const std::size_t images = signals_.size();
  s.Put("layers", static_cast<double>(Depth()));
  s.Put("trained", static_cast<double>(state_.trained));
  s.Put("images", static_cast<double>(images));
  s.Put("started", (layerLearner_ || pixelLearner_) ? 1.0 : 0.0);
  for (std::size_t l = 1; l <= Depth(); ++l)
    s.Put(Name("filters", l), state_.network.filters[l - 1].data);
  for (std::size_t i = 0; i < state_.maps.size(); ++i)
    if (!state_.maps[i].is_empty()) s.Put(Name("maps", i), state_.maps[i]);
  for (std::size_t i = 0; i < state_.outputs.size(); ++i)
    if (!state_.outputs[i].is_empty()) s.Put(Name("outputs", i), state_.outputs[i]);
  for (std::size_t i = 0; i < images; ++i)
    for (std::size_t l = 1; l <= state_.switches[i].size(); ++l) {
      const Switches& w = state_.switches[i][l - 1];
      if (w.source.is_empty()) continue;  // a layer that does not pool (or the top)
      const std::string p = Name(Name("switches", i), l) + "/";
      s.Put(p + "rows", static_cast<double>(w.rows));
      s.Put(p + "cols", static_cast<double>(w.cols));
      s.Put(p + "maps", static_cast<double>(w.maps));
      s.Put(p + "pool_rows", static_cast<double>(w.shape.rows));
      s.Put(p + "pool_cols", static_cast<double>(w.shape.cols));
      s.Put(p + "pool_maps", static_cast<double>(w.shape.maps));
      s.Put(p + "source", EncodeSwitches<T>(w.source));
    }
  if (layerLearner_) s.Insert("learner", layerLearner_->SaveState());
  if (pixelLearner_) s.Insert("learner", pixelLearner_->SaveState());
  return s;
}

template <typename T>
void NetworkTrainer<T>::RestoreState(const SavedState<T>& s) {
  if (state_.trained != 0 || layerLearner_ || pixelLearner_)
    throw std::logic_error("NetworkTrainer::RestoreState(): the trainer has started training");
  const std::string where = "NetworkTrainer::RestoreState(): ";
  const std::size_t images = signals_.size(), depth = Depth();
  if (s.Count("layers") != depth)
    throw std::runtime_error(where + "the state has " + std::to_string(s.Count("layers")) +
                             " layers, the trainer " + std::to_string(depth));
  if (s.Count("images") != images)
    throw std::runtime_error(where + "the state has " + std::to_string(s.Count("images")) +
                             " training images, the trainer " + std::to_string(images));
  const std::size_t trained = s.Count("trained");
  const bool started = s.Flag("started");
  if (trained > depth || (started && trained == depth))
    throw std::runtime_error(where + "'trained' = " + std::to_string(trained) +
                             " does not fit a network of " + std::to_string(depth) + " layers");
  const Network<T>& network = state_.network;
  const std::vector<LayerShape> shapes = LayerShapes(network.layers, signals_.front().n_rows,
                                                     signals_.front().n_cols, network.boundary);

  NetworkTrainingState<T> fresh;
  fresh.network = network;
  fresh.trained = trained;
  for (std::size_t l = 1; l <= depth; ++l) {
    FilterBank<T>& f = fresh.network.filters[l - 1];
    f.data = s.Array(Name("filters", l), f.Rows(), f.Cols(), f.data.n_slices);
    if (!f.data.is_finite())
      throw std::runtime_error(where + "'" + Name("filters", l) + "' is not finite");
  }
  try {
    fresh.network.Validate();
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(where + e.what());
  }
  fresh.switches.resize(images);
  if (trained > 0) {
    const LayerShape& top = shapes[trained - 1];
    fresh.maps.resize(images);
    fresh.outputs.resize(images);
    for (std::size_t i = 0; i < images; ++i) {
      fresh.maps[i] = s.Array(Name("maps", i), top.mapRows, top.mapCols, top.maps);
      if (trained < depth)
        fresh.outputs[i] =
            s.Array(Name("outputs", i), top.pooledRows, top.pooledCols, top.pooledMaps);
    }
  }
  for (std::size_t i = 0; i < images; ++i)
    for (std::size_t l = 1; l <= trained; ++l) {
      Switches& w = fresh.switches[i].emplace_back();
      const PoolingShape& pooling = network.layers[l - 1].pooling;
      if (l == depth || !pooling.Active()) continue;
      const std::string p = Name(Name("switches", i), l) + "/";
      const LayerShape& shape = shapes[l - 1];
      w.rows = s.Count(p + "rows");
      w.cols = s.Count(p + "cols");
      w.maps = s.Count(p + "maps");
      w.shape.rows = s.Count(p + "pool_rows");
      w.shape.cols = s.Count(p + "pool_cols");
      w.shape.maps = s.Count(p + "pool_maps");
      if (w.rows != shape.mapRows || w.cols != shape.mapCols || w.maps != shape.maps ||
          w.shape.rows != pooling.rows || w.shape.cols != pooling.cols ||
          w.shape.maps != pooling.maps)
        throw std::runtime_error(where + "the switches '" + p + "' do not fit layer " +
                                 std::to_string(l));
      const arma::uword count = w.PooledRows() * w.PooledCols() * w.PooledMaps();
      const arma::Cube<T>& encoded = s.Array(p + "source", count, 2, 1);
      const double size = double(w.rows) * double(w.cols) * double(w.maps);
      w.source.set_size(count);
      for (arma::uword b = 0; b < count; ++b) {
        const double low = encoded(b, 0, 0), high = encoded(b, 1, 0);
        const double index = high * kSwitchBase + low;
        if (!(low >= 0 && low < kSwitchBase && std::floor(low) == low && high >= 0 &&
              std::floor(high) == high && index < size))
          throw std::runtime_error(where + "'" + p + "source' holds an invalid switch");
        w.source[b] = static_cast<arma::uword>(index);
      }
    }

  NetworkTrainingState<T> previous = std::move(state_);
  state_ = std::move(fresh);
  if (!started) return;
  try {
    const SavedState<T> learner = s.Extract("learner");
    StartLayerAt(learner.Count("iteration"));
    try {
      if (layerLearner_) layerLearner_->RestoreState(learner);
      if (pixelLearner_) pixelLearner_->RestoreState(learner);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(where + "learner/: " + e.what());
    }
  } catch (...) {
    layerLearner_.reset();
    pixelLearner_.reset();
    state_ = std::move(previous);
    throw;
  }
}

template class NetworkTrainer<float>;
template class NetworkTrainer<double>;

}  // namespace dn
