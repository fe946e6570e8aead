#include "network/top_down.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dn {

template <typename T>
LayerStack<T>::LayerStack(const Network<T>& network, arma::uword rows, arma::uword cols,
                          std::size_t depth, PlannerEffort effort) {
  if (depth == 0 || depth > network.Depth())
    throw std::invalid_argument("LayerStack(): depth " + std::to_string(depth) +
                                " is not a layer of a network of " +
                                std::to_string(network.Depth()));
  specs_.assign(network.layers.begin(), network.layers.begin() + depth);
  shapes_ = LayerShapes(specs_, rows, cols, network.boundary);
  for (std::size_t l = 0; l < depth; ++l)
    convs_.push_back(std::make_unique<ConnectedConv<T>>(network.filters[l], network.tables[l],
                                                        shapes_[l].inputRows, shapes_[l].inputCols,
                                                        network.boundary, effort,
                                                        specs_[l].Geometry(network.boundary)));
}

template <typename T>
TopDownOperator<T>::TopDownOperator(LayerStack<T>& stack, std::size_t top)
    : stack_(stack), top_(top), switches_(top > 0 ? top - 1 : 0, nullptr) {
  if (top == 0 || top > stack.Depth())
    throw std::invalid_argument("TopDownOperator(): layer " + std::to_string(top) +
                                " is not in the stack of " + std::to_string(stack.Depth()));
  maps_.resize(top - 1);
  inputs_.resize(top - 1);
}

template <typename T>
void TopDownOperator<T>::SetSwitches(const std::vector<const Switches*>& switches) {
  if (switches.size() != top_ - 1)
    throw std::invalid_argument("TopDownOperator::SetSwitches(): need the switches of " +
                                std::to_string(top_ - 1) + " layer(s), got " +
                                std::to_string(switches.size()));
  for (std::size_t j = 1; j < top_; ++j) {
    const Switches* s = switches[j - 1];
    const LayerShape& shape = stack_.Shape(j);
    const PoolingShape& pooling = stack_.Spec(j).pooling;
    if (s && pooling.Active() &&
        (s->rows != shape.mapRows || s->cols != shape.mapCols || s->maps != shape.maps ||
         s->shape.rows != pooling.rows || s->shape.cols != pooling.cols ||
         s->shape.maps != pooling.maps))
      throw std::invalid_argument("TopDownOperator::SetSwitches(): the switches of layer " +
                                  std::to_string(j) + " do not match its maps");
  }
  switches_ = switches;
}

template <typename T>
void TopDownOperator<T>::Unpool(std::size_t j, const Maps<T>& pooled) {
  const PoolingShape& pooling = stack_.Spec(j).pooling;
  Maps<T>& maps = maps_[j - 1];
  if (!pooling.Active()) {
    maps = pooled;
  } else if (switches_[j - 1]) {
    dn::Unpool(pooled, *switches_[j - 1], maps);
  } else {
    const LayerShape& shape = stack_.Shape(j);
    Spread(pooled, pooling, shape.mapRows, shape.mapCols, shape.maps, maps);
  }
}

template <typename T>
void TopDownOperator<T>::Pool(std::size_t j, Maps<T>& pooled) {
  const PoolingShape& pooling = stack_.Spec(j).pooling;
  const Maps<T>& maps = maps_[j - 1];
  if (!pooling.Active())
    pooled = maps;
  else if (switches_[j - 1])
    Gather(maps, *switches_[j - 1], pooled);
  else
    SpreadAdjoint(maps, pooling, pooled);
}

template <typename T>
void TopDownOperator<T>::ApplyBelow(const Image<T>& input, Image<T>& image) {
  if (top_ == 1) {
    image = input;
    return;
  }
  const Maps<T>* current = &input;
  for (std::size_t j = top_ - 1; j >= 1; --j) {
    Unpool(j, *current);
    Image<T>& out = j == 1 ? image : inputs_[j - 2];
    stack_.Conv(j).Apply(maps_[j - 1], out);
    current = &out;
  }
}

template <typename T>
void TopDownOperator<T>::AdjointBelow(const Image<T>& image, Image<T>& input) {
  if (top_ == 1) {
    input = image;
    return;
  }
  const Image<T>* current = &image;
  for (std::size_t j = 1; j < top_; ++j) {
    stack_.Conv(j).Adjoint(*current, maps_[j - 1]);
    Maps<T>& pooled = j + 1 == top_ ? input : inputs_[j - 1];
    Pool(j, pooled);
    current = &pooled;
  }
}

template <typename T>
void TopDownOperator<T>::Apply(const Maps<T>& maps, Image<T>& image) {
  stack_.Conv(top_).Apply(maps, topInput_);
  ApplyBelow(topInput_, image);
}

template <typename T>
arma::SizeCube TopDownOperator<T>::DomainSize() const {
  const LayerShape& shape = TopShape();
  return arma::SizeCube(shape.mapRows, shape.mapCols, shape.maps);
}

template <typename T>
double TopDownOperator<T>::Lipschitz(Maps<T>& powerVector, int powerSteps) {
  return kLipschitzMargin * EstimateNormSquared(*this, powerVector, powerSteps, 1);
}

template <typename T>
void TopDownOperator<T>::Adjoint(const Image<T>& image, Maps<T>& maps) {
  AdjointBelow(image, topInput_);
  stack_.Conv(top_).Adjoint(topInput_, maps);
}

