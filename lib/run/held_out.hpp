// Held-out monitoring of a learning run (dn-learn --test): how well the current dictionary
// explains images the learner never sees, so that learners (batch and online, Liu,
// Garcia-Cardona, Wohlberg & Yin, SIAM J. Imaging Sci. 2018, section 6) compare on equal terms.
//
//   test objective = 1/n sum_j [ 1/2 ||D z_j - s_j||^2 + lambda ||z_j||_1 ]
//
// over the n test images s_j, preprocessed as the training images, each at its own size, with
// z_j after a fixed number of the run's solver iterations from zero maps (a cold start: the
// figure depends on the dictionary only, not on when it was last evaluated), lambda layer 1's.
// The test images are held in memory (their pixels, never their maps): one solver and one
// ConvOperator per distinct image size are made once and reused for every evaluation.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "conv/conv_operator.hpp"
#include "io/image_stream.hpp"
#include "run/learning_config.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {

//! Opens config.test.path (its headers: as OpenImageSource; std::runtime_error for files that
//! cannot be read) and checks it against the training images' `channels` and layer 1's
//! `filterSize`: std::invalid_argument with one line naming the first image that differs.
std::unique_ptr<ImageSource> OpenTestSet(const LearningConfig& config, std::size_t channels,
                                         const FilterSize& filterSize);

template <typename T>
class HeldOutSet {
public:
  //! Reads, preprocesses (config.preprocess) and keeps the images of config.test.path, checked
  //! as OpenTestSet; `lambda` is layer 1's. std::runtime_error for values beyond T's range.
  HeldOutSet(const LearningConfig& config, std::size_t channels, const FilterSize& filterSize,
             double lambda);
  std::size_t Count() const { return signals_.size(); }
  //! The test objective at `filters` (see the file comment). Throws DivergenceError when a
  //! solve diverges.
  double Objective(const FilterBank<T>& filters);

private:
  std::vector<Image<T>> signals_;
  Boundary boundary_;
  PlannerEffort effort_;
  double lambda_;
  std::size_t iterations_;
  std::unique_ptr<CscSolver<T>> coder_;
  std::map<std::pair<arma::uword, arma::uword>, std::unique_ptr<ConvOperator<T>>> operators_;
};

extern template class HeldOutSet<float>;
extern template class HeldOutSet<double>;

}  // namespace dn
