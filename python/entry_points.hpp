// What the Python module needs beyond lib/run's entry points (run/inference.hpp), in plain C++
// (no Python in it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "serialize/model.hpp"

namespace dn::python {

//! Model.filters_in_pixel_space: layer `layer`'s filters projected to pixels, as dn-inspect
//! shows them. Throws std::invalid_argument when the layer does not exist.
std::vector<Image<double>> FiltersInPixelSpace(const Model& model, std::size_t layer);

//! Model.save: writes the model directory as dn-learn does.
void SaveModelDirectory(const std::string& path, const Model& model);

}  // namespace dn::python
