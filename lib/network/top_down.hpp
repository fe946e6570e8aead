// The top-down operator of a deconvolutional network (Zeiler, Taylor & Fergus, ICCV 2011):
// feature maps of layer l projected to pixel space through the unpooling and filters
// of the layers below,
//
//   R_l = F_1 U_1 F_2 U_2 ... F_{l-1} U_{l-1} F_l,      R_l^T = F_l^T P_{l-1} F_{l-1}^T ... P_1
//   F_1^T
//
// F_j: layer j's filters (ConnectedConv), U_j: unpooling of layer j's maps with fixed switches
// (the identity when layer j does not pool), P_j = U_j^T: pooling with those switches (Gather).
// With the switches held fixed R_l is linear and the identity <R z, r> = <z, R^T r> holds
// exactly. Without switches (no image chose them) U_j spreads every value uniformly over its
// block (Spread), the unpooling averaged over uniform switches.
//
// A_l = F_1 U_1 ... F_{l-1} U_{l-1} (ApplyBelow) maps layer l's input to pixels; R_l = A_l F_l.
#pragma once

#include <memory>
#include <vector>

#include "network/connected_conv.hpp"
#include "network/network.hpp"
#include "solvers/linear_operator.hpp"

namespace dn {

//! The operators of the first `depth` layers of a network for images of rows x cols.
template <typename T>
class LayerStack {
public:
  LayerStack(const Network<T>& network, arma::uword rows, arma::uword cols, std::size_t depth,
             PlannerEffort effort = PlannerEffort::Estimate);
  std::size_t Depth() const { return convs_.size(); }
  //! Layer l, 1-based.
  ConnectedConv<T>& Conv(std::size_t layer) { return *convs_.at(layer - 1); }
  const LayerShape& Shape(std::size_t layer) const { return shapes_.at(layer - 1); }
  const LayerSpec& Spec(std::size_t layer) const { return specs_.at(layer - 1); }

private:
  std::vector<LayerSpec> specs_;
  std::vector<LayerShape> shapes_;
  std::vector<std::unique_ptr<ConnectedConv<T>>> convs_;
};

//! R_l as a LinearOperator: the maps of layer l to pixels, for pixel-mode coding
//! (solvers/operator_fista.hpp).
template <typename T>
class TopDownOperator : public LinearOperator<T> {
public:
  //! Lipschitz() is this margin times the power-iteration estimate of ||R||^2 (from below).
  static constexpr double kLipschitzMargin = 1.05;

  //! R_top over the stack's layers 1..top. The stack must outlive the operator.
  TopDownOperator(LayerStack<T>& stack, std::size_t top);
  std::size_t Top() const { return top_; }
  //! Shapes of the top layer (its maps are what Apply takes).
  const LayerShape& TopShape() const { return stack_.Shape(top_); }

  //! The switches of layers 1..top-1 (an entry for a layer that does not pool is ignored; a null
  //! entry spreads, see above). Pointers must stay valid while used. Throws
  //! std::invalid_argument when a switch set does not match its layer's maps.
  void SetSwitches(const std::vector<const Switches*>& switches);

  //! The top layer's maps: mapRows x mapCols x maps.
  arma::SizeCube DomainSize() const override;
  //! R z: maps of the top layer to pixels.
  void Apply(const Maps<T>& maps, Image<T>& image) override;
  //! R^T r: pixels to maps of the top layer.
  void Adjoint(const Image<T>& image, Maps<T>& maps) override;
  //! kLipschitzMargin times EstimateNormSquared() after `powerSteps` steps from `powerVector`
  //! (seed 1 when it starts afresh), for the switches set now.
  double Lipschitz(Maps<T>& powerVector, int powerSteps) override;
  //! A x: an array shaped as the top layer's input to pixels.
  void ApplyBelow(const Image<T>& input, Image<T>& image);
  //! A^T r: pixels to the top layer's input space.
  void AdjointBelow(const Image<T>& image, Image<T>& input);

private:
  //! Unpools layer j's pooled maps (1-based j < top) into maps_[j - 1].
  void Unpool(std::size_t j, const Maps<T>& pooled);
  //! The adjoint: pools maps_[j - 1] into `pooled`.
  void Pool(std::size_t j, Maps<T>& pooled);

  LayerStack<T>& stack_;
  std::size_t top_;
  std::vector<const Switches*> switches_;
  std::vector<Maps<T>> maps_;    //!< layer j's (unpooled) maps, j < top
  std::vector<Maps<T>> inputs_;  //!< layer j's pooled maps = layer j+1's input, j < top
  Image<T> topInput_;
};

//! Pictures in pixel space of layer `layer`'s filters: for every map k, the projection R_l e_k
//! of one unit at the centre of map k, with spread unpooling (no image), on a canvas large
//! enough for the receptive field; every picture is cropped to the bounding box of the non-zero
//! pixels of all of them. Channels: the network's image channels.
template <typename T>
std::vector<Image<T>> FilterPictures(const Network<T>& network, std::size_t layer);

//! The projection R_l (z_k e_k) of each of layer l's maps alone for one image, and its energy
//! ||R_l (z_k e_k)||^2, strongest first.
template <typename T>
struct MapProjection {
  std::size_t map = 0;  //!< k, 0-based
  double energy = 0.0;
  Image<T> picture;
};
template <typename T>
std::vector<MapProjection<T>> ProjectMaps(TopDownOperator<T>& op, const Maps<T>& maps);

extern template class LayerStack<float>;
extern template class LayerStack<double>;
extern template class TopDownOperator<float>;
extern template class TopDownOperator<double>;

}  // namespace dn
