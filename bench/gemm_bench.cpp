// gemm/<variant>/<shape>/threads:<T> for every registered GEMM variant, generated
// from the registry: a new variant is benchmarked with no edit here; shapes whose
// operands fit in the last-level cache also as gemm/<variant>/cold_<shape>/... .

#include <benchmark/benchmark.h>

#include <memory>

#include "bench_common.hpp"
#include "baselines/baseline_gemm.hpp"
#include "gemm_shapes.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat::bench {
namespace {

// Operands small enough to stay in the last-level cache between calls get a cold
// twin (label prefix "cold_") that starts every call with A, B and C in memory, as
// a training step meets the weights after the other layers have run.
constexpr std::int64_t kColdMaxBytes = std::int64_t{32} << 20;

std::int64_t operand_bytes(const GemmShape& s) { return 4 * (s.m * s.k + s.k * s.n + s.m * s.n); }

void run_gemm(benchmark::State& state, const GemmVariant* variant, const GemmShape& shape, int threads, bool cold) {
  Context ctx(ContextOptions{.threads = threads});
  GemmOperands x(shape);
  const GemmProblem p{shape.ta, shape.tb, shape.m, shape.n, shape.k, 1.0f, x.a.data(), x.lda(shape),
                      x.b.data(), x.ldb(shape), 0.0f, x.c.data(), shape.n, {}};
  gemm(*variant, ctx, p);  // warm-up: packing buffers allocated, threads started
  IterationTimer timer;
  for (auto _ : state) {
    if (cold) {
      flush_from_caches(x.a.data(), x.a.size() * sizeof(float));
      flush_from_caches(x.b.data(), x.b.size() * sizeof(float));
      flush_from_caches(x.c.data(), x.c.size() * sizeof(float));
    }
    timer.time(state, [&] { gemm(*variant, ctx, p); });
    benchmark::DoNotOptimize(x.c.data());
    benchmark::ClobberMemory();
  }
  set_flop_counters(state, timer, 2.0 * static_cast<double>(shape.m * shape.n * shape.k), threads,
                    variant->info.isa);
}

void run_baseline(benchmark::State& state, const std::string& name, BaselineGemm fn, GemmShape shape, int threads,
                  Isa isa) {
  GemmOperands x(shape);
  auto call = [&] { fn(threads, shape, x.a.data(), x.lda(shape), x.b.data(), x.ldb(shape), x.c.data(), shape.n); };
  call();  // warm-up
  IterationTimer timer;
  for (auto _ : state) {
    timer.time(state, call);
    benchmark::DoNotOptimize(x.c.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(name);
  set_flop_counters(state, timer, 2.0 * static_cast<double>(shape.m * shape.n * shape.k), threads, isa);
}

const bool registered = [] {
  for (const GemmVariant& v : gemm_variants()) {
    if (!cpu_supports(v.info.isa)) continue;
    for (const GemmShape& s : gemm_shapes()) {
      // The double-precision oracle would need minutes for the big squares.
      if (v.info.reference && s.m * s.n * s.k > std::int64_t{512} * 512 * 512) continue;
      for (int t : thread_counts()) {
        if (v.info.threading == Threading::single && t > 1) continue;
        for (bool cold : {false, true}) {
          if (cold && (v.info.reference || operand_bytes(s) > kColdMaxBytes)) continue;
          benchmark::RegisterBenchmark(
              ("gemm/" + std::string(v.info.name) + "/" + (cold ? "cold_" : "") + s.label + threads_suffix(t)).c_str(),
              run_gemm, &v, s, t, cold)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  return true;
}();

}  // namespace

bool register_baseline_gemm(const std::string& name, Isa isa, const BaselineGemm& fn) {
  for (const GemmShape& s : gemm_shapes()) {
    for (int t : thread_counts()) {
      benchmark::RegisterBenchmark(("gemm/" + name + "/" + s.label + threads_suffix(t)).c_str(), run_baseline, name,
                                   fn, s, t, isa)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return true;
}

}  // namespace trenchcoat::bench
