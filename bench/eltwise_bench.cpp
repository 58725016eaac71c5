// act/<op>/<variant>/<rows>x<cols>/threads:<T> for every registered element-wise
// variant, generated from the registry: <op> is <activation>_fwd, <activation>_bwd,
// bias_add or bias_bwd; ReLU and the bias ops also as cold-cache twins
// (act/<op>/<variant>/cold_<rows>x<cols>/...) where the operands fit in the cache.
// Counters: GBps (bytes read + written) and peak_pct against the streaming bandwidth
// measured in this process.

#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

#include "bandwidth_bench.hpp"
#include "bench_common.hpp"
#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/context.hpp"

namespace trenchcoat::bench {
namespace {

enum class Op { forward, backward, bias_add, bias_bwd };

void run_eltwise(benchmark::State& state, const EltwiseVariant* v, Op op, Activation a, BandwidthShape s,
                 int threads, bool cold) {
  Context ctx(ContextOptions{.threads = threads});
  const auto n = static_cast<std::size_t>(s.elements());
  const ActivationParams act{a, 0.01f};
  std::vector<float> x(n), y(n), dy, dx, bias;
  fill_spread(x, 1, -4.0f, 4.0f);
  double bytes = 0.0;
  std::function<void()> body;
  switch (op) {
    case Op::forward:
      bytes = 8.0 * static_cast<double>(n);
      body = [&] { activation_forward(*v, ctx, act, x, y); };
      break;
    case Op::backward: {
      dy.resize(n);
      dx.resize(n);
      fill_spread(dy, 2, -1.0f, 1.0f);
      activation_forward(*v, ctx, act, x, y);
      const BackwardInput which = backward_input(a);
      bytes = (which == BackwardInput::none ? 8.0 : 12.0) * static_cast<double>(n);
      body = [&] { activation_backward(*v, ctx, act, x, y, dy, dx); };
      break;
    }
    case Op::bias_add:
      bias.resize(static_cast<std::size_t>(s.cols));
      fill_spread(bias, 3, -1e-3f, 1e-3f);
      bytes = 8.0 * static_cast<double>(n) + 4.0 * static_cast<double>(s.cols);
      body = [&] { bias_add(*v, ctx, dense(x.data(), s.rows, s.cols), bias); };
      break;
    case Op::bias_bwd:
      bias.resize(static_cast<std::size_t>(s.cols));
      bytes = 4.0 * static_cast<double>(n) + 4.0 * static_cast<double>(s.cols);
      body = [&] { bias_backward(*v, ctx, dense(x.data(), s.rows, s.cols), bias); };
      break;
  }
  body();  // warm-up: pages touched, worker threads started
  const auto flush = [&] { flush_operands({&x, &y, &dy, &dx, &bias}); };
  const double seconds = cold ? time_cold_calls(state, flush, body) : time_calls(state, reps_for(s.elements()), body);
  set_byte_counters(state, seconds, bytes, threads);
}

// with_cold: also the cold-cache twins (ReLU and the bias ops, the ones judged
// against memory bandwidth; the other activations would only double the list).
void register_op(const EltwiseVariant& v, const std::string& op_name, Op op, Activation a, bool with_cold) {
  for (const BandwidthShape& s : bandwidth_shapes()) {
    // The double-precision oracle would take seconds per call on 64 Mi floats.
    if (v.info.reference && s.elements() > (std::int64_t{1} << 22)) continue;
    const std::vector<bool> colds =
        with_cold ? cold_choices(12.0 * static_cast<double>(s.elements()), v.info.reference) : std::vector<bool>{false};
    for (int t : thread_counts()) {
      if (v.info.threading == Threading::single && t > 1) continue;
      for (bool cold : colds) {
        benchmark::RegisterBenchmark(
            ("act/" + op_name + "/" + std::string(v.info.name) + "/" + shape_label(s, cold) + threads_suffix(t))
                .c_str(),
            run_eltwise, &v, op, a, s, t, cold)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

const bool registered = [] {
  for (const EltwiseVariant& v : eltwise_variants()) {
    if (!cpu_supports(v.info.isa)) continue;
    for (Activation a : kAllActivations) {
      const bool with_cold = a == Activation::relu;
      register_op(v, std::string(activation_name(a)) + "_fwd", Op::forward, a, with_cold);
      register_op(v, std::string(activation_name(a)) + "_bwd", Op::backward, a, with_cold);
    }
    register_op(v, "bias_add", Op::bias_add, Activation::identity, true);
    register_op(v, "bias_bwd", Op::bias_bwd, Activation::identity, true);
  }
  return true;
}();

}  // namespace
}  // namespace trenchcoat::bench
