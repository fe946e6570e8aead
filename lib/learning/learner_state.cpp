// DictionaryLearner: the fields of its saved state (checkpoints).
//
// Entries: filters (h x w x K*C), numbers images (which must be this learner's), iteration,
// rejected, elapsed; updater/... (DictionaryUpdater::Describe) and image/<i>/...
// (CscSolver::Describe) for each image i.
#include <string>

#include "learning/dictionary_learning.hpp"

namespace dn {

template <typename T>
void DictionaryLearner<T>::Describe(StateArchive<T>& a) {
  a.Setting("images", static_cast<double>(solvers_.size()));
  const arma::Cube<T>& filters =
      a.Array("filters", filters_.data, filters_.Rows(), filters_.Cols(), filters_.data.n_slices);
  a.Require(filters.is_finite(), "the filters are not finite");
  // The operator takes the restored filters before the solvers' states are committed: a solver
  // may derive from them what its state leaves out (coordinate descent's column norms).
  a.OnCommit([this] { op_->SetFilters(filters_); });
  a.Count("iteration", iteration_);
  a.Count("rejected", rejected_);
  a.Number("elapsed", elapsed_);
  a.Part("updater", [&] { updater_.Describe(a, *op_); });
  for (std::size_t i = 0; i < solvers_.size(); ++i)
    a.Part("image/" + std::to_string(i), [&] { solvers_[i]->Describe(a); });
}

template <typename T>
void DictionaryLearner<T>::RestoreState(const SavedState<T>& s) {
  RestoreDescribed(s, *this, "DictionaryLearner::RestoreState(): ");
}

template void DictionaryLearner<float>::Describe(StateArchive<float>&);
template void DictionaryLearner<double>::Describe(StateArchive<double>&);
template void DictionaryLearner<float>::RestoreState(const SavedState<float>&);
template void DictionaryLearner<double>::RestoreState(const SavedState<double>&);

}  // namespace dn
