#include "learning/layer_learner.hpp"

#include <cmath>
#include <stdexcept>

#include "solvers/csc_solver.hpp"
#include "solvers/proximal.hpp"

namespace dn {

CodingSums CodingSums::Gathered(const std::vector<IterationRecord>& mine,
                                Communicator& communicator) {
  std::vector<double> values;  // fidelity, l1, density per image
  for (const IterationRecord& coded : mine)
    values.insert(values.end(), {coded.fidelity, coded.l1, coded.density});
  values = communicator.GatherAll(values);
  CodingSums sums;
  for (std::size_t i = 0; i + 2 < values.size(); i += 3) {
    IterationRecord coded;
    coded.fidelity = values[i];
    coded.l1 = values[i + 1];
    coded.density = values[i + 2];
    sums.Add(coded);
  }
  return sums;
}

IterationRecord RunOuterIterations(const std::string& name, std::size_t iterations,
                                   Observer* observer,
                                   const std::function<IterationRecord(const Timer&)>& iterate) {
  IterationRecord record;
  StopReason reason = StopReason::IterationLimit;
  if (observer) observer->Begin({name, 0, iterations});
  for (std::size_t it = 0; it < iterations; ++it) {
    const Timer timer;
    record = iterate(timer);
    if (observer && observer->Observe(record)) {
      reason = StopReason::Observer;
      break;
    }
  }
  if (observer) observer->End(record, reason);
  return record;
}

template <typename T>
void CheckTrainingImages(const std::string& who, const std::vector<Image<T>>& signals,
                         std::optional<std::size_t> channels) {
  if (signals.empty()) throw std::invalid_argument(who + ": no training images");
  const Image<T>& first = signals.front();
  for (const Image<T>& s : signals) {
    if (s.n_rows != first.n_rows || s.n_cols != first.n_cols || s.n_slices != first.n_slices)
      throw std::invalid_argument(who + ": training images differ in size");
    if (!s.is_finite())
      throw std::invalid_argument(who + ": a training image has NaN or infinite values");
  }
  if (channels && first.n_slices != *channels)
    throw std::invalid_argument(who + ": images have " + std::to_string(first.n_slices) +
                                " channels but the filters have " + std::to_string(*channels));
}

template void CheckTrainingImages(const std::string&, const std::vector<Image<float>>&,
                                  std::optional<std::size_t>);
template void CheckTrainingImages(const std::string&, const std::vector<Image<double>>&,
                                  std::optional<std::size_t>);

template <typename T>
IterationRecord LearnerRecord(const std::string& who, std::size_t iteration, double seconds,
                              const CodingSums& sums, double lambda, const FilterBank<T>& previous,
                              const FilterBank<T>& filters, std::size_t rejectedSteps) {
  IterationRecord record;
  record.iteration = iteration;
  record.seconds = seconds;
  record.fidelity = sums.fidelity;
  record.l1 = sums.l1;
  record.objective = Objective(sums.fidelity, lambda, sums.l1);
  record.density = sums.images > 0 ? sums.density / double(sums.images) : 0.0;
  const double change = arma::norm(arma::vectorise(filters.data - previous.data));
  const double norm = arma::norm(arma::vectorise(filters.data));
  record.relativeChange = norm > 0 ? change / norm : 0.0;
  record.rejectedSteps = rejectedSteps;
  if (!std::isfinite(record.objective))
    throw DivergenceError(who + ": the objective is not finite at iteration " +
                          std::to_string(iteration) + " (diverged)");
  return record;
}

template <typename T>
void CheckFiniteStep(const std::string& who, std::size_t iteration, const FilterBank<T>& filters) {
  if (!filters.data.is_finite())
    throw DivergenceError(who + ": the dictionary step gave NaN or infinite filters at iteration " +
                          std::to_string(iteration) + " (diverged)");
}

template IterationRecord LearnerRecord(const std::string&, std::size_t, double, const CodingSums&,
                                       double, const FilterBank<float>&, const FilterBank<float>&,
                                       std::size_t);
template IterationRecord LearnerRecord(const std::string&, std::size_t, double, const CodingSums&,
                                       double, const FilterBank<double>&, const FilterBank<double>&,
                                       std::size_t);
template void CheckFiniteStep(const std::string&, std::size_t, const FilterBank<float>&);
template void CheckFiniteStep(const std::string&, std::size_t, const FilterBank<double>&);

}  // namespace dn
