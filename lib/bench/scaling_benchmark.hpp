// dn-bench's scaling benchmark: seconds per iteration, the FFT bound and peak resident memory
// against image size N, filter count K and precision. Each case is measured in a process of its
// own, so that its peak memory is its own: RunScalingBenchmark() asks a caller-supplied
// function to measure each case (dn-bench runs itself as a child process with --scaling-case,
// and that child calls MeasureScalingCase()); the measurement travels as "key value" lines.
// Messages name dn-bench's options (--scaling-*).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "fft/fft.hpp"

namespace dn {

struct ScalingOptions {
  std::string image;       //!< an image (grey) or .npy array (H, W)
  std::string dictionary;  //!< filters (K, h, w), the first K used per case; "": random 12 x 12
  std::vector<std::size_t> sizes = {128, 256, 512, 1024};  //!< image sizes N (N x N pixels)
  std::vector<std::size_t> filters = {16, 32, 64, 128};    //!< filter counts K
  std::vector<Precision> precisions = {Precision::Single, Precision::Double};
  std::string solver = "fista";  //!< the solver timed (circular boundary)
  std::size_t iterations = 10;   //!< iterations timed per repetition
  double lambda = 0.05;          //!< weight of the l1 penalty
  double highpassLambda = 10;    //!< highpass weight applied to each case's image
  std::size_t repeats = 3;       //!< repetitions; the fastest counts
  PlannerEffort effort = PlannerEffort::Estimate;
  //! Throws std::invalid_argument naming the field.
  void Validate() const;
};

//! One case: an N x N image coded with K filters in a precision, or the baseline (an idle
//! process: the program, its libraries and threads).
struct ScalingCase {
  bool baseline = false;
  std::size_t size = 0, filters = 0;
  Precision precision = Precision::Single;
  //! "baseline" or "N,K,single" / "N,K,double".
  std::string Name() const;
  //! Parses Name()'s text; throws std::invalid_argument otherwise.
  static ScalingCase Parse(const std::string& name);
};

//! What a case measures (the baseline: peakBytes only).
struct ScalingMeasurement {
  double secondsPerIteration = std::numeric_limits<double>::quiet_NaN();  //!< fastest repetition
  double boundSeconds = std::numeric_limits<double>::quiet_NaN();         //!< FFT bound of the case
  //! Peak resident bytes of the process (VmHWM), after the solver ran and before the bound's
  //! own arrays existed
  double peakBytes = std::numeric_limits<double>::quiet_NaN();
  //! As "key value" lines (peak_bytes, seconds_per_iteration, bound_seconds), those measured.
  std::string Text() const;
  //! Parses Text() (the keys a case of this kind prints); throws std::runtime_error naming a
  //! missing key.
  static ScalingMeasurement Parse(const std::string& text, bool baseline);
};

//! The case's image: the centre N x N crop of `image`, mirror-padded at the bottom and right
//! where the image is smaller (numpy's 'symmetric'), then highpass filtered (padding 16).
Image<double> ScalingImage(const Image<double>& image, std::size_t size, double highpassLambda);

//! Measures one case in this process: reads options.image (and options.dictionary), codes the
//! case's image for options.iterations iterations, options.repeats times (the fastest counts),
//! then times the FFT bound. The baseline reads nothing and measures only the peak memory.
ScalingMeasurement MeasureScalingCase(const ScalingOptions& options, const ScalingCase& which);

struct ScalingRow {
  ScalingCase which;
  ScalingMeasurement measured;
  double mapBytes = 0;  //!< K N^2 values of the precision: one set of feature maps
  double Ratio() const { return measured.secondsPerIteration / measured.boundSeconds; }
};

struct ScalingResult {
  std::string solver;
  double baselineBytes = 0;      //!< peak resident bytes of the baseline
  std::vector<ScalingRow> rows;  //!< per precision, per size, per filter count
};

//! Measures the baseline, then every case (precisions, then sizes, then filter counts) with
//! `measure`, which should run MeasureScalingCase() in a fresh process.
ScalingResult RunScalingBenchmark(
    const ScalingOptions& options,
    const std::function<ScalingMeasurement(const ScalingCase&)>& measure);

}  // namespace dn
