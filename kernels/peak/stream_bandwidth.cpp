// Streaming memory bandwidth: the ceiling the memory-bound kernels (activations, bias,
// softmax, losses) are judged against, measured in the same process as them.
//
// Each thread first-touches its own slice of every array (so its pages sit on its
// node), then all threads sweep their slices together; a pass's rate is the bytes of
// all threads over the wall time from the start signal to the last thread's finish,
// and the best pass counts (as in McCalpin's STREAM). The loops multiply by a factor read
// through a volatile so that GCC cannot turn them into memcpy, whose large-size path
// uses non-temporal stores that no kernel of ours does.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "trenchcoat/kernels/peak.hpp"

namespace trenchcoat {
namespace {

enum class Pass { scale, triad, stop };

void scale_pass(float* __restrict a, const float* __restrict b, std::size_t n, float q) {
  for (std::size_t i = 0; i < n; ++i) a[i] = q * b[i];
}

void triad_pass(float* __restrict a, const float* __restrict b, const float* __restrict c, std::size_t n, float q) {
  for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + q * c[i];
}

}  // namespace

double measure_stream_gbps(int threads, double seconds, std::size_t bytes_per_array) {
  if (threads < 1) throw std::invalid_argument("threads must be >= 1, not " + std::to_string(threads));
  const std::size_t bytes = bytes_per_array != 0 ? bytes_per_array : std::size_t{128} << 20;
  // Whole cache lines per thread.
  const std::size_t slice = std::max<std::size_t>(16, bytes / sizeof(float) / static_cast<std::size_t>(threads) / 16 * 16);
  const std::size_t n = slice * static_cast<std::size_t>(threads);
  // Deliberately uninitialised: each thread touches its own slice first.
  std::unique_ptr<float[]> a(new float[n]), b(new float[n]), c(new float[n]);
  volatile float q_source = 1.0f;
  const float q = q_source;

  // Slice t belongs to thread t; this thread is thread 0. A pass starts when `go`
  // changes and ends when `done` reaches threads - 1 (C++20 futex-backed waits: no
  // spinning thread competes with the sweeps for a core). libstdc++ 12's std::barrier
  // let passes "finish" in 10 us over 256 MiB here, so it is not used.
  Pass pass = Pass::stop;  // written before each `go` increment, read after it
  std::atomic<int> go{0}, done{0};
  auto touch = [&](std::size_t lo) {
    std::fill(a.get() + lo, a.get() + lo + slice, 0.0f);
    std::fill(b.get() + lo, b.get() + lo + slice, 1.0f);
    std::fill(c.get() + lo, c.get() + lo + slice, 1.0f);
  };
  auto sweep = [&](std::size_t lo) {
    if (pass == Pass::scale) scale_pass(a.get() + lo, b.get() + lo, slice, q);
    else triad_pass(a.get() + lo, b.get() + lo, c.get() + lo, slice, q);
  };
  auto finish = [&] {
    done.fetch_add(1, std::memory_order_acq_rel);
    done.notify_all();
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::size_t lo = slice * static_cast<std::size_t>(t);
      touch(lo);
      finish();
      for (int seen = 0;;) {
        go.wait(seen, std::memory_order_acquire);
        seen = go.load(std::memory_order_acquire);
        if (pass == Pass::stop) return;
        sweep(lo);
        finish();
      }
    });
  }
  auto wait_workers = [&] {
    for (int d = done.load(std::memory_order_acquire); d < threads - 1; d = done.load(std::memory_order_acquire)) {
      done.wait(d, std::memory_order_acquire);
    }
  };
  touch(0);
  wait_workers();

  auto best_rate = [&](Pass which, double bytes_per_element, double budget) {
    double best = 0.0, spent = 0.0;
    for (int rep = 0; rep < 3 || (spent < budget && rep < 1000); ++rep) {
      pass = which;
      done.store(0, std::memory_order_release);
      const auto t0 = std::chrono::steady_clock::now();
      go.fetch_add(1, std::memory_order_acq_rel);
      go.notify_all();
      sweep(0);
      wait_workers();
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      spent += dt;
      best = std::max(best, bytes_per_element * static_cast<double>(n) / dt * 1e-9);
    }
    return best;
  };
  const double scale = best_rate(Pass::scale, 8.0, seconds / 2);
  const double triad = best_rate(Pass::triad, 12.0, seconds / 2);
  pass = Pass::stop;
  go.fetch_add(1, std::memory_order_acq_rel);
  go.notify_all();
  for (auto& th : pool) th.join();
  return std::max(scale, triad);
}

double stream_gbps(int threads) {
  static std::mutex mutex;
  static std::map<int, double> cache;
  std::lock_guard lock(mutex);
  const auto it = cache.find(threads);
  if (it != cache.end()) return it->second;
  const double gbps = measure_stream_gbps(threads);
  cache.emplace(threads, gbps);
  return gbps;
}

}  // namespace trenchcoat
