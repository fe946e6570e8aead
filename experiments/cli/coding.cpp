#include "cli/coding.hpp"

#include <stdexcept>

#include "cli/command_line.hpp"

namespace dn::cli {

void CheckCodable(const FilterBank<double>& filters, const Image<double>& image, bool colour) {
  if (image.n_slices != filters.channels)
    throw std::runtime_error("the image has " + std::to_string(image.n_slices) +
                             " channel(s) but the dictionary's filters have " +
                             std::to_string(filters.channels) +
                             (filters.channels == 3 && !colour ? " (use --colour?)" : ""));
  if (filters.Rows() > image.n_rows || filters.Cols() > image.n_cols)
    throw std::runtime_error("the filters (" + std::to_string(filters.Rows()) + "x" +
                             std::to_string(filters.Cols()) + ") are larger than the image (" +
                             std::to_string(image.n_rows) + "x" + std::to_string(image.n_cols) +
                             ")");
}

std::string Summary(const FilterBank<double>& filters, const Image<double>& image,
                    const CodingSettings& settings, Precision precision) {
  const auto size = [](arma::uword a, arma::uword b, arma::uword c) {
    return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
  };
  return std::to_string(filters.filters) + " filters of " +
         size(filters.Rows(), filters.Cols(), filters.channels) + ", image of " +
         size(image.n_rows, image.n_cols, image.n_slices) + ", lambda " +
         FullNumber(settings.lambda) + ", " + settings.solver + ", " + ToString(settings.boundary) +
         " boundary, at most " + std::to_string(settings.iterations) + " iterations, tolerance " +
         FullNumber(settings.tolerance) + ", " + ToString(precision) + " precision";
}

template <typename T>
CodingResult<T> SparseCode(const FilterBank<T>& filters, const Image<T>& signal,
                           const CodingSettings& settings, Observer* observer) {
  const ConvOperator<T> op(filters, signal.n_rows, signal.n_cols, settings.boundary,
                           settings.effort);
  const auto solver = MakeCscSolver<T>(settings.solver);
  solver->Reset(op, signal, settings.lambda);
  SolveOptions options;
  options.maxIterations = settings.iterations;
  options.tolerance = settings.tolerance;
  CodingResult<T> result;
  result.report = solver->Solve(options, observer);
  result.maps = solver->Solution();
  result.reconstruction = op.Apply(result.maps);
  return result;
}

template CodingResult<float> SparseCode(const FilterBank<float>&, const Image<float>&,
                                        const CodingSettings&, Observer*);
template CodingResult<double> SparseCode(const FilterBank<double>&, const Image<double>&,
                                         const CodingSettings&, Observer*);

}  // namespace dn::cli
