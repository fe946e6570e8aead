#include "network/pixel_learner.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/timer.hpp"
#include "dictionary/dictionary.hpp"
#include "dictionary/filter_step.hpp"
#include "solvers/csc_solver.hpp"
#include "solvers/proximal.hpp"

namespace dn {
namespace {

//! Steps of warm power iteration per image after the filters change (they change little).
constexpr int kRefreshPowerSteps = 1;

}  // namespace

template <typename T>
PixelLayerLearner<T>::PixelLayerLearner(const LearningOptions& options, const Network<T>& network,
                                        std::size_t layer, std::vector<Image<T>> signals,
                                        const std::vector<std::vector<Switches>>& switches)
    : options_(options), layer_(layer), signals_(std::move(signals)), switches_(switches) {
  options_.Validate();
  network.Validate();
  if (layer < 2 || layer > network.Depth())
    throw std::invalid_argument("PixelLayerLearner: layer " + std::to_string(layer) +
                                " is not a layer above the first of the network");
  CheckTrainingImages("PixelLayerLearner", signals_, std::nullopt);
  if (switches_.size() != signals_.size())
    throw std::invalid_argument("PixelLayerLearner: need the switches of every training image");
  for (const std::vector<Switches>& below : switches_)
    if (below.size() < layer - 1)
      throw std::invalid_argument("PixelLayerLearner: missing switches of the layers below");
  const Image<T>& first = signals_.front();
  if (first.n_slices != network.layers.front().channels)
    throw std::invalid_argument("PixelLayerLearner: the images' channels do not match layer 1");
  table_ = network.tables[layer - 1];
  state_.filters = network.filters[layer - 1];
  stack_ =
      std::make_unique<LayerStack<T>>(network, first.n_rows, first.n_cols, layer, options_.effort);
  op_ = std::make_unique<TopDownOperator<T>>(*stack_, layer);
  coder_ = std::make_unique<OperatorFista<T>>(options_.lambda, OperatorMomentum(options_.solver));
  state_.codes.resize(signals_.size());
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    Bind(i);
    coder_->Start(*op_, signals_[i], state_.codes[i]);
  }
  mapSpectra_.resize(signals_.size());
  residualSpectra_.resize(signals_.size());
  trialResiduals_.resize(signals_.size());
}

template <typename T>
PixelLayerLearner<T>::~PixelLayerLearner() = default;

template <typename T>
void PixelLayerLearner<T>::Bind(std::size_t image) {
  std::vector<const Switches*> below;
  for (std::size_t j = 0; j + 1 < layer_; ++j) below.push_back(&switches_[image][j]);
  op_->SetSwitches(below);
}

template <typename T>
bool PixelLayerLearner<T>::FilterStep(double fidelity) {
  ConnectedConv<T>& conv = stack_->Conv(layer_);
  const std::size_t images = signals_.size();
  std::vector<const arma::Mat<Complex<T>>*> z, r;
  for (std::size_t i = 0; i < images; ++i) {
    conv.MapSpectra(state_.codes[i].x, mapSpectra_[i]);
    z.push_back(&mapSpectra_[i]);
    r.push_back(&residualSpectra_[i]);
  }
  // Residuals at the current filters: those of the coding states.
  std::vector<const Image<T>*> residuals;
  for (std::size_t i = 0; i < images; ++i) residuals.push_back(&state_.codes[i].residualX);

  FilterBank<T> gradient;
  bool changed = false;
  for (std::size_t it = 0; it < options_.dictionary.iterations; ++it) {
    for (std::size_t i = 0; i < images; ++i) {
      Bind(i);
      op_->AdjointBelow(*residuals[i], back_);
      conv.InputSpectra(back_, residualSpectra_[i]);
    }
    conv.FilterGradient(z, r, gradient);
    const FilterBank<T> current = state_.filters;
    const auto trial = [&](const FilterBank<T>& filters) {
      conv.SetFilters(filters);
      double value = 0.0;
      for (std::size_t i = 0; i < images; ++i) {
        Bind(i);
        conv.Synthesize(mapSpectra_[i], input_);
        op_->ApplyBelow(input_, trialResiduals_[i]);
        trialResiduals_[i] -= signals_[i];
        value += HalfSquaredNorm(trialResiduals_[i]);
      }
      return value;
    };
    double lipschitz = state_.filterLipschitz / 2;
    if (!(lipschitz > 0.0)) {
      // First step: the curvature of f along the gradient, sum_i ||A_i D(z_i) g||^2 / ||g||^2.
      const double g2 = 2.0 * HalfSquaredNorm(gradient.data);
      if (g2 == 0.0) break;
      FilterBank<T> direction = gradient;
      double curvature = 0.0;
      conv.SetFilters(direction);
      for (std::size_t i = 0; i < images; ++i) {
        Bind(i);
        conv.Synthesize(mapSpectra_[i], input_);
        op_->ApplyBelow(input_, trialResiduals_[i]);
        curvature += 2.0 * HalfSquaredNorm(trialResiduals_[i]);
      }
      lipschitz = curvature / g2;
      if (!(lipschitz > 0.0) || !std::isfinite(lipschitz)) {
        conv.SetFilters(current);
        break;
      }
    }
    const auto project = [&](FilterBank<T>& fresh) {
      MaskFilters(fresh, table_);
      ProjectFilters(fresh, options_.dictionary.zeroMean);
    };
    const bool accepted =
        BacktrackingFilterStep<T>(state_.filters, gradient, fidelity, lipschitz, project, trial);
    if (accepted) state_.filterLipschitz = lipschitz;
    if (!accepted) {
      conv.SetFilters(current);
      if (changed)  // the trials overwrote the residuals of the last accepted filters
        for (std::size_t i = 0; i < images; ++i) {
          Bind(i);
          conv.Synthesize(mapSpectra_[i], input_);
          op_->ApplyBelow(input_, trialResiduals_[i]);
          trialResiduals_[i] -= signals_[i];
        }
      break;
    }
    changed = true;
    for (std::size_t i = 0; i < images; ++i) residuals[i] = &trialResiduals_[i];
  }
  return changed;
}

template <typename T>
IterationRecord PixelLayerLearner<T>::Run(Observer* observer) {
  return RunOuterIterations("pixel", options_.iterations, observer, [&](const Timer& timer) {
    double fidelity = 0.0;
    for (std::size_t i = 0; i < signals_.size(); ++i) {
      Bind(i);
      for (std::size_t n = 0; n < options_.codingIterations; ++n)
        coder_->Step(*op_, signals_[i], state_.codes[i]);
      fidelity += state_.codes[i].current.fidelity;
    }
    const FilterBank<T> previous = state_.filters;
    const bool changed = FilterStep(fidelity);
    CodingSums sums;
    for (std::size_t i = 0; i < signals_.size(); ++i) {
      Bind(i);
      if (changed)
        coder_->OperatorChanged(*op_, signals_[i], state_.codes[i], kRefreshPowerSteps,
                                &trialResiduals_[i]);
      sums.Add(state_.codes[i].current);
    }
    state_.elapsed += timer.Seconds();
    ++state_.iteration;
    return LearnerRecord("PixelLayerLearner", state_.iteration, state_.elapsed, sums,
                         options_.lambda, previous, state_.filters, 0);
  });
}

template class PixelLayerLearner<float>;
template class PixelLayerLearner<double>;

}  // namespace dn
