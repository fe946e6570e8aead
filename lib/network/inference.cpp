#include "network/inference.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "solvers/csc_solver.hpp"

namespace dn {

void NetworkCodingOptions::Validate(std::size_t depth) const {
  MakeCscSolver<double>(solver);  // throws on an unknown name
  if (iterations == 0)
    throw std::invalid_argument("NetworkCodingOptions: iterations must be positive");
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance))
    throw std::invalid_argument("NetworkCodingOptions: tolerance must be finite and >= 0");
  if (!lambdas.empty() && lambdas.size() != depth)
    throw std::invalid_argument("NetworkCodingOptions: one lambda per layer is needed");
  for (double lambda : lambdas)
    if (!(lambda >= 0.0) || !std::isfinite(lambda))
      throw std::invalid_argument("NetworkCodingOptions: lambda must be finite and >= 0");
}

template <typename T>
NetworkCoder<T>::NetworkCoder(const Network<T>& network, arma::uword rows, arma::uword cols,
                              std::size_t depth, PlannerEffort effort)
    : network_(network) {
  network.Validate();
  stack_ = std::make_unique<LayerStack<T>>(network, rows, cols, depth, effort);
  for (std::size_t l = 1; l <= depth; ++l)
    operators_.push_back(std::make_unique<TopDownOperator<T>>(*stack_, l));
}

template <typename T>
NetworkCoder<T>::~NetworkCoder() = default;

template <typename T>
TopDownOperator<T>& NetworkCoder<T>::TopDown(const std::vector<LayerCodes<T>>& codes,
                                             std::size_t layer) {
  if (layer == 0 || layer > Depth())
    throw std::invalid_argument("NetworkCoder: no layer " + std::to_string(layer));
  if (codes.size() + 1 < layer)
    throw std::invalid_argument("NetworkCoder: the codes of the layers below are missing");
  std::vector<const Switches*> below;
  for (std::size_t j = 0; j + 1 < layer; ++j) below.push_back(&codes[j].switches);
  TopDownOperator<T>& op = *operators_[layer - 1];
  op.SetSwitches(below);
  return op;
}

template <typename T>
std::vector<LayerCodes<T>> NetworkCoder<T>::Infer(
    const Image<T>& signal, const NetworkCodingOptions& options,
    const std::function<Observer*(std::size_t layer)>& observer) {
  options.Validate(Depth());
  for (std::size_t l = 1; l <= Depth(); ++l)
    if (!CodesThroughOperator(options.solver) && stack_->Conv(l).Strided())
      throw std::invalid_argument("NetworkCoder::Infer(): layer " + std::to_string(l) +
                                  " is strided; it is coded with ista or fista, not " +
                                  options.solver);
  for (std::size_t l = 2; l <= Depth(); ++l)
    if (options.solver == "admm" && stack_->Spec(l).inference == InferenceMode::Pixel)
      throw std::invalid_argument("NetworkCoder::Infer(): layer " + std::to_string(l) +
                                  " uses pixel inference, which has no admm solver (use fista)");
  const LayerShape& first = stack_->Shape(1);
  if (signal.n_rows != first.inputRows || signal.n_cols != first.inputCols ||
      signal.n_slices != first.inputMaps)
    throw std::invalid_argument("NetworkCoder::Infer(): the image does not match the network");
  SolveOptions solve;
  solve.maxIterations = options.iterations;
  solve.tolerance = options.tolerance;
  std::vector<LayerCodes<T>> codes;
  codes.reserve(Depth());
  for (std::size_t l = 1; l <= Depth(); ++l) {
    const LayerSpec& spec = stack_->Spec(l);
    const double lambda = options.lambdas.empty() ? spec.lambda : options.lambdas[l - 1];
    Observer* watch = observer ? observer(l) : nullptr;
    codes.emplace_back();
    LayerCodes<T>& out = codes.back();
    const bool pixel = l > 1 && spec.inference == InferenceMode::Pixel;
    const Image<T>& input = pixel ? signal : l == 1 ? signal : codes[l - 2].Output();
    if (pixel || stack_->Conv(l).Strided()) {
      // ISTA/FISTA through R_l (pixel mode) or the strided layer's transposed convolution.
      LinearOperator<T>& op = pixel ? static_cast<LinearOperator<T>&>(TopDown(codes, l))
                                    : stack_->Conv(l).StridedOperator();
      OperatorFista<T> coder(lambda, OperatorMomentum(options.solver));
      out.report = coder.Code(op, input, solve, watch, out.maps);
    } else {
      const auto solver = MakeCscSolver<T>(options.solver);
      solver->Reset(stack_->Conv(l).Geometry(), input, lambda);
      out.report = solver->Solve(solve, watch);
      out.maps = solver->Solution();
    }
    if (l < Depth() && spec.pooling.Active())
      MaxPool(out.maps, spec.pooling, out.pooled, out.switches);
  }
  return codes;
}

template <typename T>
Image<T> NetworkCoder<T>::Reconstruct(const std::vector<LayerCodes<T>>& codes, std::size_t layer) {
  if (codes.size() < layer)
    throw std::invalid_argument("NetworkCoder::Reconstruct(): layer " + std::to_string(layer) +
                                " was not inferred");
  Image<T> image;
  TopDown(codes, layer).Apply(codes[layer - 1].maps, image);
  return image;
}

template class NetworkCoder<float>;
template class NetworkCoder<double>;

}  // namespace dn
