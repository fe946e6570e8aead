// A multi-layer deconvolutional network (Zeiler et al., CVPR 2010; Zeiler, Taylor & Fergus,
// ICCV 2011): its architecture and filters.
//
// Layer l (1-based) has K_l feature maps z_l and filters f^l_kc (h_l x w_l), one per pair of a
// map k and an input map c that its connectivity table g^l connects. Its input y_{l-1} is the
// preprocessed image (l = 1, C_1 = image channels) or the maps of layer l-1 after that layer's
// optional 3-D max pooling (C_l = ceil(K_{l-1} / q_{l-1}) input maps):
//
//   y_{l-1,c}  ~  sum_k g^l_ck ( f^l_kc * z_{l,k} )            (F_l z_l in operator form)
//
// Two inference modes per layer:
//  - layer (CVPR 2010): z_l minimises 1/2 ||F_l z_l - y_{l-1}||^2 + lambda_l ||z_l||_1;
//  - pixel (ICCV 2011): z_l minimises 1/2 ||R_l z_l - y_0||^2 + lambda_l ||z_l||_1 with the
//    top-down operator R_l = F_1 U_1 F_2 U_2 ... F_l (U_j: unpooling with layer j's switches,
//    the identity without pooling), so every layer reconstructs the image itself.
// Layer 1 is the same in both modes. Shapes follow the boundary mode of conv/conv_operator.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conv/conv_operator.hpp"
#include "conv/strided_geometry.hpp"
#include "network/connectivity.hpp"
#include "network/pooling.hpp"

namespace dn {

enum class InferenceMode { Layer, Pixel };
//! "layer" or "pixel".
std::string ToString(InferenceMode mode);
//! Parses "layer" or "pixel"; throws std::invalid_argument otherwise.
InferenceMode ParseInferenceMode(const std::string& name);

//! The most layers a network may have.
constexpr std::size_t kMaxLayers = 4;

//! The architecture of one layer and its l1 weight.
struct LayerSpec {
  std::size_t filters = 0;   //!< K_l, the feature maps
  std::size_t channels = 0;  //!< C_l, the input maps
  std::size_t filterRows = 0, filterCols = 0;
  double lambda = 0.1;
  ConnectivityType connectivity = ConnectivityType::Full;
  std::uint64_t connectivitySeed = 1;  //!< random-doubles only
  PoolingShape pooling;                //!< applied to this layer's maps before the next layer
  InferenceMode inference = InferenceMode::Layer;
  //! Stride of the layer's transposed convolution (conv/strided_geometry.hpp); 1: ordinary.
  std::size_t stride = 1;
  //! By default the boundary's ordinary padding (h - 1, w - 1 valid; 0 circular), so that
  //! stride 1 with the default padding is an ordinary layer.
  Padding padding;
  //! The layer's stride and padding under `boundary`.
  StridedGeometry Geometry(Boundary boundary) const;
  //! Whether the layer is an ordinary one (stride 1, the boundary's padding) under `boundary`.
  bool Ordinary(Boundary boundary) const;
  //! Throws std::invalid_argument naming the field ("layer N: ...").
  void Validate(std::size_t layer) const;
};

//! Checks a whole architecture: every layer valid, layer l+1 has ceil(K_l / q_l) channels, the
//! top layer does not pool (nothing above uses it), at most kMaxLayers layers.
void ValidateArchitecture(const std::vector<LayerSpec>& layers);

//! Sizes of one layer for one input size.
struct LayerShape {
  arma::uword inputRows = 0, inputCols = 0, inputMaps = 0;     //!< y_{l-1}
  arma::uword mapRows = 0, mapCols = 0, maps = 0;              //!< z_l
  arma::uword pooledRows = 0, pooledCols = 0, pooledMaps = 0;  //!< after this layer's pooling
};

//! The shapes of every layer for images of rows x cols; throws std::invalid_argument when a
//! layer's filters are larger than its input.
std::vector<LayerShape> LayerShapes(const std::vector<LayerSpec>& layers, arma::uword rows,
                                    arma::uword cols, Boundary boundary);

template <typename T>
struct Network {
  Boundary boundary = Boundary::Valid;
  std::vector<LayerSpec> layers;
  std::vector<FilterBank<T>> filters;     //!< per layer, K_l x C_l, zero where unconnected
  std::vector<ConnectivityTable> tables;  //!< per layer, C_l x K_l

  std::size_t Depth() const { return layers.size(); }
  //! Builds the connectivity tables from the specs.
  void MakeTables();
  //! Throws std::invalid_argument unless specs, filters and tables agree (shapes, zeros at
  //! unconnected pairs, finite values).
  void Validate() const;
  template <typename U>
  Network<U> Cast() const;
};

//! The one-layer network of `filters` (an ordinary layer: full connectivity, no pooling, layer
//! inference) with l1 weight `lambda` under `boundary`.
template <typename T>
Network<T> OneLayerNetwork(const FilterBank<T>& filters, double lambda, Boundary boundary);

//! Random initial filters of a layer: Gaussian from `seed` (as RandomFilters), zero at
//! unconnected pairs, projected (optionally zero mean) and scaled to unit norm per filter.
template <typename T>
FilterBank<T> InitialLayerFilters(const LayerSpec& spec, const ConnectivityTable& table,
                                  std::uint64_t seed, bool zeroMean);

extern template struct Network<float>;
extern template struct Network<double>;

}  // namespace dn
