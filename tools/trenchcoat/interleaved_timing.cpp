#include "interleaved_timing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace trenchcoat::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_of(const std::function<void()>& f, std::int64_t calls) {
  const auto t0 = Clock::now();
  for (std::int64_t i = 0; i < calls; ++i) f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

std::vector<Timing> time_interleaved(const std::vector<std::function<void()>>& pieces, const TimingSettings& s,
                                     const PerfCounters* counters) {
  const std::size_t k = pieces.size();
  std::vector<Timing> out(k);
  // Warm-up, alternating, until every piece has run for its share (buffers allocated,
  // pages touched, worker threads started, the clock up to speed); the last call of
  // each gives the calibration.
  std::vector<double> spent(k, 0.0), last(k, 0.0);
  for (bool more = true; more;) {
    more = false;
    for (std::size_t i = 0; i < k; ++i) {
      if (spent[i] > 0.0 && spent[i] >= s.warmup_seconds) continue;
      last[i] = seconds_of(pieces[i], 1);
      spent[i] += last[i];
      more = more || spent[i] < s.warmup_seconds;
    }
  }
  for (std::size_t i = 0; i < k; ++i) {
    const double per_call = std::max(last[i], 1e-9);
    out[i].calls_per_sample = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(s.min_sample_seconds / per_call)));
  }
  for (int round = 0; round < s.reps; ++round) {
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t i = (j + static_cast<std::size_t>(round)) % k;
      Timing& t = out[i];
      const CounterValues before = counters != nullptr ? counters->read() : CounterValues{};
      const double dt = seconds_of(pieces[i], t.calls_per_sample);
      if (counters != nullptr) t.counters += counters->read() - before;
      t.wall_seconds += dt;
      t.seconds.push_back(dt / static_cast<double>(t.calls_per_sample));
    }
  }
  return out;
}

std::size_t rounds_won(const Timing& a, const Timing& b) {
  std::size_t wins = 0;
  for (std::size_t r = 0; r < std::min(a.seconds.size(), b.seconds.size()); ++r) wins += a.seconds[r] < b.seconds[r] ? 1 : 0;
  return wins;
}

}  // namespace trenchcoat::cli
