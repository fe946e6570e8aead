#include "run/layer_outputs.hpp"

#include "viz/montage.hpp"

namespace dn {

std::string NetworkArrayName(std::size_t layer) {
  return "layer" + std::to_string(layer) + "_dictionary.npy";
}

std::string NetworkMontageName(std::size_t layer) {
  return "layer" + std::to_string(layer) + "_filters.png";
}

template <typename T>
Image<double> PicturesMontage(const std::vector<Image<T>>& pictures) {
  std::vector<Image<double>> tiles;
  for (const Image<T>& picture : pictures) {
    const Image<double> p = arma::conv_to<Image<double>>::from(picture);
    if (p.n_slices == 1 || p.n_slices == 3) {
      tiles.push_back(p);
    } else {
      for (arma::uword c = 0; c < p.n_slices; ++c) tiles.push_back(Image<double>(p.slices(c, c)));
    }
  }
  return Montage(tiles);
}

template <typename T>
Image<double> LayerFilterMontage(const Network<T>& network, std::size_t layer) {
  if (layer == 1) return FilterMontage(network.filters.front());
  return PicturesMontage(FilterPictures(network, layer));
}

template Image<double> PicturesMontage(const std::vector<Image<float>>&);
template Image<double> PicturesMontage(const std::vector<Image<double>>&);
template Image<double> LayerFilterMontage(const Network<float>&, std::size_t);
template Image<double> LayerFilterMontage(const Network<double>&, std::size_t);

}  // namespace dn
