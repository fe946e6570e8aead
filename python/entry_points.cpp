#include "entry_points.hpp"

#include "network/top_down.hpp"
#include "run/inference.hpp"

namespace dn::python {

std::vector<Image<double>> FiltersInPixelSpace(const Model& model, std::size_t layer) {
  ModelInferenceConfig(model.manifest, layer);  // checks the layer
  return FilterPictures(ToNetwork(model), layer);
}

void SaveModelDirectory(const std::string& path, const Model& model) {
  if (model.manifest.layers.empty())  // a one-layer model given by its filters alone
    SaveModel(path, model.manifest, model.filters);
  else
    SaveModel(path, model.manifest, ToNetwork(model));
}

}  // namespace dn::python
