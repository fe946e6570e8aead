// DictionaryUpdater: the fields of its saved state (checkpoints).
//
// Entries: numbers momentum (which must be this updater's), t, started, power_started;
// extrapolated (h x w x K*C, FISTA's y, while started); power_vectors (F x K, once the power
// iteration has run, i.e. when power_started); power_filters (h x w x K, the warm start of the
// power iteration of the sparse gradient's steps, once it has run). The residual and signal spectra are recomputed by
// every Step() and are not saved.
#include "dictionary/dictionary.hpp"

namespace dn {

template <typename T>
void DictionaryUpdater<T>::Describe(StateArchive<T>& a, const ConvOperator<T>& op) {
  a.Setting("momentum", momentum_ ? 1.0 : 0.0);
  a.Number("t", t_);
  const bool started = a.Flag("started", started_);
  const bool powerStarted = a.Flag("power_started", powerStarted_);
  const FilterBank<T>& shape = op.Filters();
  if (started) {
    a.Array("extrapolated", extrapolated_.data, shape.Rows(), shape.Cols(), shape.data.n_slices);
    a.Set(extrapolated_.filters, shape.filters);
    a.Set(extrapolated_.channels, shape.channels);
  } else {
    a.Set(extrapolated_, FilterBank<T>());
  }
  a.OptionalArray("power_filters", powerFilters_, op.Filters().Rows(), op.Filters().Cols(),
                  op.FilterCount());
  if (powerStarted)
    a.ComplexMatrix("power_vectors", powerVectors_, op.Fft().SpectrumSize(), op.FilterCount());
  else
    a.Set(powerVectors_, arma::Mat<Complex<T>>());
}

template void DictionaryUpdater<float>::Describe(StateArchive<float>&, const ConvOperator<float>&);
template void DictionaryUpdater<double>::Describe(StateArchive<double>&,
                                                  const ConvOperator<double>&);

}  // namespace dn
