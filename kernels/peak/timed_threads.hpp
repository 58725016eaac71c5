#pragma once
// The timing scheme the ceilings share (fma_peak.cpp, cache_bandwidth.cpp): calibrate
// a repeat count on one thread so that a run lasts about the requested time, then run
// it on every thread at once and take the slowest thread's time, so the rate is all
// the work over the time all of it took.

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace trenchcoat::detail {

// The repeat count for which `run(count)` lasts about `seconds`, starting from `count`
// and growing fourfold until a run lasts a quarter of that. `run` returns a value the
// compiler must keep (it is summed into a volatile).
template <class Run>
std::int64_t calibrate_repeats(Run&& run, std::int64_t count, double seconds) {
  volatile float sink = 0;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    sink = sink + run(count);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > seconds / 4 || count > (std::int64_t{1} << 40)) {
      return std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(count) * seconds / std::max(dt, 1e-9)));
    }
    count *= 4;
  }
}

// Runs `per_thread(t, timed)` on `threads` new threads; each calls timed(body) once,
// and body's duration is measured with every thread released at the same moment (what
// comes before timed(), such as first-touching its own buffer, is not). Returns the
// slowest thread's seconds.
template <class PerThread>
double slowest_of_threads(int threads, PerThread&& per_thread) {
  std::barrier start(threads + 1);
  std::vector<double> elapsed(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      per_thread(t, [&](auto&& body) {
        start.arrive_and_wait();
        const auto t0 = std::chrono::steady_clock::now();
        body();
        elapsed[static_cast<std::size_t>(t)] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      });
    });
  }
  start.arrive_and_wait();
  for (auto& th : pool) th.join();
  return *std::max_element(elapsed.begin(), elapsed.end());
}

}  // namespace trenchcoat::detail
