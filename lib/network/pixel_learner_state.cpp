// PixelLayerLearner: the fields of its saved state (checkpoints), PixelLearnerState, for both
// SaveState() and RestoreState().
//
// Entries: filters (h x w x K*C), numbers images (which must be this learner's), iteration,
// elapsed, filter_lipschitz; per image i under image/<i>/: x, y (top-layer maps), residual_x,
// residual_y (as the image), power (when set), t, lipschitz and the statistics of x (record/...).
#include <cmath>
#include <string>

#include "network/pixel_learner.hpp"

namespace dn {

template <typename T>
void PixelLayerLearner<T>::Describe(StateArchive<T>& a) {
  a.Setting("images", static_cast<double>(signals_.size()));
  FilterBank<T>& filters = state_.filters;
  a.Require(a.Array("filters", filters.data, filters.Rows(), filters.Cols(), filters.data.n_slices)
                .is_finite(),
            "the filters are not finite");
  a.Count("iteration", state_.iteration);
  a.Number("elapsed", state_.elapsed);
  a.Number("filter_lipschitz", state_.filterLipschitz);
  const LayerShape& top = op_->TopShape();
  const Image<T>& first = signals_.front();
  for (std::size_t i = 0; i < signals_.size(); ++i)
    a.Part("image/" + std::to_string(i), [&] {
      DescribeFistaState(a, state_.codes[i], arma::size(top.mapRows, top.mapCols, top.maps),
                         arma::size(first));
    });
}

template <typename T>
void PixelLayerLearner<T>::RestoreState(const SavedState<T>& s) {
  RestoreDescribed(s, *this, "PixelLayerLearner::RestoreState(): ");
  // The only derived state: the spectra of the layer's filters in its operator (the filter step
  // leaves the operator at state_.filters after every outer iteration).
  stack_->Conv(layer_).SetFilters(state_.filters);
}

template void PixelLayerLearner<float>::Describe(StateArchive<float>&);
template void PixelLayerLearner<double>::Describe(StateArchive<double>&);
template void PixelLayerLearner<float>::RestoreState(const SavedState<float>&);
template void PixelLayerLearner<double>::RestoreState(const SavedState<double>&);

}  // namespace dn
