#include "network/connected_conv.hpp"

#include <omp.h>

#include <stdexcept>
#include <string>

#include "core/threads.hpp"

namespace dn {

template <typename T>
ConnectedConv<T>::ConnectedConv(const FilterBank<T>& filters, const ConnectivityTable& table,
                                arma::uword inputRows, arma::uword inputCols, Boundary boundary,
                                PlannerEffort effort,
                                const std::optional<StridedGeometry>& geometry)
    : table_(table), F_(0) {
  if (table.Maps() != filters.filters || table.Inputs() != filters.channels)
    throw std::invalid_argument(
        "ConnectedConv(): the connectivity table does not match the filters");
  filters_ = filters;
  if (geometry && !geometry->IsOrdinary(filters.Rows(), filters.Cols(), boundary)) {
    for (arma::uword k = 0; k < filters.filters; ++k)
      for (arma::uword c = 0; c < filters.channels; ++c)
        if (!table.Connected(c, k))
          throw std::invalid_argument(
              "ConnectedConv(): a strided layer needs full connectivity");
    strided_ = std::make_unique<StridedConvOperator<T>>(filters, inputRows, inputCols, *geometry,
                                                        boundary, effort);
    return;
  }
  op_ = std::make_unique<ConvOperator<T>>(filters, inputRows, inputCols, boundary, effort);
  F_ = op_->Fft().SpectrumSize();
  sums_ = PerThread(arma::Col<Complex<T>>(F_));
  grids_ = PerThread(arma::Mat<T>(op_->GridRows(), op_->GridCols()));
  scratch_ = PerThread(op_->MakeScratch());
  mapSpectra_.set_size(F_, filters.filters);
  inputSpectra_.set_size(F_, filters.channels);
  spectra_.zeros(F_, filters.filters * filters.channels);
  SetFilters(filters);
}

template <typename T>
const ConvOperator<T>& ConnectedConv<T>::Geometry() const {
  if (strided_) throw std::logic_error("ConnectedConv::Geometry(): the layer is strided");
  return *op_;
}

template <typename T>
StridedConvOperator<T>& ConnectedConv<T>::StridedOperator() {
  if (!strided_) throw std::logic_error("ConnectedConv::StridedOperator(): not a strided layer");
  return *strided_;
}

template <typename T>
void ConnectedConv<T>::RefuseStrided(const char* who) const {
  if (strided_)
    throw std::invalid_argument(std::string(who) +
                                ": a strided layer has no spectra on an ordinary grid (pixel-mode "
                                "learning does not go through strided layers)");
}

template <typename T>
void ConnectedConv<T>::SetFilters(const FilterBank<T>& filters) {
  if (filters.filters != filters_.filters || filters.channels != filters_.channels ||
      filters.Rows() != filters_.Rows() || filters.Cols() != filters_.Cols())
    throw std::invalid_argument("ConnectedConv::SetFilters(): filter bank shape changed");
  filters_ = filters;
  if (strided_) {
    strided_->SetFilters(filters);
    return;
  }
  const arma::uword C = filters.channels, slices = filters.data.n_slices;
  const arma::uword h = filters.Rows(), w = filters.Cols();
#pragma omp parallel num_threads(grids_.size())
  {
    arma::Mat<T>& grid = grids_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword s = 0; s < slices; ++s) {
      if (!table_.Connected(s % C, s / C)) continue;
      grid.zeros();
      grid.submat(0, 0, h - 1, w - 1) = filters_.data.slice(s);
      op_->Fft().Forward(grid.memptr(), spectra_.colptr(s));
    }
  }
}

template <typename T>
void ConnectedConv<T>::CheckMaps(const Maps<T>& maps, const char* who) const {
  if (maps.n_rows != op_->MapRows() || maps.n_cols != op_->MapCols() ||
      maps.n_slices != filters_.filters)
    throw std::invalid_argument(
        std::string(who) + ": maps are " + std::to_string(maps.n_rows) + "x" +
        std::to_string(maps.n_cols) + "x" + std::to_string(maps.n_slices) + ", expected " +
        std::to_string(op_->MapRows()) + "x" + std::to_string(op_->MapCols()) + "x" +
        std::to_string(filters_.filters));
}

template <typename T>
void ConnectedConv<T>::CheckInput(const Image<T>& input, const char* who) const {
  if (input.n_rows != op_->ImageRows() || input.n_cols != op_->ImageCols() ||
      input.n_slices != filters_.channels)
    throw std::invalid_argument(
        std::string(who) + ": input maps are " + std::to_string(input.n_rows) + "x" +
        std::to_string(input.n_cols) + "x" + std::to_string(input.n_slices) + ", expected " +
        std::to_string(op_->ImageRows()) + "x" + std::to_string(op_->ImageCols()) + "x" +
        std::to_string(filters_.channels));
}

template <typename T>
void ConnectedConv<T>::MapSpectra(const Maps<T>& maps, CMat& spectra) {
  RefuseStrided("ConnectedConv::MapSpectra()");
  CheckMaps(maps, "ConnectedConv::MapSpectra()");
  const arma::uword K = filters_.filters;
  spectra.set_size(F_, K);
#pragma omp parallel num_threads(scratch_.size())
  {
    T* scratch = scratch_[omp_get_thread_num()].memptr();
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K; ++k)
      op_->ForwardMap(maps.slice(k).memptr(), spectra.colptr(k), scratch);
  }
}

