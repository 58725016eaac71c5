// `trenchcoat scaling`: how a kernel or a training epoch speeds up with threads —
// every thread count timed in interleaved rounds after a warm-up, with speedup and
// parallel efficiency against the first count, optionally with threads pinned.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "epoch_case.hpp"
#include "interleaved_timing.hpp"
#include "kernel_case.hpp"
#include "machine_peaks.hpp"
#include "output_files.hpp"
#include "perf_counters.hpp"
#include "report.hpp"
#include "sample_stats.hpp"
#include "thread_pinning.hpp"
#include "toolkit_report.hpp"

namespace trenchcoat::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kMaxThreads = 4096;

struct ScalingFlags {
  std::string kernel, variant, shape;
  bool epoch = false;
  EpochSettings epoch_settings;
  std::vector<int> threads;
  int max_threads = 0;
  TimingSettings timing{.reps = 6, .min_sample_seconds = 0.05, .warmup_seconds = 0.2};  // 6: the fewest rounds in which the sign test can reach p < 0.05
  bool pin = false, counters = false;
  std::string json;
};

// One thread count's work: its Context and what runs on it.
struct Point {
  int threads = 1;
  std::unique_ptr<Context> ctx;
  std::optional<KernelCase> kernel;
  std::optional<EpochCase> epoch;
  const std::function<void()>& call() const { return kernel ? kernel->call : epoch->call; }
};

std::vector<int> thread_counts(const ScalingFlags& f) {
  if (!f.threads.empty()) {
    for (int t : f.threads) {
      if (t < 1 || t > kMaxThreads) throw UsageError(fmt::format("--threads {}: a count from 1 to {} is needed", t, kMaxThreads));
    }
    return f.threads;
  }
  const int n = f.max_threads > 0 ? f.max_threads : available_cores();
  std::vector<int> counts;
  for (int t = 1; t <= n; ++t) counts.push_back(t);
  return counts;
}

}  // namespace

