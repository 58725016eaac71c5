// xent/<variant>/<rows>x<cols>/threads:<T>: the fused softmax + cross-entropy with its
// gradient (one call: the loss and grad = (p - onehot) / B), and mse/... for the
// squared error with its gradient, for every registered loss variant, with cold-cache
// twins (xent/<variant>/cold_<rows>x<cols>/...) where the operands fit in the cache.
// Counters: GBps (bytes read + written) and peak_pct against the measured streaming
// bandwidth.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bandwidth_bench.hpp"
#include "bench_common.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/loss.hpp"

namespace trenchcoat::bench {
namespace {

void run_xent(benchmark::State& state, const LossVariant* v, BandwidthShape s, int threads, bool cold) {
  Context ctx(ContextOptions{.threads = threads});
  std::vector<float> x(static_cast<std::size_t>(s.elements())), g(x.size());
  fill_spread(x, 5, -8.0f, 8.0f);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(s.rows));
  for (std::size_t r = 0; r < labels.size(); ++r) labels[r] = static_cast<std::int32_t>((r * 7919) % static_cast<std::size_t>(s.cols));
  const float scale = 1.0f / static_cast<float>(s.rows);
  double loss = 0.0;
  auto body = [&] {
    loss += softmax_cross_entropy(*v, ctx, dense(x.data(), s.rows, s.cols), labels, dense(g.data(), s.rows, s.cols),
                                  scale);
  };
  body();
  const auto flush = [&] {
    flush_operands({&x, &g});
    flush_from_caches(labels.data(), labels.size() * sizeof(std::int32_t));
  };
  const double seconds = cold ? time_cold_calls(state, flush, body) : time_calls(state, reps_for(s.elements()), body);
  benchmark::DoNotOptimize(loss);
  set_byte_counters(state, seconds, 8.0 * static_cast<double>(s.elements()) + 4.0 * static_cast<double>(s.rows),
                    threads);
}

void run_mse(benchmark::State& state, const LossVariant* v, BandwidthShape s, int threads, bool cold) {
  Context ctx(ContextOptions{.threads = threads});
  std::vector<float> p(static_cast<std::size_t>(s.elements())), t(p.size()), g(p.size());
  fill_spread(p, 6, -1.0f, 1.0f);
  fill_spread(t, 7, -1.0f, 1.0f);
  const float scale = 1.0f / static_cast<float>(s.elements());
  double loss = 0.0;
  auto body = [&] {
    loss += squared_error(*v, ctx, dense(p.data(), s.rows, s.cols), dense(t.data(), s.rows, s.cols),
                          dense(g.data(), s.rows, s.cols), scale);
  };
  body();
  const auto flush = [&] { flush_operands({&p, &t, &g}); };
  const double seconds = cold ? time_cold_calls(state, flush, body) : time_calls(state, reps_for(s.elements()), body);
  benchmark::DoNotOptimize(loss);
  set_byte_counters(state, seconds, 12.0 * static_cast<double>(s.elements()), threads);
}

const bool registered = [] {
  for (const LossVariant& v : loss_variants()) {
    if (!cpu_supports(v.info.isa)) continue;
    for (const BandwidthShape& s : bandwidth_shapes()) {
      if (v.info.reference && s.elements() > (std::int64_t{1} << 22)) continue;
      for (int t : thread_counts()) {
        if (v.info.threading == Threading::single && t > 1) continue;
        for (bool cold : cold_choices(12.0 * static_cast<double>(s.elements()), v.info.reference)) {
          const std::string tail = std::string(v.info.name) + "/" + shape_label(s, cold) + threads_suffix(t);
          benchmark::RegisterBenchmark(("xent/" + tail).c_str(), run_xent, &v, s, t, cold)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond);
          benchmark::RegisterBenchmark(("mse/" + tail).c_str(), run_mse, &v, s, t, cold)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace trenchcoat::bench