template <typename T>
void ConnectedConv<T>::Synthesize(const CMat& mapSpectra, Image<T>& out) {
  RefuseStrided("ConnectedConv::Synthesize()");
  const arma::uword C = filters_.channels;
  if (mapSpectra.n_rows != F_ || mapSpectra.n_cols != filters_.filters)
    throw std::invalid_argument("ConnectedConv::Synthesize(): map spectra do not match");
  out.set_size(op_->ImageRows(), op_->ImageCols(), C);
  const T scale = T(1) / static_cast<T>(op_->Fft().Size());
  const arma::uword F = F_;
#pragma omp parallel num_threads(sums_.size())
  {
    Complex<T>* sum = sums_[omp_get_thread_num()].memptr();
    arma::Mat<T>& grid = grids_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword c = 0; c < C; ++c) {
      for (arma::uword f = 0; f < F; ++f) sum[f] = Complex<T>(0);
      for (arma::uword k : table_.MapsOf(c)) {
        const Complex<T>* d = spectra_.colptr(k * C + c);
        const Complex<T>* z = mapSpectra.colptr(k);
        for (arma::uword f = 0; f < F; ++f) sum[f] += d[f] * z[f];
      }
      op_->Fft().Inverse(sum, grid.memptr());
      T* o = out.slice(c).memptr();
      op_->Crop(grid.memptr(), o);
      for (arma::uword i = 0; i < out.n_rows * out.n_cols; ++i) o[i] *= scale;
    }
  }
}

template <typename T>
void ConnectedConv<T>::Apply(const Maps<T>& maps, Image<T>& out) {
  if (strided_) return strided_->Apply(maps, out);
  MapSpectra(maps, mapSpectra_);
  Synthesize(mapSpectra_, out);
}

template <typename T>
void ConnectedConv<T>::InputSpectra(const Image<T>& input, CMat& spectra) {
  RefuseStrided("ConnectedConv::InputSpectra()");
  CheckInput(input, "ConnectedConv::InputSpectra()");
  const arma::uword C = filters_.channels;
  spectra.set_size(F_, C);
#pragma omp parallel num_threads(grids_.size())
  {
    arma::Mat<T>& grid = grids_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword c = 0; c < C; ++c) {
      op_->Pad(input.slice(c).memptr(), grid.memptr());
      op_->Fft().Forward(grid.memptr(), spectra.colptr(c));
    }
  }
}

template <typename T>
void ConnectedConv<T>::Adjoint(const Image<T>& input, Maps<T>& out) {
  if (strided_) return strided_->Adjoint(input, out);
  InputSpectra(input, inputSpectra_);
  const arma::uword K = filters_.filters, C = filters_.channels, F = F_;
  out.set_size(op_->MapRows(), op_->MapCols(), K);
  const T scale = T(1) / static_cast<T>(op_->Fft().Size());
#pragma omp parallel num_threads(sums_.size())
  {
    Complex<T>* sum = sums_[omp_get_thread_num()].memptr();
    T* grid = grids_[omp_get_thread_num()].memptr();
#pragma omp for schedule(static)
    for (arma::uword k = 0; k < K; ++k) {
      for (arma::uword f = 0; f < F; ++f) sum[f] = Complex<T>(0);
      for (arma::uword c : table_.InputsOf(k)) {
        const Complex<T>* d = spectra_.colptr(k * C + c);
        const Complex<T>* r = inputSpectra_.colptr(c);
        for (arma::uword f = 0; f < F; ++f) sum[f] += std::conj(d[f]) * r[f];
      }
      T* map = out.slice(k).memptr();
      op_->InverseMap(sum, map, grid);
      for (arma::uword i = 0; i < out.n_rows * out.n_cols; ++i) map[i] *= scale;
    }
  }
}

template <typename T>
void ConnectedConv<T>::FilterGradient(const std::vector<const CMat*>& mapSpectra,
                                      const std::vector<const CMat*>& residualSpectra,
                                      FilterBank<T>& gradient) {
  RefuseStrided("ConnectedConv::FilterGradient()");
  if (mapSpectra.empty() || mapSpectra.size() != residualSpectra.size())
    throw std::invalid_argument(
        "ConnectedConv::FilterGradient(): need one map and one residual "
        "spectrum per image");
  const arma::uword K = filters_.filters, C = filters_.channels, F = F_;
  const arma::uword h = filters_.Rows(), w = filters_.Cols();
  for (std::size_t i = 0; i < mapSpectra.size(); ++i)
    if (mapSpectra[i]->n_rows != F || mapSpectra[i]->n_cols != K ||
        residualSpectra[i]->n_rows != F || residualSpectra[i]->n_cols != C)
      throw std::invalid_argument("ConnectedConv::FilterGradient(): spectra do not match");
  gradient = FilterBank<T>(K, C, h, w);
  const T scale = T(1) / static_cast<T>(op_->Fft().Size());
  const arma::uword slices = K * C;
#pragma omp parallel num_threads(sums_.size())
  {
    Complex<T>* sum = sums_[omp_get_thread_num()].memptr();
    arma::Mat<T>& grid = grids_[omp_get_thread_num()];
#pragma omp for schedule(static)
    for (arma::uword s = 0; s < slices; ++s) {
      const arma::uword k = s / C, c = s % C;
      if (!table_.Connected(c, k)) continue;
      for (arma::uword f = 0; f < F; ++f) sum[f] = Complex<T>(0);
      for (std::size_t i = 0; i < mapSpectra.size(); ++i) {
        const Complex<T>* z = mapSpectra[i]->colptr(k);
        const Complex<T>* r = residualSpectra[i]->colptr(c);
        for (arma::uword f = 0; f < F; ++f) sum[f] += std::conj(z[f]) * r[f];
      }
      op_->Fft().Inverse(sum, grid.memptr());
      gradient.data.slice(s) = grid.submat(0, 0, h - 1, w - 1) * scale;
    }
  }
}

template class ConnectedConv<float>;
template class ConnectedConv<double>;

}  // namespace dn
