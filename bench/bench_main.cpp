// trenchcoat-bench entry point: records the machine in the benchmark context, makes
// the optional OpenBLAS baseline use its AVX-512 kernels when the CPU has them, then
// runs whatever the bench_*.cpp files registered.
//
// peak_pct's ceilings: `trenchcoat peak`'s cache when it exists and was measured on
// this CPU model with this core count (the same file and rule as the CLI's, so both
// place results against the same figures, measured on a quiet moment with best-of-3),
// else measured by this process on first use. The context's `peak_source` says which.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "bench_common.hpp"
#include "machine_peaks.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/kernels/peak.hpp"

#if defined(TRENCHCOAT_HAVE_OPENBLAS)
extern "C" char* openblas_get_corename(void);
#endif

namespace trenchcoat::bench {

std::vector<int> thread_counts() {
  const int cores = available_cores();
  std::vector<int> counts;
  for (int t = 1; t < cores; t *= 2) counts.push_back(t);
  counts.push_back(cores);
  return counts;
}

namespace {

// The cached ceilings, loaded once by main() before any benchmark runs.
std::optional<cli::MachinePeaks>& cached_peaks() {
  static std::optional<cli::MachinePeaks> peaks;
  return peaks;
}

// A ceiling on `threads` threads from its one-core and all-cores figures: linear in
// between (FMA throughput is per core), capped by the all-cores figure (bandwidth is
// shared).
double on_threads(const cli::CeilingPair& c, int threads, int cores) {
  if (threads <= 1) return c.one_core;
  if (threads >= cores) return c.all_cores;
  return std::min(c.one_core * threads, c.all_cores);
}

double fma_ceiling(Isa isa, int threads) {
  if (const auto& p = cached_peaks()) {
    for (const cli::IsaCeilings& c : p->isas) {
      if (c.isa == isa) return on_threads(c.fma_gflops, threads, p->cores);
    }
  }
  return fma_peak_gflops(isa, threads);
}

double stream_ceiling(int threads) {
  if (const auto& p = cached_peaks()) return on_threads(p->stream_gbps, threads, p->cores);
  return stream_gbps(threads);
}

}  // namespace

void set_flop_counters(benchmark::State& state, const IterationTimer& timer, double flops_per_iteration,
                       int threads, Isa isa) {
  if (timer.total_seconds() <= 0.0) return;
  const double gflops = flops_per_iteration * static_cast<double>(state.iterations()) / timer.total_seconds() * 1e-9;
  state.counters["GFLOPS"] = gflops;
  state.counters["peak_pct"] = 100.0 * gflops / fma_ceiling(cpu_best_isa(), threads);
  state.counters["isa_peak_pct"] = 100.0 * gflops / fma_ceiling(isa, threads);
}

void set_byte_counters(benchmark::State& state, double timed_seconds, double bytes_per_iteration, int threads) {
  if (timed_seconds <= 0.0) return;
  const double gbps = bytes_per_iteration * static_cast<double>(state.iterations()) / timed_seconds * 1e-9;
  state.counters["GBps"] = gbps;
  state.counters["peak_pct"] = 100.0 * gbps / stream_ceiling(threads);
}

// What peak_pct is measured against, for the benchmark context.
std::string load_peak_source() {
  const std::filesystem::path cache = cli::default_peak_cache();
  cached_peaks() = cli::load_cached_peaks(cache);
  if (const auto& p = cached_peaks()) {
    return "trenchcoat peak cache " + cache.string() + " (measured " + p->measured_at + ")";
  }
  return "measured by this run (no trenchcoat peak cache for this CPU and core count at " + cache.string() + ")";
}

}  // namespace trenchcoat::bench

namespace {

#if defined(TRENCHCOAT_HAVE_OPENBLAS)
// Debian's OpenBLAS 0.3.21 picks its Haswell (AVX2) kernels on Zen 4/5 unless told
// otherwise, and the core type is fixed when the library loads. A fair comparison
// re-executes this program once with OPENBLAS_CORETYPE=Cooperlake (AVX-512) and
// OPENBLAS_L2_SIZE unset. TRENCHCOAT_OPENBLAS_AS_IS=1 keeps the environment as it is.
// It runs first thing in main(), before any other thread exists: the environment
// calls below cannot race (the NOLINTs, concurrency-mt-unsafe, rest on that).
void make_openblas_fair(char** argv) {
  if (trenchcoat::cpu_best_isa() != trenchcoat::Isa::avx512) return;
  const char* as_is = std::getenv("TRENCHCOAT_OPENBLAS_AS_IS");  // NOLINT(concurrency-mt-unsafe): see above
  if (as_is != nullptr && std::strcmp(as_is, "1") == 0) return;
  const char* core = std::getenv("OPENBLAS_CORETYPE");  // NOLINT(concurrency-mt-unsafe): see above
  if (core != nullptr && std::strcmp(core, "Cooperlake") == 0) return;
  ::setenv("OPENBLAS_CORETYPE", "Cooperlake", 1);  // NOLINT(concurrency-mt-unsafe): see above
  ::unsetenv("OPENBLAS_L2_SIZE");                  // NOLINT(concurrency-mt-unsafe): see above
  ::execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
}
#endif

}  // namespace

int main(int argc, char** argv) {
#if defined(TRENCHCOAT_HAVE_OPENBLAS)
  make_openblas_fair(argv);
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
#endif
  benchmark::AddCustomContext("cpu_model", trenchcoat::cpu_model_name());
  benchmark::AddCustomContext("best_isa", std::string(trenchcoat::isa_name(trenchcoat::cpu_best_isa())));
  benchmark::AddCustomContext("peak_source", trenchcoat::bench::load_peak_source());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
