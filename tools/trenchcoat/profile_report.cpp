#include "profile_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace trenchcoat::cli {
namespace {

struct Row {
  std::string name;
  nn::ProfileEntry e;
  double percent = 0.0;
};

// "weight_gradient L1 (784x128)": the phase, and for per-layer phases the Dense layer
// (1 = first) with its weight shape.
std::string row_name(const nn::ProfileEntry& e, const nn::ParameterLayout& layout) {
  std::string name(nn::step_phase_name(e.phase));
  const auto d = static_cast<std::size_t>(e.layer);
  if (e.layer >= 0 && d < layout.dense().size()) {
    name += fmt::format(" L{} ({}x{})", e.layer + 1, layout.dense()[d].in, layout.dense()[d].out);
  }
  return name;
}

std::vector<Row> rows_of(const nn::StepProfiler& profiler, const nn::ParameterLayout& layout, double& total) {
  std::vector<Row> rows;
  total = 0.0;
  for (const nn::ProfileEntry& e : profiler.entries()) {
    rows.push_back({row_name(e, layout), e, 0.0});
    total += e.seconds;
  }
  for (Row& r : rows) r.percent = total > 0.0 ? 100.0 * r.e.seconds / total : 0.0;
  return rows;
}

}  // namespace

std::string format_profile(const nn::StepProfiler& profiler, const nn::ParameterLayout& layout, int threads,
                           ProfileTiming timing) {
  const bool per_thread = timing == ProfileTiming::thread_seconds;
  double total = 0.0;
  const std::vector<Row> rows = rows_of(profiler, layout, total);
  const auto steps = static_cast<double>(profiler.steps() > 0 ? profiler.steps() : 1);
  std::string out = fmt::format("profile ({} per phase; GEMMs in GFLOP/s, memory-bound phases in GB/s)\n",
                                per_thread ? "thread-seconds" : "wall seconds");
  out += fmt::format("{:<36} {:>9} {:>7} {:>10} {:>12}\n", "phase", "seconds", "%", "us/step", "rate");
  for (const Row& r : rows) {
    std::string rate;
    if (r.e.flops > 0.0 && r.e.seconds > 0.0) {
      rate = fmt::format("{:.1f} GFLOP/s", r.e.flops / r.e.seconds * 1e-9);
    } else if (r.e.bytes > 0.0 && r.e.seconds > 0.0) {
      rate = fmt::format("{:.1f} GB/s", r.e.bytes / r.e.seconds * 1e-9);
    }
    out += fmt::format("{:<36} {:>9.4f} {:>6.1f}% {:>10.1f} {:>12}\n", r.name, r.e.seconds, r.percent,
                       r.e.seconds / steps * 1e6, rate);
  }
  const double wall = profiler.wall_seconds();
  out += fmt::format("{:<36} {:>9.4f} {:>6.1f}% {:>10.1f}\n", "total profiled", total, 100.0, total / steps * 1e6);
  if (wall > 0.0 && per_thread) {
    out += fmt::format(
        "steps: {} in {:.3f} s of wall time on {} thread{}; the phases above cover {:.0f}% of {} x that (the rest is "
        "threads waiting for work or for each other, and step bookkeeping)\n",
        profiler.steps(), wall, threads, threads == 1 ? "" : "s", 100.0 * total / (wall * threads), threads);
  } else if (wall > 0.0) {
    out += fmt::format(
        "steps: {} in {:.3f} s of wall time on {} thread{}; the phases above cover {:.0f}% of it (the rest is step "
        "bookkeeping and the hand-offs between kernel calls)\n",
        profiler.steps(), wall, threads, threads == 1 ? "" : "s", 100.0 * total / wall);
  }
  return out;
}

nlohmann::ordered_json profile_json(const nn::StepProfiler& profiler, const nn::ParameterLayout& layout, int threads,
                                    ProfileTiming timing) {
  double total = 0.0;
  const std::vector<Row> rows = rows_of(profiler, layout, total);
  nlohmann::ordered_json j;
  j["wall_seconds"] = profiler.wall_seconds();
  j["steps"] = profiler.steps();
  j["threads"] = threads;
  j["timing"] = timing == ProfileTiming::thread_seconds ? "thread_seconds" : "wall_seconds";
  j["profiled_seconds"] = total;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Row& r : rows) {
    nlohmann::ordered_json e;
    e["name"] = r.name;
    e["phase"] = std::string(nn::step_phase_name(r.e.phase));
    e["layer"] = r.e.layer >= 0 ? nlohmann::ordered_json(r.e.layer + 1) : nlohmann::ordered_json(nullptr);
    e["seconds"] = r.e.seconds;
    e["percent"] = r.percent;
    e["calls"] = r.e.calls;
    e["gflops"] = r.e.flops > 0.0 && r.e.seconds > 0.0 ? nlohmann::ordered_json(r.e.flops / r.e.seconds * 1e-9)
                                                        : nlohmann::ordered_json(nullptr);
    e["gbps"] = r.e.flops <= 0.0 && r.e.bytes > 0.0 && r.e.seconds > 0.0
                    ? nlohmann::ordered_json(r.e.bytes / r.e.seconds * 1e-9)
                    : nlohmann::ordered_json(nullptr);
    list.push_back(std::move(e));
  }
  j["profile"] = std::move(list);
  return j;
}

std::string training_counters_line(const CounterValues& c, const PerfCounters& counters, std::int64_t steps,
                                   double wall_seconds) {
  const double per = static_cast<double>(std::max<std::int64_t>(1, steps));
  const auto& [cycles, instructions, references, misses, task_ns, switches] = c.v;
  std::string s = "counters (training steps, all threads, per step): ";
  if (counters.available()) {
    s += fmt::format("IPC {:.2f}, {:.3g} cycles, {:.3g} instructions, {:.3g} LLC misses ({:.1f}% of references), ",
                     cycles > 0 ? instructions / cycles : 0.0, cycles / per, instructions / per, misses / per,
                     references > 0 ? 100.0 * misses / references : 0.0);
  } else {
    s += "no hardware counters, ";
  }
  if (counters.software_available()) {
    s += fmt::format("{:.3g} CPU ms, {:.2f} CPUs busy, {:.2g} context switches", task_ns * 1e-6 / per,
                     wall_seconds > 0 ? task_ns * 1e-9 / wall_seconds : 0.0, switches / per);
  } else {
    s += "no software counters either";
  }
  return s;
}

}  // namespace trenchcoat::cli
