// deconvnet.learn: a learning run (lib/run/learning_run.hpp) on NumPy arrays or image files,
// with dn-learn's settings as keywords (their defaults are LearningConfig's), a dn-learn config
// file, a Python callback per outer iteration, and checkpoints and outputs in an optional
// directory. The model it returns is a LearnedModel: a Model with the run's history.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "serialize/model.hpp"

namespace dn::python {

namespace py = pybind11;

//! What learn() returns: the model as trained (Model), the run's records and whether it finished.
struct LearnedModel : Model {
  py::dict history;      //!< dict of 1-D arrays, one entry per outer iteration of every layer
  bool finished = true;  //!< false when the callback stopped the run
  std::string position;  //!< where the run stood, e.g. "layer 2 iteration 3 of 10"
};

//! Defines LearnedModel and learn() in `m` (after Model).
void DefineLearn(py::module_& m);

}  // namespace dn::python
