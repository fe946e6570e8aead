// One layer's filters as an operator between its feature maps and its input maps, touching only
// the filter pairs its connectivity table connects:
//
//   Apply:    (F z)_c   = sum_{k connected to c} f_kc * z_k        maps (Hm x Wm x K) -> input (H x
//   W x C) Adjoint:  (F^T r)_k = sum_{c connected to k} f_kc (star) r_c   input -> maps
//
// with the boundary modes and FFT grid of conv/conv_operator.hpp (whose geometry, transforms,
// crop and pad it uses). With singles-and-doubles tables only 2 of every C pairs are connected,
// so skipping the others cuts the frequency-domain work and the filter transforms by C / 2.
// A strided layer (conv/strided_conv_operator.hpp) connects every pair and has Apply and Adjoint.
// Buffers are allocated once; the object is therefore not shared between threads (the loops
// inside are parallel over maps, input maps or filter pairs).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "conv/conv_operator.hpp"
#include "conv/strided_conv_operator.hpp"
#include "network/connectivity.hpp"

namespace dn {

template <typename T>
class ConnectedConv {
public:
  using CMat = arma::Mat<Complex<T>>;

  //! `filters` must be zero at unconnected pairs (K x C as the table's maps x inputs). A
  //! `geometry` that is not the boundary's ordinary one makes a strided layer: Apply and Adjoint
  //! go through StridedConvOperator (which needs a full table); the spectral functions below
  //! serve pixel-mode learning, which strided layers do not have, and throw.
  ConnectedConv(const FilterBank<T>& filters, const ConnectivityTable& table, arma::uword inputRows,
                arma::uword inputCols, Boundary boundary,
                PlannerEffort effort = PlannerEffort::Estimate,
                const std::optional<StridedGeometry>& geometry = std::nullopt);

  //! New filters of the same shape (zero at unconnected pairs): recomputes their spectra.
  void SetFilters(const FilterBank<T>& filters);
  const FilterBank<T>& Filters() const { return filters_; }
  const ConnectivityTable& Table() const { return table_; }
  //! Whether the layer is strided.
  bool Strided() const { return strided_ != nullptr; }
  //! Geometry and transforms (its own filters are the initial ones: use Filters());
  //! std::logic_error for a strided layer.
  const ConvOperator<T>& Geometry() const;
  //! The strided layer's operator (with the current filters); std::logic_error otherwise.
  StridedConvOperator<T>& StridedOperator();

  //! F z into `out` (resized to the input shape).
  void Apply(const Maps<T>& maps, Image<T>& out);
  //! F^T r into `out` (resized to the map shape).
  void Adjoint(const Image<T>& input, Maps<T>& out);

  //! Spectra of maps on the FFT grid, F x K (for Synthesize and FilterGradient).
  void MapSpectra(const Maps<T>& maps, CMat& spectra);
  //! F z from the spectra of z.
  void Synthesize(const CMat& mapSpectra, Image<T>& out);
  //! Spectra of an input-shaped array placed on the grid as the operator's input (for valid:
  //! zero-padded at the crop offset), F x C.
  void InputSpectra(const Image<T>& input, CMat& spectra);
  //! Gradient of 1/2 sum_i ||F z_i - s_i||^2 in the filters, given the spectra of z_i and of the
  //! residuals F z_i - s_i (InputSpectra): sum_i z_ik (star) r_ic on the filter support for every
  //! connected pair, zero elsewhere.
  void FilterGradient(const std::vector<const CMat*>& mapSpectra,
                      const std::vector<const CMat*>& residualSpectra, FilterBank<T>& gradient);

private:
  std::unique_ptr<ConvOperator<T>> op_;
  std::unique_ptr<StridedConvOperator<T>> strided_;
  ConnectivityTable table_;
  FilterBank<T> filters_;
  CMat spectra_;       //!< F x K*C filter spectra, zero columns at unconnected pairs
  CMat mapSpectra_;    //!< F x K workspace
  CMat inputSpectra_;  //!< F x C workspace
  std::vector<arma::Col<Complex<T>>> sums_;  //!< per thread, F
  std::vector<arma::Mat<T>> grids_;          //!< per thread, grid-sized
  std::vector<arma::Col<T>> scratch_;        //!< per thread, ForwardMap scratch (zero outside maps)
  arma::uword F_;

  void CheckMaps(const Maps<T>& maps, const char* who) const;
  void CheckInput(const Image<T>& input, const char* who) const;
  //! std::invalid_argument naming `who` for a strided layer.
  void RefuseStrided(const char* who) const;
};

extern template class ConnectedConv<float>;
extern template class ConnectedConv<double>;

}  // namespace dn
