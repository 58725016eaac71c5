// softmax/<variant>/<rows>x<cols>/threads:<T> and log_softmax/... for every
// registered softmax variant, generated from the registry, with cold-cache twins
// (softmax/<variant>/cold_<rows>x<cols>/...) where the operands fit in the cache.
// Counters: GBps (logits read + probabilities written) and peak_pct against the
// measured streaming bandwidth.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bandwidth_bench.hpp"
#include "bench_common.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/softmax.hpp"

namespace trenchcoat::bench {
namespace {

void run_softmax(benchmark::State& state, const SoftmaxVariant* v, bool log, BandwidthShape s, int threads,
                 bool cold) {
  Context ctx(ContextOptions{.threads = threads});
  std::vector<float> x(static_cast<std::size_t>(s.elements())), y(x.size());
  fill_spread(x, 4, -8.0f, 8.0f);
  auto body = [&] {
    if (log) log_softmax(*v, ctx, dense(x.data(), s.rows, s.cols), dense(y.data(), s.rows, s.cols));
    else softmax(*v, ctx, dense(x.data(), s.rows, s.cols), dense(y.data(), s.rows, s.cols));
  };
  body();
  const auto flush = [&] { flush_operands({&x, &y}); };
  const double seconds = cold ? time_cold_calls(state, flush, body) : time_calls(state, reps_for(s.elements()), body);
  set_byte_counters(state, seconds, 8.0 * static_cast<double>(s.elements()), threads);
}

const bool registered = [] {
  for (const SoftmaxVariant& v : softmax_variants()) {
    if (!cpu_supports(v.info.isa)) continue;
    for (bool log : {false, true}) {
      for (const BandwidthShape& s : bandwidth_shapes()) {
        if (v.info.reference && s.elements() > (std::int64_t{1} << 22)) continue;
        for (int t : thread_counts()) {
          if (v.info.threading == Threading::single && t > 1) continue;
          for (bool cold : cold_choices(8.0 * static_cast<double>(s.elements()), v.info.reference)) {
            benchmark::RegisterBenchmark(((log ? "log_softmax/" : "softmax/") + std::string(v.info.name) + "/" +
                                          shape_label(s, cold) + threads_suffix(t))
                                             .c_str(),
                                         run_softmax, &v, log, s, t, cold)
                ->UseManualTime()
                ->Unit(benchmark::kMicrosecond);
          }
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace trenchcoat::bench
