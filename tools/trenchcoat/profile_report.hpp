#pragma once
// `trenchcoat train --profile`: the StepProfiler's entries as a table and as JSON.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "perf_counters.hpp"
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

// `train --profile --counters`: one line with the counters of the training steps
// (all threads), per step: IPC, cycles, instructions and last-level cache misses
// where the PMU is readable, then CPU time and context switches.
std::string training_counters_line(const CounterValues& c, const PerfCounters& counters, std::int64_t steps,
                                   double wall_seconds);

}  // namespace trenchcoat::cli
