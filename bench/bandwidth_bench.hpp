#pragma once
// Shared by the memory-bound kernel benchmarks (act/, softmax/, xent/): the shapes of
// issue 3, a fast deterministic fill, a timer for back-to-back calls and one for
// calls that each start from cold caches.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace trenchcoat::bench {

struct BandwidthShape {
  std::int64_t rows, cols;
  std::string label() const { return std::to_string(rows) + "x" + std::to_string(cols); }
  std::int64_t elements() const { return rows * cols; }
};

// Cache-resident (128x10, 128x128, 256x512) and memory-bound (4096x1000, and 64 Mi
// floats as 65536 rows of 1024).
inline const std::vector<BandwidthShape>& bandwidth_shapes() {
  static const std::vector<BandwidthShape> shapes = {
      {128, 10}, {128, 128}, {256, 512}, {4096, 1000}, {65536, 1024},
  };
  return shapes;
}

// Uniform values in [lo, hi) from a 32-bit LCG: mt19937 would need seconds for the
// 64 Mi-float arrays, and the values only need to be spread, not random.
inline void fill_spread(std::vector<float>& v, std::uint32_t seed, float lo, float hi) {
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>(s >> 8) * (1.0f / 16777216.0f);
  }
}

// Calls body() in batches of `reps` back-to-back calls, each call one benchmark
// iteration (KeepRunningBatch), with one clock reading per batch (UseManualTime):
// steady_clock's ~20-40 ns per reading would otherwise inflate a 100 ns kernel.
// Returns the total timed seconds.
template <class F>
double time_calls(benchmark::State& state, int reps, F&& body) {
  double total = 0.0;
  while (state.KeepRunningBatch(reps)) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < reps; ++k) body();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    total += dt;
    benchmark::ClobberMemory();
  }
  return total;
}

// Cold-cache twins ("cold_<rows>x<cols>" in the name): every timed call starts with
// its operands evicted from every cache (flush_from_caches), as a training step meets
// a layer's activations after the other layers ran. Only shapes whose operands could
// otherwise stay in the last-level cache get one; the 64 Mi-float ones are cold anyway.
constexpr double kColdMaxBytes = 32.0 * 1024 * 1024;
inline std::vector<bool> cold_choices(double operand_bytes, bool reference) {
  if (reference || operand_bytes > kColdMaxBytes) return {false};
  return {false, true};
}
inline std::string shape_label(const BandwidthShape& s, bool cold) { return (cold ? "cold_" : "") + s.label(); }

// One call per timed iteration, each after flush(): the flush is not timed, and the
// clock is read around every call (~20-40 ns each way, small beside a call from memory).
template <class Flush, class F>
double time_cold_calls(benchmark::State& state, Flush&& flush, F&& body) {
  double total = 0.0;
  for (auto _ : state) {
    flush();
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    total += dt;
    benchmark::ClobberMemory();
  }
  return total;
}

// The float operands of a call, for flushing before a cold one.
inline void flush_operands(std::initializer_list<const std::vector<float>*> operands) {
  for (const std::vector<float>* v : operands) flush_from_caches(v->data(), v->size() * sizeof(float));
}

// Enough back-to-back calls for ~64 Ki elements per timed batch.
inline int reps_for(std::int64_t elements) {
  return static_cast<int>(std::clamp<std::int64_t>((std::int64_t{1} << 16) / std::max<std::int64_t>(elements, 1), 1, 1000));
}

}  // namespace trenchcoat::bench
