// `trenchcoat compare`: A/B of two variants of a kernel, timed in interleaved rounds
// after a warm-up (median, coefficient of variation, speedup, and a verdict on
// whether the difference exceeds the noise) — or of two result files, before/after.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "build_info.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "interleaved_timing.hpp"
#include "kernel_case.hpp"
#include "machine_peaks.hpp"
#include "output_files.hpp"
#include "perf_counters.hpp"
#include "report.hpp"
#include "result_series.hpp"
#include "sample_stats.hpp"
#include "toolkit_report.hpp"

namespace trenchcoat::cli {
namespace {

using Json = nlohmann::ordered_json;

struct CompareFlags {
  std::vector<std::string> files;
  std::string kernel, a, b, shape;
  int threads = 0;
  TimingSettings timing;
  bool counters = false;
  std::string json;
};

// "B is 1.92x faster than A" from a speedup of B over A (time A / time B).
std::string speedup_words(double speedup) {
  if (speedup >= 1.0) return fmt::format("B is {:.2f}x faster", speedup);
  return fmt::format("B is {:.2f}x slower", 1.0 / speedup);
}

std::string verdict_words(const Verdict& v, double speedup) {
  return v.within_noise ? fmt::format("within noise ({})", v.why) : speedup_words(speedup);
}

int compare_kernels(const CompareFlags& f) {
  // Counters first: they count the threads created after them.
  std::unique_ptr<PerfCounters> counters = f.counters ? std::make_unique<PerfCounters>() : nullptr;
  Context ctx(ContextOptions{.threads = f.threads});
  const KernelCase a = make_kernel_case(f.kernel, f.a, f.shape, ctx, "--a");
  const KernelCase b = make_kernel_case(f.kernel, f.b, f.shape, ctx, "--b");
  const std::optional<MachinePeaks> peaks = load_cached_peaks(default_peak_cache());

  fmt::print("{} {}: A = {}, B = {}; {} threads; {} interleaved rounds of >= {} s after {} s warm-up each\n",
             f.kernel, f.shape, f.a, f.b, ctx.threads(), f.timing.reps, f.timing.min_sample_seconds,
             f.timing.warmup_seconds);
  fmt::print("{}, {}\n", cpu_model_name(), compiler_description());
  if (counters && !counters->available()) fmt::print("{}\n", counters->why_unavailable());
  std::fflush(stdout);

  const std::vector<Timing> t = time_interleaved({a.call, b.call}, f.timing, counters.get());
  const Summary sa = summarize(t[0].seconds), sb = summarize(t[1].seconds);
  const bool compute = a.flops > 0;
  const char* rate_unit = compute ? "GFLOP/s" : "GB/s";

  fmt::print("\n    {:<10} {:>12} {:>7} {:>12} {:>10} {:>7}\n", "variant", "median", "CV", "min", rate_unit, "% peak");
  Json results = Json::array();
  std::vector<std::string> late_warnings;
  for (int i = 0; i < 2; ++i) {
    const KernelCase& k = i == 0 ? a : b;
    const Summary& s = i == 0 ? sa : sb;
    const double rate = (compute ? k.flops : k.bytes) / s.median * 1e-9;
    const std::optional<double> ceiling = ceiling_for(peaks, k.isa, ctx.threads(), compute);
    fmt::print("{}   {:<10} {:>12} {:>6.1f}% {:>12} {:>10.1f} {:>7}\n", i == 0 ? "A" : "B", k.variant,
               format_duration(s.median), 100.0 * s.cv, format_duration(s.min), rate,
               ceiling ? fmt::format("{:.1f}%", 100.0 * rate / *ceiling) : "-");
    const std::optional<double> pct = ceiling ? std::optional(100.0 * rate / *ceiling) : std::nullopt;
    if (const std::string w = ceiling_warning(pct); !w.empty()) late_warnings.push_back(w);
    Json r;
    r["name"] = k.label;
    r["variant"] = k.variant;
    r["isa"] = std::string(isa_name(k.isa));
    r.update(timing_json(t[i], s, counters.get()));
    r["gflops"] = compute ? Json(k.flops / s.median * 1e-9) : Json(nullptr);
    r["gbps"] = k.bytes / s.median * 1e-9;
    r["peak_pct"] = ceiling ? Json(100.0 * rate / *ceiling) : Json(nullptr);
    results.push_back(std::move(r));
  }
  if (counters) {
    fmt::print("A counters: {}\nB counters: {}\n", counters_line(t[0], *counters), counters_line(t[1], *counters));
  }
  if (!peaks) fmt::print("(% peak: run `trenchcoat peak` once to measure and cache this machine's ceilings)\n");
  const double p = sign_test_p(rounds_won(t[1], t[0]), t[0].seconds.size());
  const Verdict v = judge(sa, sb, p);
  fmt::print("\nspeedup of B over A: {:.3f}x, {} (B faster in {} of {} rounds)\n", v.ratio, verdict_words(v, v.ratio),
             rounds_won(t[1], t[0]), t[0].seconds.size());
  for (const auto& [what, s] : {std::pair{"A", sa}, std::pair{"B", sb}}) {
    if (const std::string w = spread_warning(what, s); !w.empty()) fmt::print("{}\n", w);
  }
  for (const std::string& w : late_warnings) fmt::print("{}\n", w);

  if (!f.json.empty()) {
    Json j;
    j["schema"] = "trenchcoat-compare-1";
    j["created"] = utc_timestamp();
    j["machine"] = machine_json(ctx);
    j["settings"] = {{"kernel", f.kernel},
                     {"shape", f.shape},
                     {"a", f.a},
                     {"b", f.b},
                     {"threads", ctx.threads()},
                     {"reps", f.timing.reps},
                     {"min_sample_seconds", f.timing.min_sample_seconds},
                     {"warmup_seconds", f.timing.warmup_seconds},
                     {"counters", f.counters}};
    j["results"] = std::move(results);
    j["comparison"] = {{"speedup_b_over_a", v.ratio},
                       {"within_noise", v.within_noise},
                       {"why", v.why},
                       {"sign_test_p", p}};
    write_json(f.json, j);
  }
  return 0;
}

int compare_files(const CompareFlags& f) {
  const std::vector<Series> a = read_result_series(f.files[0]);
  const std::vector<Series> b = read_result_series(f.files[1]);
  std::map<std::string, const Series*> in_b;
  for (const Series& s : b) in_b[s.name] = &s;
  fmt::print("A: {}\nB: {}\n\n", f.files[0], f.files[1]);
  fmt::print("{:<44} {:>12} {:>6} {:>12} {:>6}  {}\n", "measurement", "A median", "CV", "B median", "CV", "B vs A");
  auto value = [](const Series& s, double v) {
    return s.unit == "s" ? format_duration(v) : s.unit == "fraction" ? fmt::format("{:.2f}%", 100.0 * v) : fmt::format("{:.4g}", v);
  };
  Json rows = Json::array();
  std::vector<std::string> warnings;
  for (const Series& sa : a) {
    const auto it = in_b.find(sa.name);
    if (it == in_b.end() || sa.samples.empty() || it->second->samples.empty()) continue;
    const Series& sb = *it->second;
    const Summary ma = summarize(sa.samples), mb = summarize(sb.samples);
    const Verdict v = judge(ma, mb);
    // Speedup of B over A: > 1 when B is better, whichever way "better" points.
    const double speedup = sa.lower_is_better ? v.ratio : (ma.median != 0.0 ? mb.median / ma.median : 1.0);
    std::string words;
    if (sa.unit == "fraction") {
      words = fmt::format("{:+.2f} points{}", 100.0 * (mb.median - ma.median), v.within_noise ? ", " + v.why : "");
    } else if (sa.lower_is_better) {
      words = verdict_words(v, speedup);
    } else {
      words = v.within_noise ? fmt::format("within noise ({})", v.why)
                             : fmt::format("B is {:.2f}x {}", speedup >= 1 ? speedup : 1 / speedup,
                                           speedup >= 1 ? "higher" : "lower");
    }
    auto cv = [](const Summary& s) { return s.n >= 2 ? fmt::format("{:.1f}%", 100.0 * s.cv) : std::string("-"); };
    fmt::print("{:<44} {:>12} {:>6} {:>12} {:>6}  {}\n", sa.name, value(sa, ma.median), cv(ma), value(sb, mb.median),
               cv(mb), words);
    for (const auto& [side, m] : {std::pair{"A", ma}, std::pair{"B", mb}}) {
      if (const std::string w = spread_warning(fmt::format("{} of {}", sa.name, side), m); !w.empty()) warnings.push_back(w);
    }
    Json r;
    r["name"] = sa.name;
    r["unit"] = sa.unit;
    r["lower_is_better"] = sa.lower_is_better;
    r["a"] = {{"n", ma.n}, {"median", ma.median}, {"cv", ma.cv}, {"samples", sa.samples}};
    r["b"] = {{"n", mb.n}, {"median", mb.median}, {"cv", mb.cv}, {"samples", sb.samples}};
    r["speedup_b_over_a"] = speedup;
    r["within_noise"] = v.within_noise;
    r["why"] = v.why;
    rows.push_back(std::move(r));
  }
  if (rows.empty()) {
    throw UsageError(fmt::format("{} and {} have no measurement in common", f.files[0], f.files[1]));
  }
  for (const std::string& w : warnings) fmt::print("{}\n", w);
  if (!f.json.empty()) {
    Json j;
    j["schema"] = "trenchcoat-compare-files-1";
    j["created"] = utc_timestamp();
    j["machine"] = machine_json(Context(ContextOptions{.threads = 1}));
    j["a"] = f.files[0];
    j["b"] = f.files[1];
    j["rows"] = std::move(rows);
    write_json(f.json, j);
  }
  return 0;
}

}  // namespace

Runner add_compare_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "A/B two kernel variants (interleaved, median, spread, speedup) or two result files");
  auto f = std::make_shared<CompareFlags>();
  cmd->add_option("files", f->files, "two result files to compare instead (A before, B after): ours or Google Benchmark's")
      ->expected(0, 2);
  cmd->add_option("--kernel", f->kernel, "gemm, softmax, log_softmax, xent, mse, bias_add, bias_bwd, <activation>_fwd/_bwd");
  cmd->add_option("--a", f->a, "variant A (as `trenchcoat kernels` lists them)");
  cmd->add_option("--b", f->b, "variant B");
  cmd->add_option("--shape", f->shape, "MxNxK for gemm, RxC otherwise");
  cmd->add_option("--threads", f->threads, "threads for the kernels (0 = all cores)")->check(CLI::Range(0, 4096));
  cmd->add_option("--reps", f->timing.reps, "interleaved rounds (samples per variant)")->check(CLI::Range(1, 100000));
  cmd->add_option("--min-time", f->timing.min_sample_seconds, "seconds a sample lasts at least")->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--warmup", f->timing.warmup_seconds, "warm-up seconds per variant")->check(CLI::Range(0.0, 60.0));
  cmd->add_flag("--counters", f->counters, "add hardware counters (cycles, instructions, IPC, cache misses) where the OS allows");
  cmd->add_option("--json", f->json, "write the result as JSON");
  return [f] {
    if (!f->json.empty()) require_writable(f->json, "--json");
    const bool kernel_mode = !f->kernel.empty() || !f->a.empty() || !f->b.empty() || !f->shape.empty();
    if (!f->files.empty()) {
      if (kernel_mode) throw UsageError("compare: give either two result files or --kernel/--a/--b/--shape, not both");
      if (f->files.size() != 2) throw UsageError("compare: two result files are needed (A and B)");
      return compare_files(*f);
    }
    if (f->kernel.empty() || f->a.empty() || f->b.empty() || f->shape.empty()) {
      throw UsageError("compare: --kernel, --a, --b and --shape are all needed (or two result files)");
    }
    return compare_kernels(*f);
  };
}

}  // namespace trenchcoat::cli
