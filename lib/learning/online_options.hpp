// The settings of the online learner (learning/online_learning.hpp), part of LearningOptions.
#pragma once

#include <cstddef>
#include <string>

namespace dn {

struct OnlineOptions {
  std::size_t batchSize = 8;               //!< B, images per iteration
  std::size_t cropRows = 0, cropCols = 0;  //!< a random window of each image; 0: whole images
  std::string update = "surrogate";        //!< "surrogate" or "sgd"
  double etaA = 20.0, etaB = 10.0;         //!< sgd step eta_t = etaA / (t + etaB)
  double forgetting = 0.9;                 //!< surrogate: beta in (0, 1]
  std::size_t surrogateIterations = 10;    //!< surrogate: FISTA iterations per update
  //! std::invalid_argument naming dn-learn's option (--batch-size, --crop, --update, --eta-a,
  //! --eta-b, --forgetting).
  void Validate() const;
};

}  // namespace dn
