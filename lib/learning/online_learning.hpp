// Online convolutional dictionary learning (Liu, Garcia-Cardona, Wohlberg & Yin, "First and
// second order methods for online convolutional dictionary learning", SIAM J. Imaging Sci.
// 2018; SPORCO's OnlineConvBPDNDictLearn): the dictionary learns from a stream of minibatches,
// and no image's maps are kept, so memory depends on the batch, the image size and K, never on
// the number of images.
//
// Iteration t (0-based) draws B = batchSize signals from the stream (TrainingStream: the
// images in an order shuffled per epoch from the seed, each preprocessed when drawn, optionally
// a random cropRows x cropCols window of it), codes each from zero maps with the sparse coding
// solver (codingIterations iterations, at the current dictionary D_t), and updates the
// dictionary by one of two rules:
//
//  - "sgd": stochastic projected gradient. With G_t = sum_i grad_D 1/2 ||D z_i - s_i||^2 the
//    minibatch's gradient and L_t = sum_i L_i a bound of its Lipschitz constant (per image
//    exactly max_w sum_k |Z_ik(w)|^2, the one eigenvalue of the rank-one per-frequency Gram),
//        D_{t+1} = P(D_t - eta_t G_t / L_t),   eta_t = etaA / (t + etaB),
//    P the projection of dictionary/dictionary.hpp. G_t / L_t is a ratio of sums over the batch,
//    so the step does not depend on the batch size; eta_t = 1 is a full step on the minibatch
//    (L_t bounds its Lipschitz constant from above, so steps up to 2 are safe; the default
//    eta_t = 20 / (t + 10) starts there).
//  - "surrogate": the second-order method. Running statistics with forgetting factor beta,
//        A_t = beta A_{t-1} + sum_i Zc_i^T Zc_i,   b_t = beta b_{t-1} + sum_i Zc_i^T s_i,
//    held in the spatial domain: A as the K x K map cross-correlations at the (2h-1) x (2w-1)
//    lags a filter pair can see, b as the K x C x h x w correlations of the maps with the
//    signal, so images of any size mix and the size does not grow with them; then
//    D_{t+1} = argmin_{D feasible} 1/2 <D, A_t D> - <b_t, D> by projected FISTA (warm started at
//    D_t, surrogateIterations iterations, step 1/(1.1 ||A_t||), ||A_t|| by power iteration warm
//    started from the previous update's vector). For the circular boundary the
//    surrogate is the minibatches' fidelity exactly (weighted by beta); for the valid boundary
//    its quadratic term also counts the reconstruction outside the image (the full rather than
//    the valid convolution), an upper bound of the fidelity, tight up to a border of h - 1.
//
// The record of iteration t is the minibatch's: objective, fidelity, l1 (sums over the batch,
// after coding at D_t), density (mean per image), relativeChange (of the dictionary step).
// State (SaveState): the dictionary, t, the statistics (surrogate) and the elapsed time; the
// stream's position is t * B and its order a function of the seed, so a resumed run draws what
// the uninterrupted one would: bit-identical resume, checkpoints of K x C x h x w plus
// (surrogate) K^2 (2h-1)(2w-1) numbers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dictionary/dictionary.hpp"
#include "io/image_stream.hpp"
#include "learning/dictionary_learning.hpp"
#include "learning/layer_learner.hpp"
#include "learning/online_options.hpp"
#include "preprocess/preprocess.hpp"

namespace dn {

//! The training signals of a stream: image i of `source`, preprocessed as `preprocess` says, in
//! precision T; and the order in which an online learner draws them.
template <typename T>
class TrainingStream {
public:
  //! Checks every image's shape against the crop (std::invalid_argument naming the image).
  TrainingStream(std::shared_ptr<const ImageSource> source, PreprocessOptions preprocess,
                 std::uint64_t seed, std::size_t cropRows = 0, std::size_t cropCols = 0);
  std::size_t Count() const { return source_->Count(); }
  std::size_t Channels() const { return channels_; }
  const ImageSource& Source() const { return *source_; }
  //! The image drawn at stream position `position` (epoch position / Count(), shuffled per
  //! epoch from the seed), preprocessed, cropped to the window drawn for that position.
  Image<T> Draw(std::size_t position);
  //! The image index drawn at `position`.
  std::size_t IndexAt(std::size_t position);
  //! A checksum of the images' names and shapes (a resumed run refuses another stream).
  std::string Checksum() const;

private:
  std::shared_ptr<const ImageSource> source_;
  PreprocessOptions preprocess_;
  std::uint64_t seed_;
  std::size_t cropRows_, cropCols_, channels_ = 0;
  std::size_t epoch_ = SIZE_MAX;    //!< of order_
  std::vector<std::size_t> order_;  //!< the permutation of epoch_
};

template <typename T>
class OnlineLearner : public LayerLearner<T> {
public:
  //! Learns from `stream` by options.online (batch size, crop checked against every image's
  //! shape, update rule); std::invalid_argument for settings that do not fit.
  OnlineLearner(const LearningOptions& options, std::shared_ptr<TrainingStream<T>> stream,
                const FilterBank<T>& initial);
  ~OnlineLearner() override;

