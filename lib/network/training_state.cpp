// NetworkTrainer: its saved state (checkpoints), described once for SaveState() and
// RestoreState(); the entries are listed in training.hpp (NetworkTrainer::SaveState).
#include <cmath>
#include <stdexcept>
#include <string>

#include "network/training.hpp"

namespace dn {
namespace {

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

//! The fields of the state between layers, and whether a layer's learner exists (`started`).
//! Reading, `state` must hold the network and `images` maps, outputs and per-layer switches
//! (one per layer) to read into: the caller trims them to the layers read.
template <typename T>
void DescribeTraining(StateArchive<T>& a, NetworkTrainingState<T>& state, bool& started,
                      const std::vector<LayerShape>& shapes, std::size_t images) {
  const Network<T>& network = state.network;
  const std::size_t depth = network.Depth();
  a.Setting("layers", static_cast<double>(depth));
  a.Setting("images", static_cast<double>(images));
  const std::size_t trained = a.Count("trained", state.trained);
  const bool layerStarted = a.Flag("started", started);
  a.Require(trained <= depth && !(layerStarted && trained == depth),
            "'trained' = " + std::to_string(trained) + " does not fit a network of " +
                std::to_string(depth) + " layers");
  for (std::size_t l = 1; l <= depth; ++l) {
    FilterBank<T>& f = state.network.filters[l - 1];
    const arma::Cube<T>& data =
        a.Array(Name("filters", l), f.data, f.Rows(), f.Cols(), f.data.n_slices);
    a.Require(data.is_finite(), "'" + Name("filters", l) + "' is not finite");
  }
  if (trained > 0) {
    const LayerShape& top = shapes[trained - 1];
    for (std::size_t i = 0; i < images; ++i) {
      a.Array(Name("maps", i), state.maps[i], top.mapRows, top.mapCols, top.maps);
      if (trained < depth)
        a.Array(Name("outputs", i), state.outputs[i], top.pooledRows, top.pooledCols,
                top.pooledMaps);
    }
  }
  for (std::size_t i = 0; i < images; ++i)
    for (std::size_t l = 1; l <= trained; ++l) {
      const PoolingShape& pooling = network.layers[l - 1].pooling;
      if (l == depth || !pooling.Active()) continue;  // no switches
      Switches& w = state.switches[i][l - 1];
      const std::string p = Name(Name("switches", i), l) + "/";
      const LayerShape& shape = shapes[l - 1];
      const std::size_t rows = a.Count(p + "rows", w.rows), cols = a.Count(p + "cols", w.cols),
                        maps = a.Count(p + "maps", w.maps);
      const std::size_t poolRows = a.Count(p + "pool_rows", w.shape.rows),
                        poolCols = a.Count(p + "pool_cols", w.shape.cols),
                        poolMaps = a.Count(p + "pool_maps", w.shape.maps);
      a.Require(rows == shape.mapRows && cols == shape.mapCols && maps == shape.maps &&
                    poolRows == pooling.rows && poolCols == pooling.cols &&
                    poolMaps == pooling.maps,
                "the switches '" + p + "' do not fit layer " + std::to_string(l));
      const arma::uword count = PoolingShape::Pooled(shape.mapRows, pooling.rows) *
                                PoolingShape::Pooled(shape.mapCols, pooling.cols) *
                                PoolingShape::Pooled(shape.maps, pooling.maps);
      const arma::Cube<T>& encoded = a.ArrayValue(
          p + "source", a.Reading() ? arma::Cube<T>() : EncodeSwitches<T>(w.source), count, 2, 1);
      if (!a.Reading()) continue;
      const double size = double(shape.mapRows) * double(shape.mapCols) * double(shape.maps);
      arma::uvec source(count);
      for (arma::uword b = 0; b < count; ++b) {
        const double low = encoded(b, 0, 0), high = encoded(b, 1, 0);
        const double index = high * kSwitchBase + low;
        a.Require(low >= 0 && low < kSwitchBase && std::floor(low) == low && high >= 0 &&
                      std::floor(high) == high && index < size,
                  "'" + p + "source' holds an invalid switch");
        source[b] = static_cast<arma::uword>(index);
      }
      a.Set(w.source, std::move(source));
    }
}

}  // namespace

//! The layer shapes of the training images held (one size), or none for a trainer learning from
//! a stream, which holds no images and passes no maps on (only its filters are saved).
template <typename T>
std::vector<LayerShape> NetworkTrainer<T>::SignalShapes(const Network<T>& network) const {
  if (signals_.empty()) return {};
  return LayerShapes(network.layers, signals_.front().n_rows, signals_.front().n_cols,
                     network.boundary);
}

template <typename T>
SavedState<T> NetworkTrainer<T>::State(bool view) const {
  SavedState<T> s;
  StateWriter<T> writer(s, view);
  bool started = learner_ != nullptr;
  // A writer only reads what it is given.
  DescribeTraining(writer, const_cast<NetworkTrainingState<T>&>(state_), started,
                   SignalShapes(state_.network), signals_.size());
  if (learner_) s.Insert("learner", view ? learner_->StateView() : learner_->SaveState());
  return s;
}

template <typename T>
void NetworkTrainer<T>::RestoreState(const SavedState<T>& s) {
  if (state_.trained != 0 || learner_)
    throw std::logic_error("NetworkTrainer::RestoreState(): the trainer has started training");
  const std::string where = "NetworkTrainer::RestoreState(): ";
  const std::size_t images = signals_.size(), depth = Depth();
  const Network<T>& network = state_.network;
  const std::vector<LayerShape> shapes = SignalShapes(network);

  NetworkTrainingState<T> fresh;
  fresh.network = network;
  fresh.maps.resize(images);
  fresh.outputs.resize(images);
  fresh.switches.assign(images, std::vector<Switches>(depth));
  bool started = false;
  StateReader<T> reader(s, where);
  DescribeTraining(reader, fresh, started, shapes, images);
  reader.Commit();
  if (fresh.trained == 0) {
    fresh.maps.clear();
    fresh.outputs.clear();
  }
  for (std::vector<Switches>& switches : fresh.switches) switches.resize(fresh.trained);
  try {
    fresh.network.Validate();
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(where + e.what());
  }

  NetworkTrainingState<T> previous = std::move(state_);
  state_ = std::move(fresh);
  if (!started) return;
  try {
    const SavedState<T> learner = s.Extract("learner");
    StartLayerAt(learner.Count("iteration"));
    try {
      learner_->RestoreState(learner);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(where + "learner/: " + e.what());
    }
  } catch (...) {
    learner_.reset();
    state_ = std::move(previous);
    throw;
  }
}

template std::vector<LayerShape> NetworkTrainer<float>::SignalShapes(const Network<float>&) const;
template std::vector<LayerShape> NetworkTrainer<double>::SignalShapes(const Network<double>&) const;
template SavedState<float> NetworkTrainer<float>::State(bool) const;
template SavedState<double> NetworkTrainer<double>::State(bool) const;
template void NetworkTrainer<float>::RestoreState(const SavedState<float>&);
template void NetworkTrainer<double>::RestoreState(const SavedState<double>&);

}  // namespace dn
