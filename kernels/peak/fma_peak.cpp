#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "timed_threads.hpp"
#include "trenchcoat/kernels/peak.hpp"

namespace trenchcoat {
namespace detail {
float fma_loop_avx512(std::int64_t steps);
int fma_width_avx512();
int fma_chains_avx512();
float fma_loop_avx2(std::int64_t steps);
int fma_width_avx2();
int fma_chains_avx2();
}  // namespace detail

namespace {

// Scalar FMA throughput is not a useful ceiling for anything we run; the portable
// variants are judged against the baseline SSE2 multiply-add, 4 lanes, no fusion.
constexpr int kSseChains = 12;
float mul_add_loop_sse(std::int64_t steps) {
  constexpr int kChains = kSseChains;
  float acc[kChains][4];
  for (int i = 0; i < kChains; ++i) {
    for (int l = 0; l < 4; ++l) acc[i][l] = 1.0f + 1e-7f * static_cast<float>(i + l);
  }
  for (std::int64_t s = 0; s < steps; ++s) {
    for (auto& chain : acc) {
      for (float& a : chain) a = a * 0.999999f + 1e-7f;
    }
  }
  float t = 0;
  for (auto& row : acc) {
    for (float v : row) t += v;
  }
  return t;
}

struct Loop {
  float (*run)(std::int64_t);
  int width;   // floats per vector
  int chains;  // vector FMAs per step
};

Loop loop_for(Isa isa) {
  switch (isa) {
    case Isa::avx512: return {&detail::fma_loop_avx512, detail::fma_width_avx512(), detail::fma_chains_avx512()};
    case Isa::avx2: return {&detail::fma_loop_avx2, detail::fma_width_avx2(), detail::fma_chains_avx2()};
    case Isa::scalar: return {&mul_add_loop_sse, 4, kSseChains};
  }
  return {&mul_add_loop_sse, 4, kSseChains};
}

}  // namespace

double measure_fma_peak_gflops(Isa isa, int threads, double seconds) {
  require_cpu_supports(isa);
  if (threads < 1) throw std::invalid_argument("threads must be >= 1, not " + std::to_string(threads));
  const Loop loop = loop_for(isa);
  // Steps for about `seconds` on one thread; then all threads run them together.
  const std::int64_t steps = detail::calibrate_repeats(loop.run, 1 << 16, seconds);
  volatile float sink = 0;
  const double slowest = detail::slowest_of_threads(threads, [&](int, auto&& timed) {
    float r = 0;
    timed([&] { r = loop.run(steps); });
    if (r == 12345.0f) sink = r;  // keep the result observable
  });
  const double flops = 2.0 * loop.chains * loop.width * static_cast<double>(steps) * threads;
  return flops / slowest * 1e-9;
}

double fma_peak_gflops(Isa isa, int threads) {
  static std::mutex mutex;
  static std::map<std::pair<Isa, int>, double> cache;
  std::lock_guard lock(mutex);
  auto [it, inserted] = cache.try_emplace({isa, threads}, 0.0);
  if (inserted) it->second = measure_fma_peak_gflops(isa, threads);
  return it->second;
}

}  // namespace trenchcoat
