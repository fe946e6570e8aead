// Dictionary constraints, initialisation and the dictionary (filter) update.
//
// Constraint set (Zeiler et al., CVPR 2010; Wohlberg, IEEE TIP 2016):
//   d_k supported on h x w,  optionally sum(d_k) = 0 per channel,  ||d_k||_2 <= 1
// (the norm taken over all C channels of filter k jointly).
//
// Update: with the maps z_i fixed, minimise the fidelity over the filters
//   f(d) = 1/2 sum_i sum_c || sum_k d_kc * z_ik - s_ic ||^2
// by projected gradient ("pgd") or FISTA ("fista") with step 1/L, the gradient computed in the
// frequency domain: grad_kc = support-crop of IFFT( sum_i conj(Z_ik) R_ic ), R_i the residual.
// L = max_w lambda_max(M(w)^H M(w)), M(w) the N x K matrix of map spectra Z_ik(w), estimated by
// per-frequency power iteration (warm-started between steps) times a safety margin.
// When the maps are mostly zero (and given in space, CodedSet::maps) the gradient is formed in
// space instead: grad_kc(a) = sum_i sum_p z_ik(p) r_ic(p + a), a in the h x w support, p over
// the non-zeros of z_ik and r_i the residual on the grid (circular indices), 2 h w flops per
// non-zero and channel against 8 K C F flops per image for the spectral products. It exchanges
// K C h w numbers between ranks where the spectral way exchanges 2 F per filter pair.
// Data-parallel learning (parallel/communicator.hpp): the images may be a shard of those of
// several ranks. Every sum over images (the gradient's in 64-bit, the power iteration's in
// 32-bit) is exact in fixed point (parallel/exact_sum.hpp) and combined over the ranks, so the
// step is the same bit for bit for every split of the images (and alone), and for every thread
// count; the way the gradient is formed is chosen from the density of every rank's maps, so it
// is the same for every split.
// With data weights W_i (CodedSet::weights) the residual is W_i^2 (D z_i - s_i), formed in space,
// and L is multiplied by max_i max W_i^2 (||W M|| <= max W ||M||).
#pragma once

#include "conv/conv_operator.hpp"
#include "core/state_archive.hpp"
#include "parallel/communicator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace dn {

//! Projects every filter onto the constraint set (zero mean first, then the unit ball).
template <typename T> void ProjectFilters(FilterBank<T>& filters, bool zeroMean);
//! The same on the filters whose pairs `connectivity` (C x K, empty: all) connects, the others
//! set to zero first: zeroing pairs and removing means are commuting orthogonal projections onto
//! subspaces, so this is still the exact projection onto the intersection of the constraints.
template <typename T>
void ProjectFilters(FilterBank<T>& filters, bool zeroMean, const arma::umat& connectivity);

//! K random filters (Gaussian, seeded), projected with unit norm.
template <typename T>
FilterBank<T> RandomFilters(arma::uword K, arma::uword C, arma::uword h, arma::uword w,
                            std::uint64_t seed, bool zeroMean);

struct DictionaryUpdateOptions {
  std::string method = "fista";  //!< "fista" or "pgd"
  std::size_t iterations = 1;    //!< inner iterations per Step()
  bool zeroMean = false;         //!< constrain every filter channel to zero mean
  //! Which filter pairs exist, C x K (1 = channel c of filter k is free); the others are held at
  //! zero by the projection and skipped by the gradient. Empty: every pair (the default).
  arma::umat connectivity;
  //! How the gradient is formed: in frequency, in space from the maps' non-zeros (which needs
  //! CodedSet::maps), or (auto) in space when the maps are given and its flops are fewer.
  enum class Gradient { Auto, Spectral, Sparse } gradient = Gradient::Auto;
  //! std::invalid_argument naming the field as dn-learn names its option.
  void Validate() const;
};

//! Data of one dictionary step: for each training image i, the spectra of its maps (F x K,
//! on the operator's grid) and the image itself.
template <typename T> struct CodedSet {
  std::vector<const arma::Mat<Complex<T>>*> mapSpectra;
  //! Empty, or per image the same maps in space (MapRows x MapCols x K), which lets the
  //! gradient be formed from their non-zeros (with several ranks: every rank gives them or none).
  std::vector<const Maps<T>*> maps;
  std::vector<const Image<T>*> signals;
  //! Empty, or per image its data weight W (null: none), shaped as the image: the fidelity is
  //! then 1/2 sum_i ||W_i (D z_i - s_i)||^2 (learning from incomplete images, Heide et al. 2015).
  std::vector<const Image<T>*> weights;
};

