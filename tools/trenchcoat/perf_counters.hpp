#pragma once
// Hardware counters (cycles, instructions, last-level cache references and misses)
// through Linux's perf_event_open, for `--counters`. Many virtual machines expose no
// PMU and many systems forbid unprivileged counting: then available() is false and
// why_unavailable() is the one line to print before carrying on without them. The
// kernel's software counters (CPU time of all threads, context switches) work even
// there and are read alongside: CPU time over wall time is the parallelism achieved,
// and context switches show a busy machine.
//
// Open the counters before the threads to be measured exist: they count this thread
// and every thread it creates afterwards (oneTBB's workers included), and a reading
// sums them all, so the difference of two readings is the work of the whole process
// in between.

#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace trenchcoat::cli {

struct CounterValues {
  static constexpr std::size_t kCount = 6;
  // cycles, instructions, cache references, cache misses (hardware); CPU seconds of
  // all threads, context switches (software).
  std::array<double, kCount> v{};

  CounterValues operator-(const CounterValues& o) const {
    CounterValues d;
    for (std::size_t i = 0; i < kCount; ++i) d.v[i] = v[i] - o.v[i];
    return d;
  }
  CounterValues& operator+=(const CounterValues& o) {
    for (std::size_t i = 0; i < kCount; ++i) v[i] += o.v[i];
    return *this;
  }
};

// Per call, with IPC and the miss rate; the hardware fields are null when `hardware`
// is false. `wall_seconds` is the wall time of the `calls` calls (for the parallelism).
nlohmann::ordered_json counters_json(const CounterValues& c, double calls, double wall_seconds, bool hardware);

class PerfCounters {
 public:
  PerfCounters();  // opens them (never throws)
  ~PerfCounters();
  PerfCounters(const PerfCounters&) = delete;
  PerfCounters& operator=(const PerfCounters&) = delete;

  bool available() const noexcept { return fds_[0] >= 0; }
  bool software_available() const noexcept { return fds_[4] >= 0; }
  const std::string& why_unavailable() const noexcept { return why_; }

  // Counts so far, scaled for multiplexing; zeros when unavailable. A counter the CPU
  // lacks while the others work reads as 0.
  CounterValues read() const;

 private:
  std::array<int, CounterValues::kCount> fds_{-1, -1, -1, -1, -1, -1};
  std::string why_;
};

}  // namespace trenchcoat::cli
