// `trenchcoat peak`: this machine's ceilings as a roofline table — FMA throughput per
// ISA, L1/L2 read bandwidth and memory streaming bandwidth, on one core and on all —
// cached for the other commands (with the CPU model and date) unless --remeasure.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"
#include "machine_peaks.hpp"
#include "output_files.hpp"
#include "report.hpp"
#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::cli {
namespace {

struct PeakFlags {
  bool remeasure = false;
  std::string json;
  std::string cache;
  double seconds = 0.2;
  std::size_t stream_mib = 0;
};

std::string kib(std::size_t bytes) {
  return bytes >= std::size_t{1024} * 1024 ? fmt::format("{} MiB", bytes / (std::size_t{1024} * 1024)) : fmt::format("{} KiB", bytes / 1024);
}

void print_row(const std::string& what, const char* unit, const CeilingPair& p) {
  fmt::print("  {:<28} {:<8} {:>10.1f} {:>10.1f}\n", what, unit, p.one_core, p.all_cores);
}

void print_table(const MachinePeaks& p) {
  fmt::print("{:<30} {:<8} {:>10} {:>10}\n", "ceiling", "unit", "1 core", fmt::format("{} cores", p.cores));
  for (const IsaCeilings& c : p.isas) {
    print_row(fmt::format("FMA {}", c.isa == Isa::scalar ? "baseline (SSE2 mul+add)" : std::string(isa_name(c.isa))),
              "GFLOP/s", c.fma_gflops);
  }
  for (const IsaCeilings& c : p.isas) {
    print_row(fmt::format("L1 read {} ({})", isa_name(c.isa), kib(p.l1_block_bytes)), "GB/s", c.l1_gbps);
  }
  for (const IsaCeilings& c : p.isas) {
    print_row(fmt::format("L2 read {} ({})", isa_name(c.isa), kib(p.l2_block_bytes)), "GB/s", c.l2_gbps);
  }
  print_row("memory stream (read+write)", "GB/s", p.stream_gbps);
  // The roofline's ridge points: a kernel doing fewer FLOPs per byte than this is
  // bound by that level's bandwidth, more is bound by the FMA peak.
  const IsaCeilings& b = p.best();
  auto ridge = [&](double gbps) { return gbps > 0 ? b.fma_gflops.all_cores / gbps : 0.0; };
  fmt::print("\nroofline ridge points ({}, {} cores): FLOP per byte at which a kernel stops being bandwidth-bound\n",
             isa_name(b.isa), p.cores);
  fmt::print("  L1 {:.2f}   L2 {:.2f}   memory {:.2f}\n", ridge(b.l1_gbps.all_cores), ridge(b.l2_gbps.all_cores),
             ridge(p.stream_gbps.all_cores));
}

}  // namespace

Runner add_peak_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("peak", "measure this machine's ceilings (FMA, L1/L2, memory) as a roofline table");
  auto f = std::make_shared<PeakFlags>();
  cmd->add_flag("--remeasure", f->remeasure, "measure even when a cached result for this CPU exists");
  cmd->add_option("--json", f->json, "also write the ceilings as JSON (schema trenchcoat-peak-1)");
  cmd->add_option("--cache", f->cache, "cache file (default: $TRENCHCOAT_CACHE_DIR/peak.json, else ~/.cache/trenchcoat/peak.json)");
  cmd->add_option("--seconds", f->seconds, "length of each measurement")->check(CLI::Range(0.001, 10.0));
  cmd->add_option("--stream-mib", f->stream_mib, "MiB per array of the streaming test (default 128; keep it far above L3)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{16384}));
  return [f] {
    if (!f->json.empty()) require_writable(f->json, "--json");
    const std::filesystem::path cache = f->cache.empty() ? default_peak_cache() : std::filesystem::path(f->cache);
    std::optional<MachinePeaks> peaks = f->remeasure ? std::nullopt : load_cached_peaks(cache);
    const bool cached = peaks.has_value();
    if (!cached) {
      fmt::print("measuring (a few seconds)...\n");
      std::fflush(stdout);
      peaks = measure_machine_peaks({f->seconds, f->stream_mib * 1024 * 1024});
    }
    fmt::print("CPU: {}, {} cores, L1 block {} and L2 block {} per core\n", peaks->cpu, peaks->cores,
               kib(peaks->l1_block_bytes), kib(peaks->l2_block_bytes));
    fmt::print("measured {}{}\n\n", peaks->measured_at,
               cached ? fmt::format(" (cached in {}; --remeasure to measure again)", cache.string()) : "");
    print_table(*peaks);
    if (!cached) {
      try {
        std::filesystem::create_directories(cache.parent_path().empty() ? "." : cache.parent_path());
        write_json(cache, peaks_json(*peaks));
      } catch (const std::exception& e) {
        fmt::print(stderr, "trenchcoat: warning: cannot cache the ceilings in {}: {}\n", cache.string(), e.what());
      }
    }
    if (!f->json.empty()) {
      nlohmann::ordered_json j = peaks_json(*peaks);
      j["machine"] = machine_json(Context(ContextOptions{}));
      write_json(f->json, j);
    }
    return 0;
  };
}

}  // namespace trenchcoat::cli
