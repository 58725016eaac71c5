#pragma once
// Pieces `compare` and `scaling` share: readable durations, the summary columns of a
// timing, its place against the cached machine ceilings, and the JSON of a timing.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "interleaved_timing.hpp"
#include "machine_peaks.hpp"
#include "sample_stats.hpp"
#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat::cli {

// "812 ns", "12.3 us", "4.56 ms", "1.234 s"
std::string format_duration(double seconds);

// The ceiling for work on `threads` threads with `isa`: the FMA peak when `compute` is
// true, else the memory streaming bandwidth (one core's figure for one thread, the
// all-cores figure from the core count up, one core's times the threads in between).
// nullopt without cached ceilings.
std::optional<double> ceiling_for(const std::optional<MachinePeaks>& peaks, Isa isa, int threads, bool compute);

// The one line printed when a result exceeds its cached ceiling (empty otherwise):
// the ceilings were then measured at a busier moment than the result.
std::string ceiling_warning(const std::optional<double>& peak_pct);

// {"seconds": [...], "calls_per_sample", "median_seconds", "mean_seconds", "min_seconds",
//  "max_seconds", "cv"} plus "counters" (null unless `counters` is set).
nlohmann::ordered_json timing_json(const Timing& t, const Summary& s, const PerfCounters* counters);

// The one line printed when a spread is above kHighSpread (empty otherwise).
std::string spread_warning(const std::string& what, const Summary& s);

// "IPC 2.31, 1.2e+06 cycles, 2.8e+06 instructions, 1.1e+03 LLC misses, 1.9 CPUs busy, 0.0 context switches"
// per call, from the counters of a timing (hardware parts only when available).
std::string counters_line(const Timing& t, const PerfCounters& counters);

}  // namespace trenchcoat::cli
