#include "run/held_out.hpp"

#include <stdexcept>
#include <string>

#include "core/precision.hpp"
#include "preprocess/preprocess.hpp"

namespace dn {

std::unique_ptr<ImageSource> OpenTestSet(const LearningConfig& config, std::size_t channels,
                                         const FilterSize& filterSize) {
  std::unique_ptr<ImageSource> source = OpenImageSource({config.test.path}, config.colour);
  for (std::size_t i = 0; i < source->Count(); ++i) {
    const ImageShape shape = source->Shape(i);
    if (shape.channels != channels)
      throw std::invalid_argument(
          "--test: " + source->Name(i) + " has " + std::to_string(shape.channels) +
          " channel(s) but the training images have " + std::to_string(channels));
    if (shape.rows < filterSize.rows || shape.cols < filterSize.cols)
      throw std::invalid_argument("--test: " + source->Name(i) + " (" + std::to_string(shape.rows) +
                                  "x" + std::to_string(shape.cols) + ") is smaller than the " +
                                  filterSize.ToString() + " filters");
  }
  return source;
}

template <typename T>
HeldOutSet<T>::HeldOutSet(const LearningConfig& config, std::size_t channels,
                          const FilterSize& filterSize, double lambda)
    : boundary_(config.learning.boundary),
      effort_(config.learning.effort),
      lambda_(lambda),
      iterations_(config.test.iterations),
      coder_(MakeCscSolver<T>(config.learning.solver)) {
  const std::unique_ptr<ImageSource> source = OpenTestSet(config, channels, filterSize);
  for (std::size_t i = 0; i < source->Count(); ++i)
    signals_.push_back(Convert<T>(Preprocess(source->Load(i), config.preprocess).signal,
                                  "preprocessed test image " + source->Name(i)));
}

template <typename T>
double HeldOutSet<T>::Objective(const FilterBank<T>& filters) {
  SolveOptions options;
  options.maxIterations = iterations_;
  options.tolerance = 0;
  double sum = 0;
  for (const Image<T>& signal : signals_) {
    std::unique_ptr<ConvOperator<T>>& op = operators_[{signal.n_rows, signal.n_cols}];
    if (op)
      op->SetFilters(filters);
    else
      op = std::make_unique<ConvOperator<T>>(filters, signal.n_rows, signal.n_cols, boundary_,
                                             effort_);
    coder_->Reset(*op, signal, lambda_);
    coder_->Solve(options);
    sum += coder_->Current().objective;
  }
  return sum / double(signals_.size());
}

template class HeldOutSet<float>;
template class HeldOutSet<double>;

}  // namespace dn
