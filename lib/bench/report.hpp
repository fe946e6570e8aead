// dn-bench's results as text: the tables printed on the terminal (a heading, then right-aligned
// columns) and the CSV files, one function per result. Non-finite values (not measured, target
// not reached) print as "-" in tables and as empty CSV fields.
#pragma once

#include <string>
#include <vector>

#include "bench/coding_benchmark.hpp"
#include "bench/learning_benchmark.hpp"
#include "bench/scaling_benchmark.hpp"
#include "bench/synthesis_benchmark.hpp"

namespace dn {

//! `value` with `decimals` decimals, "-" when not finite.
std::string FixedText(double value, int decimals);

//! The dn-learn command that runs the same learning as the benchmark (inputs as given, with
//! `threads` threads, output directory OUT).
std::string EquivalentLearnCommand(const LearningBenchmarkOptions& options,
                                   const FilterBank<double>& initial, int threads);

//! Heading and table.
std::string CodingText(const CodingBenchmarkResult& result);
//! coding.csv: one row per run.
std::string CodingCsv(const CodingBenchmarkResult& result);
//! coding_history.csv: every record of every run, with its relative error to F*.
std::string CodingHistoryCsv(const CodingBenchmarkResult& result);

std::string FftText(const std::vector<FftRow>& rows);
std::string FftCsv(const std::vector<FftRow>& rows);
std::string SynthesisText(const std::vector<SynthesisRow>& rows);
std::string SynthesisCsv(const std::vector<SynthesisRow>& rows);

std::string LearningText(const LearningBenchmarkResult& result);
//! learning.csv: one row.
std::string LearningCsv(const LearningBenchmarkResult& result);
//! learning_history.csv: every record of the kept run.
std::string LearningHistoryCsv(const LearningBenchmarkResult& result);
//! learning_<learner>_history.csv: iteration,seconds,objective,test_objective (NaN: none).
std::string LearnerHistoryCsv(const LearnerComparison& learner);

std::string ScalingText(const ScalingResult& result);
std::string ScalingCsv(const ScalingResult& result);

}  // namespace dn
