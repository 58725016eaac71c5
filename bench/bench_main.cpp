// trenchcoat-bench entry point: records the machine in the benchmark context, makes
// the optional OpenBLAS baseline use its AVX-512 kernels when the CPU has them, then
// runs whatever the bench_*.cpp files registered.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_common.hpp"
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

void set_flop_counters(benchmark::State& state, const IterationTimer& timer, double flops_per_iteration,
                       int threads, Isa isa) {
  if (timer.total_seconds() <= 0.0) return;
  const double gflops = flops_per_iteration * static_cast<double>(state.iterations()) / timer.total_seconds() * 1e-9;
  state.counters["GFLOPS"] = gflops;
  state.counters["peak_pct"] = 100.0 * gflops / fma_peak_gflops(cpu_best_isa(), threads);
  state.counters["isa_peak_pct"] = 100.0 * gflops / fma_peak_gflops(isa, threads);
}

void set_byte_counters(benchmark::State& state, double timed_seconds, double bytes_per_iteration, int threads) {
  if (timed_seconds <= 0.0) return;
  const double gbps = bytes_per_iteration * static_cast<double>(state.iterations()) / timed_seconds * 1e-9;
  state.counters["GBps"] = gbps;
  state.counters["peak_pct"] = 100.0 * gbps / stream_gbps(threads);
}

}  // namespace trenchcoat::bench

namespace {

#if defined(TRENCHCOAT_HAVE_OPENBLAS)
// Debian's OpenBLAS 0.3.21 picks its Haswell (AVX2) kernels on Zen 4/5 unless told
// otherwise, and the core type is fixed when the library loads. A fair comparison
// re-executes this program once with OPENBLAS_CORETYPE=Cooperlake (AVX-512) and
// OPENBLAS_L2_SIZE unset. TRENCHCOAT_OPENBLAS_AS_IS=1 keeps the environment as it is.
void make_openblas_fair(char** argv) {
  if (trenchcoat::cpu_best_isa() != trenchcoat::Isa::avx512) return;
  const char* as_is = std::getenv("TRENCHCOAT_OPENBLAS_AS_IS");
  if (as_is != nullptr && std::strcmp(as_is, "1") == 0) return;
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  if (core != nullptr && std::strcmp(core, "Cooperlake") == 0) return;
  ::setenv("OPENBLAS_CORETYPE", "Cooperlake", 1);
  ::unsetenv("OPENBLAS_L2_SIZE");
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
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
