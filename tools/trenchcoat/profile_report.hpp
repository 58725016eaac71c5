#pragma once
// `trenchcoat train --profile`: the StepProfiler's entries as a table and as JSON.

#include <string>

#include <nlohmann/json.hpp>

#include "trenchcoat/nn/parameter_layout.hpp"
#include "trenchcoat/nn/step_profile.hpp"

namespace trenchcoat::cli {

// How the phases were timed. Data-parallel: each thread times the shards and blocks
// it runs, so seconds are thread-seconds and add up to the work of all threads.
// Op-parallel: the calling thread times each kernel call that all threads share, so
// seconds are wall seconds and add up to (most of) the step.
enum class ProfileTiming { thread_seconds, wall_seconds };

// One row per (phase, layer) with its seconds, % of all profiled time, time per step
// and GFLOP/s (GEMMs) or GB/s (memory-bound phases), then a line comparing the
// profiled time with the steps' wall time.
std::string format_profile(const nn::StepProfiler& profiler, const nn::ParameterLayout& layout, int threads,
                           ProfileTiming timing);

// {"wall_seconds": ..., "steps": ..., "threads": ..., "timing": "thread_seconds" | "wall_seconds",
//  "profiled_seconds": ..., "profile": [{"name", "phase", "layer", "seconds", "percent", "calls", "gflops"|null, "gbps"|null}, ...]}
// ("profile" is what tools/plot.py draws as the stacked epoch bar).
nlohmann::ordered_json profile_json(const nn::StepProfiler& profiler, const nn::ParameterLayout& layout, int threads,
                                    ProfileTiming timing);

}  // namespace trenchcoat::cli
