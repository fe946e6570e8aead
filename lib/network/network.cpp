#include "network/network.hpp"

#include <cmath>
#include <stdexcept>

#include "dictionary/dictionary.hpp"

namespace dn {

std::string ToString(InferenceMode mode) {
  return mode == InferenceMode::Pixel ? "pixel" : "layer";
}

InferenceMode ParseInferenceMode(const std::string& name) {
  if (name == "layer") return InferenceMode::Layer;
  if (name == "pixel") return InferenceMode::Pixel;
  throw std::invalid_argument("unknown inference mode '" + name + "' (expected layer or pixel)");
}

StridedGeometry LayerSpec::Geometry(Boundary boundary) const {
  return StridedGeometry::Of(stride, padding, filterRows, filterCols, boundary);
}

bool LayerSpec::Ordinary(Boundary boundary) const {
  return Geometry(boundary).IsOrdinary(filterRows, filterCols, boundary);
}

void LayerSpec::Validate(std::size_t layer) const {
  const std::string who = "layer " + std::to_string(layer) + ": ";
  if (filters == 0) throw std::invalid_argument(who + "the filter count must be positive");
  if (channels == 0) throw std::invalid_argument(who + "the input map count must be positive");
  if (filterRows == 0 || filterCols == 0)
    throw std::invalid_argument(who + "the filter size must be positive");
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    throw std::invalid_argument(who + "lambda must be finite and >= 0");
  try {
    pooling.Validate();
    ConnectivityTable(connectivity, channels, filters, connectivitySeed);
    Geometry(Boundary::Circular).Check(filterRows, filterCols);  // stride >= 1, padding < size
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(who + e.what());
  }
  if (stride != 1 || !padding.ordinary) {
    if (inference == InferenceMode::Pixel)
      throw std::invalid_argument(who + "a strided layer (stride " + std::to_string(stride) +
                                  ", padding " + padding.ToString() +
                                  ") codes its own input (layer inference), not the image");
    if (connectivity != ConnectivityType::Full)
      throw std::invalid_argument(who + "a strided layer (stride " + std::to_string(stride) +
                                  ", padding " + padding.ToString() +
                                  ") connects every map to every input map (full connectivity)");
  }
}

void ValidateArchitecture(const std::vector<LayerSpec>& layers) {
  if (layers.empty()) throw std::invalid_argument("a network needs at least one layer");
  if (layers.size() > kMaxLayers)
    throw std::invalid_argument("a network has at most " + std::to_string(kMaxLayers) +
                                " layers, not " + std::to_string(layers.size()));
  for (std::size_t l = 0; l < layers.size(); ++l) {
    layers[l].Validate(l + 1);
    if (l > 0) {
      const std::size_t expected =
          PoolingShape::Pooled(layers[l - 1].filters, layers[l - 1].pooling.maps);
      if (layers[l].channels != expected)
        throw std::invalid_argument("layer " + std::to_string(l + 1) + " has " +
                                    std::to_string(layers[l].channels) + " input maps but layer " +
                                    std::to_string(l) + " gives " + std::to_string(expected));
    }
  }
  if (layers.back().pooling.Active())
    throw std::invalid_argument("layer " + std::to_string(layers.size()) +
                                " is the top layer: its pooling would feed nothing (remove it)");
}

std::vector<LayerShape> LayerShapes(const std::vector<LayerSpec>& layers, arma::uword rows,
                                    arma::uword cols, Boundary boundary) {
  std::vector<LayerShape> shapes(layers.size());
  arma::uword r = rows, c = cols;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerSpec& spec = layers[l];
    if (spec.filterRows > r || spec.filterCols > c)
      throw std::invalid_argument(
          "layer " + std::to_string(l + 1) + ": its filters (" + std::to_string(spec.filterRows) +
          "x" + std::to_string(spec.filterCols) + ") are larger than its input (" +
          std::to_string(r) + "x" + std::to_string(c) + ")");
    LayerShape& s = shapes[l];
    s.inputRows = r;
    s.inputCols = c;
    s.inputMaps = spec.channels;
    if (spec.Ordinary(boundary)) {
      s.mapRows = MapRows(r, spec.filterRows, boundary);
      s.mapCols = MapCols(c, spec.filterCols, boundary);
    } else {
      const StridedGeometry g = spec.Geometry(boundary);
      s.mapRows = g.MapRows(r, spec.filterRows, boundary);
      s.mapCols = g.MapCols(c, spec.filterCols, boundary);
    }
    s.maps = spec.filters;
    s.pooledRows = PoolingShape::Pooled(s.mapRows, spec.pooling.rows);
    s.pooledCols = PoolingShape::Pooled(s.mapCols, spec.pooling.cols);
    s.pooledMaps = PoolingShape::Pooled(s.maps, spec.pooling.maps);
    r = s.pooledRows;
    c = s.pooledCols;
  }
  return shapes;
}