namespace {

template <typename T>
double SquaredNorm(const arma::Cube<T>& x) {
  double sum = 0.0;
  for (arma::uword i = 0; i < x.n_elem; ++i) sum += double(x[i]) * double(x[i]);
  return sum;
}

}  // namespace

namespace {

//! Extent in pixels of the footprint of one unit of layer `top` along one axis: through each
//! layer j below, e units of its maps (after unpooling) reach s_j (e - 1) + k_j of its input.
arma::uword Footprint(const std::vector<LayerSpec>& layers, std::size_t top, bool rows) {
  arma::uword extent = rows ? layers[top - 1].filterRows : layers[top - 1].filterCols;
  for (std::size_t j = top - 1; j >= 1; --j) {
    const LayerSpec& s = layers[j - 1];
    extent = s.stride * (extent * (rows ? s.pooling.rows : s.pooling.cols) - 1) +
             (rows ? s.filterRows : s.filterCols);
  }
  return extent;
}

//! With a strided layer among 1..top, the product of their strides and poolings along one axis:
//! a canvas size that is a multiple of it gives whole maps at every layer (the circular
//! boundary needs this); 1 without one.
arma::uword Period(const std::vector<LayerSpec>& layers, std::size_t top, bool rows) {
  arma::uword period = 1;
  bool strided = false;
  for (std::size_t j = 1; j <= top; ++j) {
    strided = strided || layers[j - 1].stride > 1;
    period *= layers[j - 1].stride;
    if (j < top) period *= rows ? layers[j - 1].pooling.rows : layers[j - 1].pooling.cols;
  }
  return strided ? period : 1;
}

//! The smallest multiple of `period` >= `size`.
arma::uword RoundUp(arma::uword size, arma::uword period) {
  return (size + period - 1) / period * period;
}

}  // namespace

template <typename T>
std::vector<Image<T>> FilterPictures(const Network<T>& network, std::size_t layer) {
  if (layer == 0 || layer > network.Depth())
    throw std::invalid_argument("FilterPictures(): the network has no layer " +
                                std::to_string(layer));
  const arma::uword rows = RoundUp(2 * Footprint(network.layers, layer, true) + 1,
                                   Period(network.layers, layer, true));
  const arma::uword cols = RoundUp(2 * Footprint(network.layers, layer, false) + 1,
                                   Period(network.layers, layer, false));
  LayerStack<T> stack(network, rows, cols, layer);
  TopDownOperator<T> op(stack, layer);
  op.SetSwitches(std::vector<const Switches*>(layer - 1, nullptr));
  const LayerShape& shape = stack.Shape(layer);
  std::vector<Image<T>> pictures(shape.maps);
  Maps<T> unit(shape.mapRows, shape.mapCols, shape.maps, arma::fill::zeros);
  double largest = 0.0;
  for (arma::uword k = 0; k < shape.maps; ++k) {
    unit(shape.mapRows / 2, shape.mapCols / 2, k) = T(1);
    op.Apply(unit, pictures[k]);
    unit(shape.mapRows / 2, shape.mapCols / 2, k) = T(0);
    largest = std::max(largest, double(arma::abs(pictures[k]).max()));
  }
  // Crop to the common bounding box of the pixels above the transforms' rounding noise.
  const double floor = 1e-4 * largest;
  arma::uword top = rows, bottom = 0, left = cols, right = 0;
  for (const Image<T>& p : pictures)
    for (arma::uword c = 0; c < p.n_slices; ++c)
      for (arma::uword x = 0; x < cols; ++x)
        for (arma::uword y = 0; y < rows; ++y)
          if (std::abs(double(p(y, x, c))) > floor) {
            top = std::min(top, y);
            bottom = std::max(bottom, y);
            left = std::min(left, x);
            right = std::max(right, x);
          }
  if (top > bottom) return pictures;  // every filter is zero
  for (Image<T>& p : pictures) p = Image<T>(p.tube(top, left, bottom, right));
  return pictures;
}

template <typename T>
std::vector<MapProjection<T>> ProjectMaps(TopDownOperator<T>& op, const Maps<T>& maps) {
  const LayerShape& shape = op.TopShape();
  if (maps.n_rows != shape.mapRows || maps.n_cols != shape.mapCols || maps.n_slices != shape.maps)
    throw std::invalid_argument("ProjectMaps(): the maps do not match the layer");
  std::vector<MapProjection<T>> projections(shape.maps);
  Maps<T> single(maps.n_rows, maps.n_cols, maps.n_slices, arma::fill::zeros);
  for (arma::uword k = 0; k < shape.maps; ++k) {
    single.slice(k) = maps.slice(k);
    projections[k].map = k;
    op.Apply(single, projections[k].picture);
    projections[k].energy = SquaredNorm(projections[k].picture);
    single.slice(k).zeros();
  }
  std::stable_sort(
      projections.begin(), projections.end(),
      [](const MapProjection<T>& a, const MapProjection<T>& b) { return a.energy > b.energy; });
  return projections;
}

#define DN_INSTANTIATE(T)                                                        \
  template std::vector<Image<T>> FilterPictures(const Network<T>&, std::size_t); \
  template std::vector<MapProjection<T>> ProjectMaps(TopDownOperator<T>&, const Maps<T>&);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

template class LayerStack<float>;
template class LayerStack<double>;
template class TopDownOperator<float>;
template class TopDownOperator<double>;

}  // namespace dn
