#include "toolkit_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trenchcoat::cli {

std::string format_duration(double seconds) {
  if (seconds < 1e-6) return fmt::format("{:.0f} ns", seconds * 1e9);
  if (seconds < 1e-3) return fmt::format("{:.2f} us", seconds * 1e6);
  if (seconds < 1.0) return fmt::format("{:.3f} ms", seconds * 1e3);
  return fmt::format("{:.3f} s", seconds);
}

std::optional<double> ceiling_for(const std::optional<MachinePeaks>& peaks, Isa isa, int threads, bool compute) {
  if (!peaks) return std::nullopt;
  CeilingPair pair;
  if (compute) {
    const auto it = std::find_if(peaks->isas.begin(), peaks->isas.end(), [&](const IsaCeilings& c) { return c.isa == isa; });
    if (it == peaks->isas.end()) return std::nullopt;
    pair = it->fma_gflops;
  } else {
    pair = peaks->stream_gbps;
  }
  if (threads <= 1) return pair.one_core;
  if (threads >= peaks->cores) return pair.all_cores;
  return pair.one_core * threads;
}

nlohmann::ordered_json timing_json(const Timing& t, const Summary& s, const PerfCounters* counters) {
  nlohmann::ordered_json j;
  j["seconds"] = t.seconds;
  j["calls_per_sample"] = t.calls_per_sample;
  j["median_seconds"] = s.median;
  j["mean_seconds"] = s.mean;
  j["min_seconds"] = s.min;
  j["max_seconds"] = s.max;
  j["cv"] = s.cv;
  const double calls = static_cast<double>(t.calls_per_sample) * static_cast<double>(t.seconds.size());
  j["counters"] = counters != nullptr ? counters_json(t.counters, calls, t.wall_seconds, counters->available())
                                      : nlohmann::ordered_json(nullptr);
  return j;
}

std::string spread_warning(const std::string& what, const Summary& s) {
  if (s.cv <= kHighSpread) return "";
  return fmt::format("warning: {} has a high spread (CV {:.1f}% > {:.0f}%): the machine is busy or its clock is "
                     "changing; trust only differences well beyond it, or measure again with more repetitions",
                     what, 100.0 * s.cv, 100.0 * kHighSpread);
}

std::string ceiling_warning(const std::optional<double>& peak_pct) {
  if (!peak_pct || *peak_pct <= 100.0) return "";
  return fmt::format("warning: {:.0f}% of the cached ceiling: it was measured at a busier moment; "
                     "run `trenchcoat peak --remeasure` on a quiet machine",
                     *peak_pct);
}

std::string counters_line(const Timing& t, const PerfCounters& counters) {
  const double calls = static_cast<double>(t.calls_per_sample) * static_cast<double>(t.seconds.size());
  const auto& [cycles, instructions, references, misses, task_ns, switches] = t.counters.v;
  std::string s;
  if (counters.available()) {
    s = fmt::format("IPC {:.2f}, {:.3g} cycles, {:.3g} instructions, {:.3g} LLC misses ({:.1f}% of references), ",
                    cycles > 0 ? instructions / cycles : 0.0, cycles / calls, instructions / calls, misses / calls,
                    references > 0 ? 100.0 * misses / references : 0.0);
  }
  if (counters.software_available()) {
    s += fmt::format("{:.2f} CPUs busy, {:.2g} context switches", t.wall_seconds > 0 ? task_ns * 1e-9 / t.wall_seconds : 0.0,
                     switches / calls);
  }
  return s.empty() ? "no counters" : s + " per call";
}

}  // namespace trenchcoat::cli