template <typename T>
void Network<T>::MakeTables() {
  tables.clear();
  for (const LayerSpec& spec : layers)
    tables.emplace_back(spec.connectivity, spec.channels, spec.filters, spec.connectivitySeed);
}

template <typename T>
void Network<T>::Validate() const {
  ValidateArchitecture(layers);
  if (filters.size() != layers.size() || tables.size() != layers.size())
    throw std::invalid_argument("Network: one filter bank and one table per layer are needed");
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::string who = "Network: layer " + std::to_string(l + 1) + ": ";
    const LayerSpec& s = layers[l];
    const FilterBank<T>& f = filters[l];
    if (f.filters != s.filters || f.channels != s.channels || f.Rows() != s.filterRows ||
        f.Cols() != s.filterCols || f.data.n_slices != f.filters * f.channels)
      throw std::invalid_argument(who + "the filter bank's shape disagrees with the layer");
    if (tables[l].Inputs() != s.channels || tables[l].Maps() != s.filters ||
        tables[l].Type() != s.connectivity)
      throw std::invalid_argument(who + "the connectivity table disagrees with the layer");
    if (!f.data.is_finite()) throw std::invalid_argument(who + "the filters are not finite");
    if (!RespectsConnectivity(f, tables[l]))
      throw std::invalid_argument(who + "filters of unconnected pairs are not zero");
  }
}

template <typename T>
template <typename U>
Network<U> Network<T>::Cast() const {
  Network<U> out;
  out.boundary = boundary;
  out.layers = layers;
  out.tables = tables;
  for (const FilterBank<T>& f : filters) out.filters.push_back(f.template Cast<U>());
  return out;
}

template <typename T>
FilterBank<T> InitialLayerFilters(const LayerSpec& spec, const ConnectivityTable& table,
                                  std::uint64_t seed, bool zeroMean) {
  FilterBank<T> filters = RandomFilters<T>(spec.filters, spec.channels, spec.filterRows,
                                           spec.filterCols, seed, zeroMean);
  if (table.Pairs() == spec.filters * spec.channels) return filters;  // full: as one layer
  MaskFilters(filters, table);
  ProjectFilters(filters, zeroMean);
  for (arma::uword k = 0; k < filters.filters; ++k) {
    double norm = 0.0;
    for (arma::uword c = 0; c < filters.channels; ++c)
      norm += arma::accu(arma::square(arma::conv_to<arma::mat>::from(filters.Filter(k, c))));
    norm = std::sqrt(norm);
    if (norm > 0)
      for (arma::uword c = 0; c < filters.channels; ++c)
        filters.Filter(k, c) /= static_cast<T>(norm);
  }
  return filters;
}

template struct Network<float>;
template struct Network<double>;
template Network<double> Network<float>::Cast<double>() const;
template Network<float> Network<double>::Cast<float>() const;
template Network<float> Network<float>::Cast<float>() const;
template Network<double> Network<double>::Cast<double>() const;
template <typename T>
Network<T> OneLayerNetwork(const FilterBank<T>& filters, double lambda, Boundary boundary) {
  LayerSpec layer;
  layer.filters = filters.filters;
  layer.channels = filters.channels;
  layer.filterRows = filters.Rows();
  layer.filterCols = filters.Cols();
  layer.lambda = lambda;
  Network<T> network;
  network.boundary = boundary;
  network.layers = {layer};
  network.filters = {filters};
  network.MakeTables();
  return network;
}

template Network<float> OneLayerNetwork(const FilterBank<float>&, double, Boundary);
template Network<double> OneLayerNetwork(const FilterBank<double>&, double, Boundary);
template FilterBank<float> InitialLayerFilters(const LayerSpec&, const ConnectivityTable&,
                                               std::uint64_t, bool);
template FilterBank<double> InitialLayerFilters(const LayerSpec&, const ConnectivityTable&,
                                                std::uint64_t, bool);

}  // namespace dn
