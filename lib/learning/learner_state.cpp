// DictionaryLearner: saving and restoring its state (checkpoints).
//
// Entries: filters (h x w x K*C), numbers images, iteration, rejected, elapsed; updater/...
// (DictionaryUpdater::SaveState) and image/<i>/... (CscSolver::SaveState) for each image i.
#include <stdexcept>

#include "learning/dictionary_learning.hpp"

namespace dn {

template <typename T>
SavedState<T> DictionaryLearner<T>::SaveState() const {
  SavedState<T> s;
  s.Put("filters", filters_.data);
  s.Put("images", static_cast<double>(solvers_.size()));
  s.Put("iteration", static_cast<double>(iteration_));
  s.Put("rejected", static_cast<double>(rejected_));
  s.Put("elapsed", elapsed_);
  s.Insert("updater", updater_.SaveState());
  for (std::size_t i = 0; i < solvers_.size(); ++i)
    s.Insert("image/" + std::to_string(i), solvers_[i]->SaveState());
  return s;
}

template <typename T>
void DictionaryLearner<T>::RestoreState(const SavedState<T>& s) {
  const std::size_t images = s.Count("images");
  if (images != solvers_.size())
    throw std::runtime_error("DictionaryLearner::RestoreState(): the state has " +
                             std::to_string(images) + " training images, the learner " +
                             std::to_string(solvers_.size()));
  FilterBank<T> filters = filters_;
  filters.data = s.Array("filters", filters_.Rows(), filters_.Cols(), filters_.data.n_slices);
  if (!filters.data.is_finite())
    throw std::runtime_error("DictionaryLearner::RestoreState(): the filters are not finite");
  const std::size_t iteration = s.Count("iteration"), rejected = s.Count("rejected");
  const double elapsed = s.Number("elapsed");

  filters_ = std::move(filters);
  op_->SetFilters(filters_);
  updater_.RestoreState(s.Extract("updater"), *op_);
  for (std::size_t i = 0; i < solvers_.size(); ++i)
    solvers_[i]->RestoreState(s.Extract("image/" + std::to_string(i)));
  iteration_ = iteration;
  rejected_ = rejected;
  elapsed_ = elapsed;
}

template SavedState<float> DictionaryLearner<float>::SaveState() const;
template SavedState<double> DictionaryLearner<double>::SaveState() const;
template void DictionaryLearner<float>::RestoreState(const SavedState<float>&);
template void DictionaryLearner<double>::RestoreState(const SavedState<double>&);

}  // namespace dn
