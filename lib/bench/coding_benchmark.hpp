// dn-bench's sparse coding benchmarks on one problem (an image and a filter bank):
// - coding: objective against time for each solver and precision, and the time and the work
//   (FFTs, window operations and their flops: core/work_count.hpp) to reach 1%, 0.1% and 0.01% of
//   the reference (optimal) objective F*;
// - fft: the FFT bound of an iteration (fft/fft_timing.hpp) against each solver's iteration.
// Times are wall-clock seconds of the solve alone (no reading, no FFTW planning); every timed run
// is repeated and the fastest counts. Messages name dn-bench's options (--coding-*).
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "core/work_count.hpp"
#include "fft/fft.hpp"
#include "solvers/iteration_record.hpp"

namespace dn {

//! Relative distances (F - F*) / F* to the reference objective that the coding benchmark times.
constexpr std::array<double, 3> kCodingTargets = {1e-2, 1e-3, 1e-4};
//! Their names in tables and results: "1%", "0.1%", "0.01%".
constexpr std::array<const char*, 3> kCodingTargetNames = {"1%", "0.1%", "0.01%"};

//! The problem: a grey image and a filter bank (K, 1, h, w) no larger than it, used as given.
struct CodingProblem {
  Image<double> signal;
  FilterBank<double> filters;
};

//! Reads the image (an image file or a .npy array (H, W)) and the filters (K, h, w). Throws
//! std::runtime_error for unreadable files, colour filters, or filters larger than the image.
CodingProblem ReadCodingProblem(const std::string& imagePath, const std::string& dictionaryPath);

struct CodingBenchmarkOptions {
  double lambda = 0.05;  //!< weight of the l1 penalty
  Boundary boundary = Boundary::Circular;
  std::vector<std::string> solvers = {"fista", "admm"};  //!< timed, in this order
  std::vector<Precision> precisions = {Precision::Single};
  std::size_t iterations = 1000;  //!< coding: the most iterations of one run
  //! coding: the reference objective F*; NaN: FindReferenceObjective() finds it
  double reference = std::numeric_limits<double>::quiet_NaN();
  std::size_t referenceIterations = 2000;  //!< iterations of each run that finds F*
  std::size_t fftIterations = 50;  //!< fft: iterations and transform passes per repetition;
                                   //!< synthesis: syntheses of each way per repetition
  //! synthesis: the map densities timed, each in (0, 1]
  std::vector<double> synthesisDensities = {0.001, 0.003, 0.01, 0.03, 0.1};
  std::size_t repeats = 3;                 //!< repetitions of every timed run; the fastest counts
  PlannerEffort effort = PlannerEffort::Estimate;
  //! Throws std::invalid_argument naming the field: a negative lambda, an unknown solver or one
  //! that does not support the boundary, an empty list, a count of 0, a reference not positive,
  //! a density outside (0, 1].
  void Validate() const;
};

//! One solver in one precision.
struct CodingRun {
  std::string solver;
  Precision precision = Precision::Single;
  std::size_t iterations = 0;  //!< of the kept repetition
  double secondsPerIteration = std::numeric_limits<double>::quiet_NaN();  //!< fastest repetition
  //! Per target of kCodingTargets: the fastest repetition's time to reach it (NaN: none did)
  std::array<double, 3> timeTo = {std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::quiet_NaN()};
  //! Per target: the iteration that reached it (of the last repetition that did; 0: none)
  std::array<std::size_t, 3> iterationsTo = {0, 0, 0};
  //! Per target: the work done to reach it (core/work_count.hpp; of the last repetition that
  //! did, from the solver's Reset() on; zero: none did)
  std::array<WorkCount, 3> workTo = {};
  WorkCount work;  //!< the work of the kept repetition, Reset() and every iteration
  double finalObjective = std::numeric_limits<double>::quiet_NaN();  //!< of the kept repetition
  std::vector<IterationRecord> history;  //!< of the repetition fastest to its last record
};

struct CodingBenchmarkResult {
  arma::uword rows = 0, cols = 0;  //!< of the image
  arma::uword filters = 0, filterRows = 0, filterCols = 0;
  double lambda = 0;
  Boundary boundary = Boundary::Circular;
  double reference = 0;         //!< F*
  bool found = false;           //!< F* was found by long runs (not given)
  std::vector<CodingRun> runs;  //!< per precision, per solver, in the options' order
};

//! F* as the lowest objective of referenceIterations iterations in double precision of FISTA,
//! and of ADMM for the circular boundary.
double FindReferenceObjective(const CodingBenchmarkOptions& options, const CodingProblem& problem);

//! The coding benchmark: each run stops within 0.01% of F* or after options.iterations
//! (options.reference, or FindReferenceObjective() when that is NaN).
CodingBenchmarkResult RunCodingBenchmark(const CodingBenchmarkOptions& options,
                                const CodingProblem& problem);

//! One solver in one precision against the FFT bound of its iteration.
struct FftRow {
  Precision precision = Precision::Single;
  std::string solver;
  arma::uword gridRows = 0, gridCols = 0, filters = 0;  //!< 2 * filters transforms of the grid
  double boundSeconds = std::numeric_limits<double>::quiet_NaN();
  double secondsPerIteration = std::numeric_limits<double>::quiet_NaN();
  double Ratio() const { return secondsPerIteration / boundSeconds; }
};

//! The fft benchmark: per precision, interleaved repetitions, each a block of fftIterations
//! transform passes, then as many iterations of each solver; the fastest block of each counts
//! (a passing disturbance of the machine then weighs on the bound and the solvers alike).
std::vector<FftRow> RunFftBenchmark(const CodingBenchmarkOptions& options,
                                    const CodingProblem& problem);

}  // namespace dn
