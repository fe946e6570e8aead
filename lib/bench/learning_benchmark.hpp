// dn-bench's learning benchmark: dictionary learning (learning/dictionary_learning.hpp) with
// dn-learn's options on images used as given, objective against time, and the time and iteration
// at which the objective first reached a target. Every run is repeated and the fastest counts.
// With `learner` "online" or "both" the online learner (learning/online_learning.hpp) draws
// minibatches from the same images; with held-out images (`test`) every iteration's record gets
// the mean objective of those images at the learner's current dictionary (run/held_out.hpp),
// evaluated outside the timed learning: the seconds are learning time only.
// Messages name dn-bench's options (--learning-*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "learning/dictionary_learning.hpp"

namespace dn {

struct LearningBenchmarkOptions {
  std::vector<std::string> images;  //!< training images, as dn-learn's inputs
  std::string init;                 //!< initial filters (K, h, w), a .npy file; "": random filters
  std::size_t filters = 64;         //!< K of random initial filters
  std::size_t filterSize = 8;       //!< their size S x S
  std::uint64_t seed = 1;           //!< their seed
  LearningOptions learning = Defaults();  //!< as dn-learn's (lambda 0.2, circular here)
  Precision precision = Precision::Single;
  double target = std::numeric_limits<double>::quiet_NaN();  //!< NaN: no time to target
  std::size_t repeats = 3;  //!< repetitions of the run; the fastest counts
  std::string learner = "batch";  //!< "batch", "online" or "both" (--learning-learner)
  std::string test;               //!< held-out images (--learning-test); "": none
  std::size_t testIterations = 200;  //!< solver iterations per held-out image
  //! Throws std::invalid_argument naming the field (learning's Validate() included).
  void Validate() const;
  //! dn-learn's LearningOptions with this benchmark's lambda (0.2) and boundary (circular).
  static LearningOptions Defaults();
};

//! The benchmark's inputs, read before anything is measured.
struct LearningInputs {
  std::vector<Image<double>> images;  //!< grey, of one size
  FilterBank<double> initial;         //!< projected onto the constraint set
  bool cropped = false;  //!< the images differed in size and were centre-cropped to a common one
};

//! Reads the images and the initial filters (or makes random ones). Throws std::runtime_error
//! for unreadable files, colour filters, or filters larger than the images.
LearningInputs ReadLearningInputs(const LearningBenchmarkOptions& options);

//! One learner's run in the comparison (a test set or a learner other than the default batch).
struct LearnerComparison {
  std::string learner;                   //!< "batch" or "online"
  std::vector<IterationRecord> history;  //!< of the repetition fastest to its end, testObjective set
  double bestTest = std::numeric_limits<double>::quiet_NaN();  //!< lowest test objective
  double bestTestSeconds = std::numeric_limits<double>::quiet_NaN();  //!< when it was reached
  std::size_t bestTestIteration = 0;
};

struct LearningBenchmarkResult {
  std::vector<LearnerComparison> learners;  //!< empty for the default (batch, no test set)
  std::vector<IterationRecord> history;  //!< of the repetition fastest to its end (first learner)
  double timeToTarget = std::numeric_limits<double>::quiet_NaN();  //!< fastest repetition
  std::size_t iterationsToTarget = 0;  //!< of the last repetition that reached it; 0: none did
  std::size_t images = 0;
  arma::uword rows = 0, cols = 0;  //!< of the images
  arma::uword filters = 0, filterRows = 0, filterCols = 0;
  double lambda = 0;
  double target = std::numeric_limits<double>::quiet_NaN();
  std::string command;  //!< the dn-learn command that runs the same learning
};

LearningBenchmarkResult RunLearningBenchmark(const LearningBenchmarkOptions& options,
                                             const LearningInputs& inputs);

}  // namespace dn