template <typename T> class DictionaryUpdater {
public:
  //! `communicator`: the ranks whose images the steps sum over (null: this process alone); it
  //! must outlive the updater, and every rank must call Step() together.
  explicit DictionaryUpdater(const DictionaryUpdateOptions& options,
                             Communicator* communicator = nullptr);

  //! Runs options.iterations update iterations on `filters` (in/out), keeping the momentum
  //! between calls. `op` supplies the grid, boundary and shapes (its filters are not read).
  void Step(const ConvOperator<T>& op, const CodedSet<T>& data, FilterBank<T>& filters);
  //! Forgets the momentum (e.g. after the caller rejected a step).
  void RestartMomentum();
  //! The Lipschitz constant (with its margin) whose inverse was the last Step()'s step size; 0
  //! before the first.
  double Lipschitz() const { return lipschitz_; }

  //! What the updater keeps between steps, for saving and restoring it (core/state_archive.hpp):
  //! its momentum (t, the extrapolated filters) and the warm start of its power iteration, with
  //! the shapes of `op`. Restored into an updater with the same options, it continues bit for bit
  //! (checkpoints).
  void Describe(StateArchive<T>& archive, const ConvOperator<T>& op);

  //! The fidelity f(d) and its gradient at `filters` (used by tests and diagnostics).
  double FidelityAndGradient(const ConvOperator<T>& op, const CodedSet<T>& data,
                             const FilterBank<T>& filters, FilterBank<T>& gradient);

private:
  //! Fills residualSpectra_ with R_i at the filters whose spectra are given, or with
  //! `sparseGradient_` residualGrids_ with r_i in space; returns f.
  double Residuals(const ConvOperator<T>& op, const CodedSet<T>& data,
                   const arma::Mat<Complex<T>>& filterSpectra, bool wantFidelity);
  //! Sets sparseGradient_ (the options, and the density of every rank's maps) and, when it is
  //! set, mapNorms_ and images_.
  void ChooseGradient(const ConvOperator<T>& op, const CodedSet<T>& data);
  //! Gradient (h x w x K*C) from residualSpectra_, or from residualGrids_ and the maps' non-zeros.
  void GradientFromResiduals(const ConvOperator<T>& op, const CodedSet<T>& data,
                             FilterBank<T>& gradient);
  void SparseGradient(const ConvOperator<T>& op, const CodedSet<T>& data, FilterBank<T>& gradient);
  void FilterSpectra(const ConvOperator<T>& op, const FilterBank<T>& filters,
                     arma::Mat<Complex<T>>& spectra) const;
  double EstimateLipschitz(const ConvOperator<T>& op, const CodedSet<T>& data, int steps);
  //! With the sparse gradient: L of the problem over filters on their h x w support (at most
  //! the grid's L above), by power iteration on filter-shaped vectors from the maps' non-zeros.
  double SparseLipschitz(const ConvOperator<T>& op, const CodedSet<T>& data, int steps);
  //! circular: fills signalSpectra_ with the FFT of every training image.
  void SignalSpectra(const ConvOperator<T>& op, const CodedSet<T>& data);

  static constexpr double kLipschitzMargin = 1.05;
  //! Frequencies per block of the parallel loops over frequencies.
  static constexpr std::size_t kFrequencyBlock = 1024;

  DictionaryUpdateOptions options_;
  bool momentum_;
  double t_ = 1.0, lipschitz_ = 0.0;
  bool started_ = false, powerStarted_ = false;
  FilterBank<T> extrapolated_;                   //!< FISTA's y
  std::vector<arma::Mat<Complex<T>>> residualSpectra_;  //!< per image, F x C
  std::vector<arma::Mat<Complex<T>>> signalSpectra_;    //!< circular: per image, F x C
  bool sparseGradient_ = false;
  //! Per image, r_ic on the grid extended by h - 1 rows and w - 1 columns that repeat its first
  //! ones (so that r_ic(p + a) needs no wrap), one slice per channel.
  std::vector<arma::Cube<T>> residualGrids_;
  std::vector<double> mapNorms_;  //!< K: max over this rank's images of ||z_ik||_1
  double images_ = 0;             //!< over every rank
  std::vector<std::int64_t> sparseSums_;  //!< h w x K*C fixed-point sums of the gradient
  arma::Cube<T> powerFilters_;  //!< h x w x K, warm start of SparseLipschitz (empty: not run)
  arma::Mat<Complex<T>> powerVectors_;  //!< F x K, warm start of the power iteration
  Communicator* communicator_;
  std::vector<std::int64_t> gradientSums_;   //!< 2 F x K*C fixed-point sums of the gradient
  //! (2K + 1) F: the power iteration's sums, 32-bit (an estimate; half the exchange)
  std::vector<std::int32_t> lipschitzSums_;
};

extern template class DictionaryUpdater<float>;
extern template class DictionaryUpdater<double>;

} // namespace dn
