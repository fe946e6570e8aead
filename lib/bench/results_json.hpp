// dn-bench's results.json: each benchmark's result (lib/bench) as a JSON object.
#pragma once

#include <string>
#include <vector>

#include "bench/coding_benchmark.hpp"
#include "bench/learning_benchmark.hpp"
#include "bench/scaling_benchmark.hpp"
#include "bench/synthesis_benchmark.hpp"
#include "serialize/json.hpp"

namespace dn {

//! "machine": host, processor, threads, planner, repetitions and the load at the start.
JsonObject MachineJson(int threads, const std::string& planner, std::size_t repeats,
                       double loadAverage);
//! "coding", with the input paths as given.
JsonObject CodingJson(const CodingBenchmarkResult& result, const std::string& image,
                      const std::string& dictionary);
//! "fft": one object per row.
std::vector<JsonObject> FftJson(const std::vector<FftRow>& rows);
std::vector<JsonObject> SynthesisJson(const std::vector<SynthesisRow>& rows);
JsonObject LearningJson(const LearningBenchmarkResult& result);
JsonObject ScalingJson(const ScalingResult& result);

}  // namespace dn
