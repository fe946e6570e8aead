#include "bench/scaling_benchmark.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "conv/conv_operator.hpp"
#include "core/memory.hpp"
#include "dictionary/dictionary.hpp"
#include "fft/fft_timing.hpp"
#include "io/image_set.hpp"
#include "preprocess/preprocess.hpp"
#include "solvers/csc_solver.hpp"

namespace dn {
namespace {

template <typename T>
ScalingMeasurement MeasureCase(const ScalingOptions& o, std::size_t size, std::size_t K) {
  const Image<double> image = ReadInputImage(o.image, false);
  const Image<T> signal =
      Convert<T>(ScalingImage(image, size, o.highpassLambda), "the scaling image");
  FilterBank<double> all = o.dictionary.empty()
                               ? RandomFilters<double>(K, 1, 12, 12, 1, false)
                               : ReadFilterBank("--scaling-dictionary", o.dictionary);
  if (all.filters < K)
    throw std::runtime_error("--scaling-dictionary holds " + std::to_string(all.filters) +
                             " filters, fewer than " + std::to_string(K));
  if (all.channels != 1) throw std::runtime_error("--scaling-dictionary has colour filters");
  FilterBank<T> filters(K, 1, all.Rows(), all.Cols());
  filters.data = arma::conv_to<arma::Cube<T>>::from(all.data.slices(0, K - 1));
  ScalingMeasurement m;
  m.secondsPerIteration = std::numeric_limits<double>::infinity();
  const ConvOperator<T> op(filters, size, size, Boundary::Circular, o.effort);
  for (std::size_t repeat = 0; repeat < o.repeats; ++repeat) {
    const auto solver = MakeCscSolver<T>(o.solver);
    solver->Reset(op, signal, o.lambda);
    SolveOptions options;
    options.maxIterations = o.iterations;
    const SolveReport report = solver->Solve(options);
    m.secondsPerIteration =
        std::min(m.secondsPerIteration, report.seconds / double(report.iterations));
  }
  m.peakBytes = static_cast<double>(PeakResidentBytes());  // before the bound's own arrays
  m.boundSeconds = TransformPassSeconds(op.Fft(), K, o.iterations, o.repeats);
  return m;
}

//! The value of `key` in "key value" lines.
double Field(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string name;
  double value;
  while (lines >> name >> value)
    if (name == key) return value;
  throw std::runtime_error("a scaling case printed no " + key + " (output: '" + text + "')");
}

}  // namespace

void ScalingOptions::Validate() const {
  if (sizes.empty() || filters.empty() || precisions.empty())
    throw std::invalid_argument("ScalingOptions: sizes, filters and precisions must not be empty");
  if (std::count(sizes.begin(), sizes.end(), 0) || std::count(filters.begin(), filters.end(), 0))
    throw std::invalid_argument("ScalingOptions: sizes and filters must be positive");
  CheckSolverSupports(solver, Boundary::Circular);
  if (iterations == 0 || repeats == 0)
    throw std::invalid_argument("ScalingOptions: iterations and repeats must be positive");
  if (!(lambda >= 0) || !std::isfinite(lambda))
    throw std::invalid_argument("ScalingOptions::lambda must be >= 0 and finite");
  if (!(highpassLambda > 0) || !std::isfinite(highpassLambda))
    throw std::invalid_argument("ScalingOptions::highpassLambda must be positive and finite");
}

std::string ScalingCase::Name() const {
  if (baseline) return "baseline";
  return std::to_string(size) + "," + std::to_string(filters) + "," + ToString(precision);
}

ScalingCase ScalingCase::Parse(const std::string& name) {
  ScalingCase c;
  if (name == "baseline") {
    c.baseline = true;
    return c;
  }
  std::vector<std::string> parts;
  std::stringstream in(name);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  const auto number = [](const std::string& text) {
    return text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
  };
  if (parts.size() != 3 || (parts[2] != "single" && parts[2] != "double") || !number(parts[0]) ||
      !number(parts[1]))
    throw std::invalid_argument("--scaling-case must be N,K,single|double or baseline, not '" +
                                name + "'");
  c.size = std::stoul(parts[0]);
  c.filters = std::stoul(parts[1]);
  c.precision = ParsePrecision(parts[2]);
  return c;
}

std::string ScalingMeasurement::Text() const {
  char text[128];
  std::snprintf(text, sizeof text, "peak_bytes %.0f\n", peakBytes);
  std::string out = text;
  if (!std::isnan(secondsPerIteration)) {
    std::snprintf(text, sizeof text, "seconds_per_iteration %.9g\nbound_seconds %.9g\n",
                  secondsPerIteration, boundSeconds);
    out += text;
  }
  return out;
}

ScalingMeasurement ScalingMeasurement::Parse(const std::string& text, bool baseline) {
  ScalingMeasurement m;
  m.peakBytes = Field(text, "peak_bytes");
  if (baseline) return m;
  m.secondsPerIteration = Field(text, "seconds_per_iteration");
  m.boundSeconds = Field(text, "bound_seconds");
  return m;
}

Image<double> ScalingImage(const Image<double>& image, std::size_t size, double highpassLambda) {
  const auto axis = [size](arma::uword n, arma::uword i) {
    // Source index of output index i: centre crop when n >= size, else mirror beyond the end.
    if (n >= size) return (n - size) / 2 + i;
    arma::uword j = i % (2 * n);
    return j < n ? j : 2 * n - 1 - j;
  };
  Image<double> out(size, size, 1);
  for (arma::uword x = 0; x < size; ++x)
    for (arma::uword y = 0; y < size; ++y)
      out(y, x, 0) = image(axis(image.n_rows, y), axis(image.n_cols, x), 0);
  PreprocessOptions highpass;
  highpass.method = PreprocessMethod::Highpass;
  highpass.highpassLambda = highpassLambda;
  return Preprocess(out, highpass).signal;
}

ScalingMeasurement MeasureScalingCase(const ScalingOptions& options, const ScalingCase& which) {
  if (which.baseline) {
    ScalingMeasurement m;
    m.peakBytes = static_cast<double>(PeakResidentBytes());
    return m;
  }
  options.Validate();
  return WithPrecision(which.precision, [&](auto tag) {
    return MeasureCase<decltype(tag)>(options, which.size, which.filters);
  });
}

ScalingResult RunScalingBenchmark(
    const ScalingOptions& options,
    const std::function<ScalingMeasurement(const ScalingCase&)>& measure) {
  options.Validate();
  ScalingResult result;
  result.solver = options.solver;
  ScalingCase baseline;
  baseline.baseline = true;
  result.baselineBytes = measure(baseline).peakBytes;
  for (const Precision precision : options.precisions)
    for (const std::size_t size : options.sizes)
      for (const std::size_t K : options.filters) {
        ScalingRow row;
        row.which.size = size;
        row.which.filters = K;
        row.which.precision = precision;
        row.measured = measure(row.which);
        row.mapBytes = double(K) * size * size * (precision == Precision::Single ? 4.0 : 8.0);
        result.rows.push_back(row);
      }
  return result;
}

}  // namespace dn
