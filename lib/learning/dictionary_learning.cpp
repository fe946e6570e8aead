#include "learning/dictionary_learning.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/timer.hpp"
#include "solvers/proximal.hpp"

namespace dn {
namespace {

//! "%g" of a number, for messages.
std::string Short(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

void LearningOptions::Validate() const {
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    throw std::invalid_argument("--lambda must be finite and >= 0");
  if (iterations == 0) throw std::invalid_argument("--iterations must be positive");
  if (codingIterations == 0) throw std::invalid_argument("--coding-iterations must be positive");
  CheckSolverSupports(solver, boundary);  // throws on an unknown name or an unsupported boundary
  dictionary.Validate();
  if (learner != "batch" && learner != "online")
    throw std::invalid_argument("--learner must be batch or online, not '" + learner + "'");
  if (learner == "online") online.Validate();
}

template <typename T>
DictionaryLearner<T>::DictionaryLearner(const LearningOptions& options,
                                        std::vector<Image<T>> signals, const FilterBank<T>& initial,
                                        std::vector<Image<T>> weights)
    : options_(options),
      signals_(std::move(signals)),
      weights_(std::move(weights)),
      updater_(options.dictionary, options.communicator),
      communicator_(options.communicator ? options.communicator : &SerialCommunication()),
      filters_(initial) {
  options_.Validate();
  CheckTrainingImages("DictionaryLearner", signals_, std::optional<std::size_t>(initial.channels));
  const Image<T>& first = signals_.front();
  op_ = std::make_unique<ConvOperator<T>>(initial, first.n_rows, first.n_cols, options_.boundary,
                                          options_.effort);
  if (!weights_.empty() && weights_.size() != signals_.size())
    throw std::invalid_argument("DictionaryLearner: need one weight per training image");
  std::vector<double> zeroObjectives(signals_.size(), 0.0);
  for (std::size_t n = 0; n < signals_.size(); ++n) {
    const Image<T>& s = signals_[n];
    const Image<T>* weight = weights_.empty() ? nullptr : &weights_[n];
    solvers_.push_back(MakeCscSolver<T>(options_.solver, true));
    solvers_.back()->Reset(*op_, s, options_.lambda, nullptr, weight);
    for (arma::uword i = 0; i < s.n_elem; ++i) {
      const double w = weight ? double((*weight)[i]) : 1.0;
      if (w > 0) zeroObjectives[n] += 0.5 * w * w * double(s[i]) * double(s[i]);
    }
  }
  zeroObjective_ = SumInImageOrder(zeroObjectives);
}

template <typename T>
double DictionaryLearner<T>::SumInImageOrder(const std::vector<double>& mine) const {
  double sum = 0.0;
  for (double value : communicator_->GatherAll(mine)) sum += value;
  return sum;
}

template <typename T>
DictionaryLearner<T>::~DictionaryLearner() = default;

template <typename T>
const FilterBank<T>& DictionaryLearner<T>::Dictionary() const {
  return filters_;
}

template <typename T>
const Maps<T>& DictionaryLearner<T>::MapsOf(std::size_t image) const {
  if (image >= solvers_.size())
    throw std::invalid_argument("DictionaryLearner::MapsOf(): no such image");
  return solvers_[image]->Solution();
}

template <typename T>
IterationRecord DictionaryLearner<T>::Run(Observer* observer) {
  SolveOptions coding;
  coding.maxIterations = options_.codingIterations;
  CodedSet<T> data;
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    data.mapSpectra.push_back(&solvers_[i]->SolutionSpectra());
    data.maps.push_back(&solvers_[i]->Solution());
    data.signals.push_back(&signals_[i]);
    if (!weights_.empty()) data.weights.push_back(&weights_[i]);
  }
  return RunOuterIterations("batch", options_.iterations, observer, [&](const Timer& timer) {
    // Sums over the images of every rank, in image order: the same on every rank and split.
    std::vector<double> fidelities;
    for (auto& solver : solvers_) fidelities.push_back(solver->Solve(coding).last.fidelity);
    const double before = SumInImageOrder(fidelities);

    const FilterBank<T> previous = filters_;
    updater_.Step(*op_, data, filters_);
    CheckFiniteStep("DictionaryLearner", iteration_ + 1, filters_);
    op_->SetFilters(filters_);
    fidelities.clear();
    for (auto& solver : solvers_) fidelities.push_back(solver->OperatorChanged().fidelity);
    if (SumInImageOrder(fidelities) > before) {
      // Reject a step that made the fit worse; the maps keep their state.
      filters_ = previous;
      op_->SetFilters(filters_);
      for (auto& solver : solvers_) solver->OperatorChanged();
      updater_.RestartMomentum();
      ++rejected_;
    }

    std::vector<IterationRecord> coded;
    for (auto& solver : solvers_) coded.push_back(solver->Current());
    const CodingSums sums = CodingSums::Gathered(coded, *communicator_);
    elapsed_ += timer.Seconds();
    ++iteration_;
    const IterationRecord record = LearnerRecord("DictionaryLearner", iteration_, elapsed_, sums,
                                                 options_.lambda, previous, filters_, rejected_);
    if (record.objective > kRunawayFactor * zeroObjective_)
      throw DivergenceError("DictionaryLearner: the objective " + Short(record.objective) +
                            " at iteration " + std::to_string(iteration_) + " exceeds " +
                            Short(kRunawayFactor) + " times its value at zero maps, " +
                            Short(zeroObjective_) + " (diverged)");
    return record;
  });
}

template class DictionaryLearner<float>;
template class DictionaryLearner<double>;

}  // namespace dn