  std::string Name() const override { return "online"; }
  //! Runs options.iterations minibatch iterations (continuing after earlier calls).
  IterationRecord Run(Observer* observer = nullptr) override;
  const FilterBank<T>& Dictionary() const override { return filters_; }
  //! The online learner keeps no maps: std::logic_error.
  const Maps<T>& MapsOf(std::size_t image) const override;
  std::size_t Iteration() const override { return iteration_; }
  void Describe(StateArchive<T>& archive) override;
  void RestoreState(const SavedState<T>& state) override;

private:
  struct Grid;  //!< operator, solver and gradient of one signal size
  Grid& GridFor(const Image<T>& signal);
  void SurrogateStep();

  LearningOptions options_;
  OnlineOptions online_;
  std::shared_ptr<TrainingStream<T>> stream_;
  FilterBank<T> filters_;
  std::map<std::pair<arma::uword, arma::uword>, std::unique_ptr<Grid>> grids_;
  arma::Cube<T> lagStatistics_;     //!< A: (2h-1) x (2w-1) x K*K, slice k * K + k'
  arma::Cube<T> signalStatistics_;  //!< b: h x w x K*C, as the filter bank
  arma::Cube<T> powerVector_;       //!< the power iteration's warm start (empty before)
  std::size_t iteration_ = 0;
  double elapsed_ = 0.0;
};

//! The surrogate's statistics of one coded signal, added to `lags` (A: (2h-1) x (2w-1) x K*K,
//! slice k*K + k' holding R_kk'(dr, dc) = sum_y z_k(y) z_k'(y + (dr, dc)) at lag (dr, dc) =
//! (row - (h-1), col - (w-1)), maps zero outside their grid for the valid boundary and periodic
//! for the circular one) and `correlations` (b: h x w x K*C, shaped as a filter bank's data,
//! b_kc(p, q) the correlation of the signal's channel c with what filter tap (p, q) of map k
//! reaches). Then for filters d: 1/2 <d, A d> - <b, d> + 1/2 ||s||^2 equals the fidelity
//! 1/2 ||D z - s||^2 for the circular boundary, and bounds it from above for the valid one.
//! Uses the maps' sparsity: the cost is the non-zeros times the (2h-1)(2w-1) window's non-zeros.
template <typename T>
void AddMapStatistics(const Maps<T>& maps, const Image<T>& signal, std::size_t filterRows,
                      std::size_t filterCols, Boundary boundary, arma::Cube<T>& lags,
                      arma::Cube<T>& correlations);
//! out = A d for filters d (h x w x K*C, as a filter bank's data, in double) and A as
//! AddMapStatistics accumulates it.
template <typename T>
void ApplyLagStatistics(const arma::Cube<T>& lags, const arma::Cube<double>& filters,
                        std::size_t channels, arma::Cube<double>& out);

//! The smallest signal a stream of `source` gives: the crop when there is one, else the least
//! rows and least columns among the images (their channels: image 1's).
ImageShape SmallestDraw(const ImageSource& source, std::size_t cropRows, std::size_t cropCols);

//! Checks that `source` can give what `online` draws: a batch no larger than the set, a crop no
//! larger than any image; std::invalid_argument naming the option and the image otherwise.
void CheckDraws(const ImageSource& source, const OnlineOptions& online);

//! The names of the online update rules: "sgd", "surrogate".
std::vector<std::string> OnlineUpdateNames();

extern template class TrainingStream<float>;
extern template class TrainingStream<double>;
extern template class OnlineLearner<float>;
extern template class OnlineLearner<double>;

}  // namespace dn
