// DictionaryUpdater: saving and restoring its state (checkpoints).
//
// Entries: numbers momentum, t, started, power_started; extrapolated (h x w x K*C, FISTA's y,
// while started); power_vectors (F x K, once the power iteration has run). The residual and
// signal spectra are recomputed by every Step() and are not saved.
#include <stdexcept>

#include "dictionary/dictionary.hpp"

namespace dn {

template <typename T>
SavedState<T> DictionaryUpdater<T>::SaveState() const {
  SavedState<T> s;
  s.Put("momentum", momentum_ ? 1.0 : 0.0);
  s.Put("t", t_);
  s.Put("started", started_ ? 1.0 : 0.0);
  s.Put("power_started", powerStarted_ ? 1.0 : 0.0);
  if (started_) s.Put("extrapolated", extrapolated_.data);
  if (powerVectors_.n_elem > 0) s.Put("power_vectors", powerVectors_);
  return s;
}

template <typename T>
void DictionaryUpdater<T>::RestoreState(const SavedState<T>& s, const ConvOperator<T>& op) {
  if (s.Flag("momentum") != momentum_)
    throw std::runtime_error(std::string("DictionaryUpdater::RestoreState(): the state is of ") +
                             (momentum_ ? "pgd" : "fista") + ", not " + options_.method);
  const FilterBank<T>& shape = op.Filters();
  const bool started = s.Flag("started"), powerStarted = s.Flag("power_started");
  const double t = s.Number("t");
  FilterBank<T> extrapolated;
  if (started) {
    extrapolated.filters = shape.filters;
    extrapolated.channels = shape.channels;
    extrapolated.data = s.Array("extrapolated", shape.Rows(), shape.Cols(), shape.data.n_slices);
  }
  arma::Mat<Complex<T>> powerVectors;
  if (powerStarted || s.Has("power_vectors"))
    powerVectors = s.ComplexMatrix("power_vectors", op.Fft().SpectrumSize(), op.FilterCount());

  t_ = t;
  started_ = started;
  powerStarted_ = powerStarted;
  extrapolated_ = std::move(extrapolated);
  powerVectors_ = std::move(powerVectors);
}

template SavedState<float> DictionaryUpdater<float>::SaveState() const;
template SavedState<double> DictionaryUpdater<double>::SaveState() const;
template void DictionaryUpdater<float>::RestoreState(const SavedState<float>&,
                                                     const ConvOperator<float>&);
template void DictionaryUpdater<double>::RestoreState(const SavedState<double>&,
                                                      const ConvOperator<double>&);

}  // namespace dn
