// Inference in a deconvolutional network: the feature maps of one image, layer by layer from the
// bottom, each layer in its mode (network.hpp), and reconstructions from any layer's maps alone.
//
//   layer l in layer mode: CSC of its input y_{l-1} (the image, or layer l-1's pooled maps) over
//                          F_l with the single-layer solvers (solvers/csc_solver.hpp);
//   layer l in pixel mode: CSC of the image through R_l (pixel_coding.hpp), with the switches
//                          of the layers below fixed by their inference.
// After each layer below the top its maps are max-pooled (pooling.hpp) when it pools; the
// switches are kept for the top-down operator. Reconstruct(l) = R_l z_l in pixel space (the
// preprocessed domain), as Zeiler et al. reconstruct from one layer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "network/pixel_coding.hpp"

namespace dn {

struct NetworkCodingOptions {
  std::string solver = "auto";  //!< for every layer (csc_solver.hpp)
  std::size_t iterations = 200;  //!< per layer
  double tolerance = 0.0;        //!< per layer; 0 runs every iteration
  std::vector<double> lambdas;   //!< per layer; empty: the network's
  void Validate(std::size_t depth) const;
};

template <typename T>
struct LayerCodes {
  Maps<T> maps;       //!< z_l
  Switches switches;  //!< when the layer pools
  Maps<T> pooled;     //!< the pooled maps when the layer pools (empty otherwise)
  SolveReport report;
  //! The layer's output: its pooled maps when it pools, otherwise its maps.
  const Maps<T>& Output() const { return pooled.n_elem ? pooled : maps; }
};

template <typename T>
class NetworkCoder {
public:
  //! Inference in layers 1..depth of `network` (kept by reference) for images of rows x cols.
  NetworkCoder(const Network<T>& network, arma::uword rows, arma::uword cols, std::size_t depth,
               PlannerEffort effort = PlannerEffort::Estimate);
  ~NetworkCoder();

  std::size_t Depth() const { return stack_->Depth(); }

  //! Infers layers 1..Depth() for `signal` (the preprocessed image). `observer(l)` may give an
  //! observer of layer l's solver iterations.
  std::vector<LayerCodes<T>> Infer(
      const Image<T>& signal, const NetworkCodingOptions& options,
      const std::function<Observer*(std::size_t layer)>& observer = {});

  //! The top-down operator of layer `layer` bound to the switches of `codes`.
  TopDownOperator<T>& TopDown(const std::vector<LayerCodes<T>>& codes, std::size_t layer);
  //! R_layer z_layer, the image reconstructed from layer `layer`'s maps alone.
  Image<T> Reconstruct(const std::vector<LayerCodes<T>>& codes, std::size_t layer);

private:
  const Network<T>& network_;
  std::unique_ptr<LayerStack<T>> stack_;
  std::vector<std::unique_ptr<TopDownOperator<T>>> operators_;  //!< per layer
};

extern template class NetworkCoder<float>;
extern template class NetworkCoder<double>;

}  // namespace dn
