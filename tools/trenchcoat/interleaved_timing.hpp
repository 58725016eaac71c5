#pragma once
// Timing several pieces of work against each other on a noisy machine: each is warmed
// up, then timed in rounds, every round running each piece once in a rotated order
// (A B, B A, A B, ...) so that drift — frequency, other processes — falls on all
// alike, and a sample lasts long enough for the clock to be negligible.

#include <cstdint>
#include <functional>
#include <vector>

#include "perf_counters.hpp"

namespace trenchcoat::cli {

struct TimingSettings {
  int reps = 10;                    // rounds; every piece yields one sample per round
  double min_sample_seconds = 0.05; // calls per sample are chosen to last at least this
  double warmup_seconds = 0.2;      // per piece, before calibration
};

struct Timing {
  std::vector<double> seconds;        // per call, one entry per round
  std::int64_t calls_per_sample = 1;
  double wall_seconds = 0.0;          // all timed calls together
  CounterValues counters;             // over all timed calls (zeros without counters)
};

// `counters` may be null. Returns one Timing per piece, in the order given.
std::vector<Timing> time_interleaved(const std::vector<std::function<void()>>& pieces, const TimingSettings& settings,
                                     const PerfCounters* counters);

// How many of the rounds a was faster than b in (for the sign test).
std::size_t rounds_won(const Timing& a, const Timing& b);

}  // namespace trenchcoat::cli
