#pragma once
// Helpers shared by the benchmark registrations: thread counts to sweep, the
// machine's measured ceilings, and the counters every kernel benchmark reports.

#include <benchmark/benchmark.h>
#include <emmintrin.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/peak.hpp"

namespace trenchcoat::bench {

// 1 and every power of two up to the core count, plus the core count itself.
std::vector<int> thread_counts();

// Times one iteration for UseManualTime() benchmarks and keeps the total, so the
// counters below can be plain numbers rather than Google Benchmark "/s" rates.
class IterationTimer {
 public:
  template <class F>
  void time(benchmark::State& state, F&& body) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    total_ += dt;
  }
  double total_seconds() const { return total_; }

 private:
  double total_ = 0.0;
};

// Sets GFLOPS, peak_pct (against this machine's FMA peak with its best ISA, on
// `threads` threads: from `trenchcoat peak`'s cache when there is one for this CPU,
// else measured in this process) and isa_peak_pct (against the peak of `isa`, the
// level the benchmarked code uses) from the flops of one iteration.
void set_flop_counters(benchmark::State& state, const IterationTimer& timer, double flops_per_iteration,
                       int threads, Isa isa);

// Sets GBps (bytes read + written per iteration, over `timed_seconds` for all of
// state.iterations()) and peak_pct against this machine's streaming bandwidth on
// `threads` threads (the cache's, else stream_gbps() measured in this process): for
// memory-bound kernels.
void set_byte_counters(benchmark::State& state, double timed_seconds, double bytes_per_iteration, int threads);

// Loads `trenchcoat peak`'s cache for the ceilings above, if it fits this machine,
// and says where they come from (main() calls it once, before any benchmark).
std::string load_peak_source();

// Evicts [p, p + bytes) from every cache level of every core (clflush is coherent
// system-wide), so the next access comes from memory: the cold-cache benchmarks call
// it on their operands before each timed call. SSE2, so any x86-64 CPU has it.
inline void flush_from_caches(const void* p, std::size_t bytes) {
  const auto* c = static_cast<const char*>(p);
  for (std::size_t i = 0; i < bytes; i += 64) _mm_clflush(c + i);
  if (bytes > 0) _mm_clflush(c + bytes - 1);
  _mm_mfence();
}

// "threads:<T>" suffix, so --benchmark_filter can select by thread count.
inline std::string threads_suffix(int threads) { return "/threads:" + std::to_string(threads); }

}  // namespace trenchcoat::bench
