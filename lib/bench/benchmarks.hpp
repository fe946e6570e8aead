// dn-bench's run (docs/executables/dn-bench.md): the benchmarks chosen and their options, their
// inputs read before anything is measured, and running them in order, each one's table handed
// on as it is done and its tables as CSV and JSON. Messages name dn-bench's options.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "bench/coding_benchmark.hpp"
#include "bench/learning_benchmark.hpp"
#include "bench/scaling_benchmark.hpp"
#include "bench/synthesis_benchmark.hpp"

namespace dn {

//! dn-bench's benchmarks, in the order they run.
inline const std::vector<std::string> kBenchmarks = {"coding", "fft", "synthesis", "learning",
                                                     "scaling"};

struct BenchOptions {
  std::set<std::string> run;                  //!< of kBenchmarks
  std::string codingImage, codingDictionary;  //!< coding, fft, synthesis: the problem's files
  CodingBenchmarkOptions coding;              //!< coding, fft, synthesis
  LearningBenchmarkOptions learning;
  ScalingOptions scaling;
  bool Runs(const std::string& name) const { return run.count(name) != 0; }
  //! A benchmark of the coding problem is chosen (coding, fft, synthesis).
  bool RunsCodingProblem() const { return Runs("coding") || Runs("fft") || Runs("synthesis"); }
  //! The files a run writes: results.json, run.ini and the tables of each benchmark chosen.
  std::vector<std::string> OutputNames() const;
  //! Throws std::invalid_argument naming dn-bench's option: an empty --run or one naming an
  //! unknown benchmark, a --coding-reference not positive and finite, a --learning-target not
  //! finite.
  void Validate() const;
};

//! The inputs of the benchmarks chosen, read before anything is measured.
struct BenchInputs {
  CodingProblem problem;    //!< coding, fft, synthesis
  LearningInputs learning;  //!< learning
};

//! Reads the inputs (std::runtime_error as ReadCodingProblem, ReadLearningInputs); the scaling
//! image is read to check it (each case reads it again).
BenchInputs ReadBenchInputs(const BenchOptions& options);

//! Where RunBenchmarks' results go.
struct BenchOutput {
  std::function<void(const std::string&)> print;  //!< a table, as soon as it is measured
  std::function<void(const std::string&)> info;   //!< a note on what is being done
  //! An output file (name, text) other than results.json and run.ini
  std::function<void(const std::string&, const std::string&)> write;
  //! Measures a scaling case, in a process of its own (see scaling_benchmark.hpp)
  std::function<ScalingMeasurement(const ScalingCase&)> measureScalingCase;
};

//! Runs the benchmarks chosen in kBenchmarks' order with `threads` threads, the FFTW `planner`
//! and `repeats` repetitions: prints a line on the machine and its load, each benchmark's
//! table, then the load at the end; returns the text of results.json.
std::string RunBenchmarks(const BenchOptions& options, const BenchInputs& inputs,
                          const BenchOutput& out, int threads, const std::string& planner,
                          std::size_t repeats);

}  // namespace dn