Runner add_scaling_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("scaling", "thread-scaling sweep of a kernel or a training epoch: speedup and efficiency");
  auto f = std::make_shared<ScalingFlags>();
  cmd->add_option("--kernel", f->kernel, "gemm, softmax, log_softmax, xent, mse, bias_add, bias_bwd, <activation>_fwd/_bwd");
  cmd->add_option("--variant", f->variant, "the variant to sweep (a parallel one; `trenchcoat kernels` lists them)");
  cmd->add_option("--shape", f->shape, "MxNxK for gemm, RxC otherwise");
  cmd->add_flag("--epoch", f->epoch, "sweep a training epoch (default MNIST recipe, synthetic MNIST-shaped data) instead");
  cmd->add_option("--layers", f->epoch_settings.layers, "--epoch: layer widths (784-...-10)");
  cmd->add_option("--batch", f->epoch_settings.batch, "--epoch: mini-batch size (default: the MNIST recipe's)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  cmd->add_option("--samples", f->epoch_settings.samples, "--epoch: samples per epoch")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  cmd->add_option("--strategy", f->epoch_settings.strategy, "--epoch: data or op (default: the MNIST recipe's)");
  cmd->add_option("--threads", f->threads, "thread counts to run, e.g. 1,2,4 (default: 1 to --max-threads)")->delimiter(',');
  cmd->add_option("--max-threads", f->max_threads, "sweep 1..N (default: the cores this process may use)")
      ->check(CLI::Range(1, kMaxThreads));
  cmd->add_option("--reps", f->timing.reps, "interleaved rounds (samples per thread count)")->check(CLI::Range(1, 100000));
  cmd->add_option("--min-time", f->timing.min_sample_seconds, "seconds a sample lasts at least")->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--warmup", f->timing.warmup_seconds, "warm-up seconds per thread count")->check(CLI::Range(0.0, 60.0));
  cmd->add_flag("--pin", f->pin, "pin each arena thread to its own core");
  cmd->add_flag("--counters", f->counters, "add hardware counters where the OS allows");
  cmd->add_option("--json", f->json, "write the result as JSON (schema trenchcoat-scaling-1)");
  return [f] {
    if (!f->json.empty()) require_writable(f->json, "--json");
    const bool kernel_mode = !f->kernel.empty() || !f->variant.empty() || !f->shape.empty();
    if (kernel_mode == f->epoch) throw UsageError("scaling: give either --kernel/--variant/--shape or --epoch");
    if (kernel_mode && (f->kernel.empty() || f->variant.empty() || f->shape.empty())) {
      throw UsageError("scaling: --kernel, --variant and --shape are all needed");
    }
    const std::vector<int> counts = thread_counts(*f);
    std::unique_ptr<PerfCounters> counters = f->counters ? std::make_unique<PerfCounters>() : nullptr;

    std::shared_ptr<const nn::Dataset> data = f->epoch ? make_epoch_data(f->epoch_settings) : nullptr;
    std::vector<Point> points;
    for (int t : counts) {
      Point p;
      p.threads = t;
      p.ctx = std::make_unique<Context>(ContextOptions{.threads = t});
      if (kernel_mode) p.kernel = make_kernel_case(f->kernel, f->variant, f->shape, *p.ctx);
      else p.epoch = make_epoch_case(f->epoch_settings, *p.ctx, *data);
      points.push_back(std::move(p));
    }
    const std::string label = kernel_mode ? points.front().kernel->label : points.front().epoch->label;
    const std::optional<MachinePeaks> peaks = load_cached_peaks(default_peak_cache());

    fmt::print("{} on {} thread counts; {} interleaved rounds of >= {} s after {} s warm-up each\n", label, counts.size(),
               f->timing.reps, f->timing.min_sample_seconds, f->timing.warmup_seconds);
    if (counters && !counters->available()) fmt::print("{}\n", counters->why_unavailable());
    if (kernel_mode && points.front().kernel->threading == Threading::single) {
      fmt::print("note: {} is a single-threaded variant: expect the same time at every count\n", f->variant);
    }
    for (int t : counts) {
      if (t > available_cores()) {
        fmt::print("note: {} threads on {} cores: oversubscribed, expect no speedup there\n", t, available_cores());
        break;
      }
    }
    std::fflush(stdout);

    // Everything that reads the core count is done before pinning narrows the caller.
    const Json machine = machine_json(*points.back().ctx);
    std::vector<std::function<void()>> calls;
    calls.reserve(points.size());
    for (const Point& p : points) calls.push_back(p.call());
    std::unique_ptr<ThreadPinning> pinning = f->pin ? std::make_unique<ThreadPinning>() : nullptr;
    if (pinning) fmt::print("{}\n", pinning->description());
    std::fflush(stdout);
    const std::vector<Timing> timings = time_interleaved(calls, f->timing, counters.get());
    const bool pinned = pinning != nullptr && pinning->active();
    pinning.reset();

    const bool compute = kernel_mode && points.front().kernel->flops > 0;
    const char* rate_unit = !kernel_mode ? "samples/s" : compute ? "GFLOP/s" : "GB/s";
    fmt::print("\n{:>7} {:>12} {:>7} {:>12} {:>8} {:>10} {:>7}  {}\n", "threads", "median", "CV", rate_unit, "speedup",
               "efficiency", "% peak", "vs the first count");
    const Summary base = summarize(timings.front().seconds);
    Json results = Json::array();
    std::vector<std::string> warnings;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const Point& p = points[i];
      const Summary s = summarize(timings[i].seconds);
      const double speedup = base.median / s.median;
      const double efficiency = speedup / (static_cast<double>(p.threads) / static_cast<double>(points.front().threads));
      double rate = 0.0;
      std::optional<double> ceiling;
      if (kernel_mode) {
        rate = (compute ? p.kernel->flops : p.kernel->bytes) / s.median * 1e-9;
        ceiling = ceiling_for(peaks, p.kernel->isa, p.threads, compute);
      } else {
        rate = static_cast<double>(p.epoch->samples) / s.median;
      }
      // The same verdict as compare's: is this count's time really different from the first's?
      const Verdict v = judge(base, s, sign_test_p(rounds_won(timings[i], timings.front()), timings[i].seconds.size()));
      const std::string verdict = i == 0 ? "" : v.within_noise ? "within noise (" + v.why + ")" : "different";
      fmt::print("{:>7} {:>12} {:>6.1f}% {:>12.1f} {:>7.2f}x {:>9.0f}% {:>7}  {}\n", p.threads, format_duration(s.median),
                 100.0 * s.cv, rate, speedup, 100.0 * efficiency,
                 ceiling ? fmt::format("{:.1f}%", 100.0 * rate / *ceiling) : "-", verdict);
      if (ceiling) {
        if (const std::string w = ceiling_warning(100.0 * rate / *ceiling); !w.empty()) warnings.push_back(w);
      }
      if (counters) warnings.push_back(fmt::format("{} threads: {}", p.threads, counters_line(timings[i], *counters)));
      if (const std::string w = spread_warning(fmt::format("{} threads", p.threads), s); !w.empty()) warnings.push_back(w);
      Json r;
      r["threads"] = p.threads;
      r.update(timing_json(timings[i], s, counters.get()));
      r["speedup"] = speedup;
      r["efficiency"] = efficiency;
      r["within_noise_of_first"] = i == 0 ? Json(nullptr) : Json(v.within_noise);
      r[!kernel_mode ? "samples_per_s" : compute ? "gflops" : "gbps"] = rate;
      r["peak_pct"] = ceiling ? Json(100.0 * rate / *ceiling) : Json(nullptr);
      results.push_back(std::move(r));
    }
    for (const std::string& w : warnings) fmt::print("{}\n", w);

    if (!f->json.empty()) {
      Json j;
      j["schema"] = "trenchcoat-scaling-1";
      j["created"] = utc_timestamp();
      j["machine"] = machine;
      Json settings;
      settings["target"] = label;
      settings["kind"] = kernel_mode ? "kernel" : "epoch";
      if (kernel_mode) {
        settings["kernel"] = f->kernel;
        settings["variant"] = f->variant;
        settings["shape"] = f->shape;
      } else {
        settings["layers"] = f->epoch_settings.layers;
        settings["batch"] = points.front().epoch->batch;
        settings["samples"] = points.front().epoch->samples;
        settings["strategy"] = points.front().epoch->strategy;
      }
      settings["thread_counts"] = counts;
      settings["reps"] = f->timing.reps;
      settings["min_sample_seconds"] = f->timing.min_sample_seconds;
      settings["warmup_seconds"] = f->timing.warmup_seconds;
      settings["pinned"] = pinned;
      settings["counters"] = f->counters;
      j["settings"] = std::move(settings);
      j["results"] = std::move(results);
      write_json(f->json, j);
    }
    return 0;
  };
}

}  // namespace trenchcoat::cli
