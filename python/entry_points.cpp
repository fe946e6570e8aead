#include "entry_points.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>

#include "conv/conv_operator.hpp"
#include "network/inference.hpp"
#include "network/top_down.hpp"

namespace dn::python {
namespace {

//! Throws std::invalid_argument unless `signal` can be coded over `filters` (the checks and
//! messages of dn-reconstruct's CheckCodable).
void CheckCodable(const FilterBank<double>& filters, const Image<double>& signal) {
  if (signal.n_slices != filters.channels)
    throw std::invalid_argument("the image has " + std::to_string(signal.n_slices) +
                                " channel(s) but the dictionary's filters have " +
                                std::to_string(filters.channels));
  if (filters.Rows() > signal.n_rows || filters.Cols() > signal.n_cols)
    throw std::invalid_argument("the filters (" + std::to_string(filters.Rows()) + "x" +
                                std::to_string(filters.Cols()) + ") are larger than the image (" +
                                std::to_string(signal.n_rows) + "x" +
                                std::to_string(signal.n_cols) + ")");
}

//! The objective's terms from the arrays, accumulated in double, as dn-reconstruct measures them.
template <typename T>
Metrics Measure(const Maps<T>& maps, const Image<T>& reconstruction, const Image<T>& signal,
                double lambda) {
  Metrics m;
  for (arma::uword i = 0; i < reconstruction.n_elem; ++i) {
    const double r = double(reconstruction[i]) - double(signal[i]);
    m.fidelity += 0.5 * r * r;
  }
  double nonzeros = 0;
  for (arma::uword i = 0; i < maps.n_elem; ++i) {
    m.l1 += std::abs(double(maps[i]));
    nonzeros += maps[i] != T(0);
  }
  m.objective = m.fidelity + lambda * m.l1;
  m.density = nonzeros / double(maps.n_elem);
  return m;
}

//! The observers of one layer's solve: its history, then the caller's observer.
struct LayerObservers {
  RecordKeeper history;
  ObserverList list;
  explicit LayerObservers(Observer* observer) {
    list.Add(&history);
    if (observer) list.Add(observer);
  }
};

}  // namespace

template <typename T>
CodingOutcome<T> SparseCode(const FilterBank<double>& dictionary, const Image<double>& signal,
                            const Maps<double>* init, const CodingRequest& request,
                            Observer* observer) {
  CheckSolverSupports(request.solver, request.boundary);
  CheckCodable(dictionary, signal);
  const std::string advice = "use precision=\"double\"";
  const Image<T> s = Convert<T>(signal, "the signal", advice);
  const FilterBank<T> filters = Convert<T>(dictionary, "the dictionary", advice);
  Maps<T> start;
  if (init) start = Convert<T>(*init, "init", advice);
  const ConvOperator<T> op(filters, s.n_rows, s.n_cols, request.boundary, request.effort);
  const auto solver = MakeCscSolver<T>(request.solver);
  solver->Reset(op, s, request.lambda, init ? &start : nullptr);
  SolveOptions options;
  options.maxIterations = request.iterations;
  options.tolerance = request.tolerance;
  LayerObservers observers(observer);
  CodingOutcome<T> outcome;
  outcome.report = solver->Solve(options, &observers.list);
  outcome.maps = solver->Solution();
  outcome.reconstruction = op.Apply(outcome.maps);
  outcome.history = std::move(observers.history.records);
  outcome.metrics = Measure(outcome.maps, outcome.reconstruction, s, request.lambda);
  return outcome;
}

ReconstructSettings ModelSettings(const Model& model, std::size_t layer) {
  if (layer == 0 || layer > model.Depth())
    throw std::invalid_argument("layer " + std::to_string(layer) + ": the model has " +
                                std::to_string(model.Depth()) + " layer" +
                                (model.Depth() == 1 ? "" : "s"));
  const ModelManifest& m = model.manifest;
  ReconstructSettings s;
  s.layer = layer;
  s.coding.lambda = layer == 1 ? m.lambda : m.layers[layer - 1].lambda;
  s.coding.solver = m.solver;
  s.coding.boundary = m.boundary;
  s.coding.iterations = m.iterations;
  s.coding.tolerance = m.tolerance;
  s.coding.precision = m.precision;
  s.preprocess = m.preprocess;
  return s;
}

template <typename T>
ReconstructOutcome<T> Reconstruct(const Model& model, const Image<double>& image,
                                  const ReconstructSettings& settings,
                                  Observer* observer) {
  const CodingRequest& c = settings.coding;
  const std::size_t layer = settings.layer;
  ModelSettings(model, layer);  // checks the layer
  CheckSolverSupports(c.solver, c.boundary);
  const Preprocessed prepared = Preprocess(image, settings.preprocess);
  CheckCodable(model.filters, prepared.signal);

  ReconstructOutcome<T> outcome;
  outcome.signal =
      Convert<T>(prepared.signal, "the preprocessed image", "use precision=\"double\"");
  std::vector<std::unique_ptr<LayerObservers>> observers;
  for (std::size_t l = 0; l < layer; ++l)
    observers.push_back(std::make_unique<LayerObservers>(observer));
  if (layer == 1) {
    const FilterBank<T> filters =
        Convert<T>(model.filters, "the model's dictionary", "use precision=\"double\"");
    const ConvOperator<T> op(filters, outcome.signal.n_rows, outcome.signal.n_cols, c.boundary,
                             c.effort);
    const auto solver = MakeCscSolver<T>(c.solver);
    solver->Reset(op, outcome.signal, c.lambda);
    SolveOptions options;
    options.maxIterations = c.iterations;
    options.tolerance = c.tolerance;
    outcome.report = solver->Solve(options, &observers[0]->list);
    outcome.maps = solver->Solution();
    outcome.reconstruction = op.Apply(outcome.maps);
  } else {
    Network<double> stored = ToNetwork(model);
    stored.boundary = c.boundary;
    const Network<T> network = stored.template Cast<T>();
    NetworkCoder<T> coder(network, outcome.signal.n_rows, outcome.signal.n_cols, layer, c.effort);
    NetworkCodingOptions options;
    options.solver = c.solver;
    options.iterations = c.iterations;
    options.tolerance = c.tolerance;
    for (std::size_t l = 1; l <= layer; ++l)
      options.lambdas.push_back(l == layer ? c.lambda : network.layers[l - 1].lambda);
    const auto codes = coder.Infer(outcome.signal, options,
                                   [&](std::size_t l) { return &observers[l - 1]->list; });
    outcome.maps = codes[layer - 1].maps;
    outcome.report = codes[layer - 1].report;
    outcome.reconstruction = coder.Reconstruct(codes, layer);
  }
  outcome.viewable = Restore(arma::conv_to<Image<double>>::from(outcome.reconstruction), prepared);
  for (const auto& o : observers) outcome.history.push_back(o->history.records);
  outcome.metrics = Measure(outcome.maps, outcome.reconstruction, outcome.signal, c.lambda);
  const double mse = arma::accu(arma::square(outcome.viewable - image)) / double(image.n_elem);
  outcome.metrics.psnr = 10.0 * std::log10(1.0 / mse);
  return outcome;
}

std::vector<Image<double>> FiltersInPixelSpace(const Model& model, std::size_t layer) {
  ModelSettings(model, layer);  // checks the layer
  return FilterPictures(ToNetwork(model), layer);
}

void SaveModelDirectory(const std::string& path, const Model& model) {
  if (model.Depth() == 1)
    SaveModel(path, model.manifest, model.filters);
  else
    SaveModel(path, model.manifest, ToNetwork(model));
}

#define DN_INSTANTIATE(T)                                                               \
  template CodingOutcome<T> SparseCode(const FilterBank<double>&, const Image<double>&, \
                                       const Maps<double>*, const CodingRequest&,       \
                                       Observer*);                             \
  template ReconstructOutcome<T> Reconstruct(const Model&, const Image<double>&,        \
                                             const ReconstructSettings&, Observer*);
DN_INSTANTIATE(float)
DN_INSTANTIATE(double)
#undef DN_INSTANTIATE

}  // namespace dn::python
