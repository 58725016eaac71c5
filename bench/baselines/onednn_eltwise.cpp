// oneDNN's eltwise and softmax primitives as baselines of the memory-bound families:
// act/<activation>_fwd|_bwd/onednn/<shape>/threads:<T>, softmax/onednn/... and
// log_softmax/onednn/..., on the shapes of our variants (bandwidth_shapes()) and with
// the same counters: GBps counts the bytes OUR kernel of the same op moves (8 per
// element forward, 8 or 12 backward, bench/eltwise_bench.cpp), so that GBps compares
// speed at equal work whatever oneDNN reads internally. Cold-cache twins
// (cold_<rows>x<cols>) where ours have them (ReLU, softmax; cold_choices()), operands
// flushed before each timed call. Debian's oneDNN 2.6 runs on OpenMP threads; the thread
// count is set before each benchmark.
//
// The activations map onto oneDNN's algorithms: identity = linear (alpha 1, beta 0),
// relu = relu (alpha 0), leaky_relu = relu with alpha = our slope 0.01, sigmoid =
// logistic, tanh = tanh, gelu = gelu_tanh (ours is the tanh approximation too),
// softplus = soft_relu.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <functional>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "../bandwidth_bench.hpp"
#include "../bench_common.hpp"
#include "trenchcoat/kernels/activation.hpp"

namespace trenchcoat::bench {
namespace {

struct OnednnActivation {
  Activation ours;
  dnnl::algorithm algorithm;
  float alpha, beta;
};

constexpr float kLeakySlope = 0.01f;  // ActivationParams' default, as eltwise_bench.cpp uses

const std::vector<OnednnActivation>& onednn_activations() {
  static const std::vector<OnednnActivation> list = {
      {Activation::identity, dnnl::algorithm::eltwise_linear, 1.0f, 0.0f},
      {Activation::relu, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f},
      {Activation::leaky_relu, dnnl::algorithm::eltwise_relu, kLeakySlope, 0.0f},
      {Activation::sigmoid, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f},
      {Activation::tanh, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f},
      {Activation::gelu, dnnl::algorithm::eltwise_gelu_tanh, 0.0f, 0.0f},
      {Activation::softplus, dnnl::algorithm::eltwise_soft_relu, 0.0f, 0.0f},
  };
  return list;
}

dnnl::memory::desc matrix_desc(const BandwidthShape& s) {
  return {{s.rows, s.cols}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab};
}

void run_eltwise(benchmark::State& state, OnednnActivation a, bool backward, BandwidthShape s, int threads,
                 bool cold) {
  omp_set_num_threads(threads);
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const dnnl::memory::desc md = matrix_desc(s);
  const auto n = static_cast<std::size_t>(s.elements());
  std::vector<float> x(n), y(n), dy(n), dx(n);
  fill_spread(x, 1, -4.0f, 4.0f);
  fill_spread(dy, 2, -1.0f, 1.0f);
  dnnl::memory mx(md, engine, x.data()), my(md, engine, y.data()), mdy(md, engine, dy.data()),
      mdx(md, engine, dx.data());
  const dnnl::eltwise_forward::primitive_desc fwd_pd(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, a.algorithm, md, a.alpha, a.beta), engine);
  const dnnl::eltwise_forward fwd(fwd_pd);
  fwd.execute(stream, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}});
  stream.wait();
  double bytes = 8.0 * static_cast<double>(n);
  std::function<void()> body = [&] {
    fwd.execute(stream, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}});
    stream.wait();
  };
  std::unique_ptr<dnnl::eltwise_backward> bwd;
  if (backward) {
    const dnnl::eltwise_backward::primitive_desc bwd_pd(
        dnnl::eltwise_backward::desc(a.algorithm, md, md, a.alpha, a.beta), engine, fwd_pd);
    bwd = std::make_unique<dnnl::eltwise_backward>(bwd_pd);
    bytes = (backward_input(a.ours) == BackwardInput::none ? 8.0 : 12.0) * static_cast<double>(n);
    body = [&] {
      bwd->execute(stream, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_DIFF_SRC, mdx}});
      stream.wait();
    };
  }
  body();  // warm-up: pages touched, OpenMP threads started
  const auto flush = [&] { flush_operands({&x, &y, &dy, &dx}); };
  const double seconds = cold ? time_cold_calls(state, flush, body) : time_calls(state, reps_for(s.elements()), body);
  set_byte_counters(state, seconds, bytes, threads);
}

void run_softmax(benchmark::State& state, bool log, BandwidthShape s, int threads, bool cold) {
  omp_set_num_threads(threads);
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const dnnl::memory::desc md = matrix_desc(s);
  std::vector<float> x(static_cast<std::size_t>(s.elements())), y(x.size());
  fill_spread(x, 4, -8.0f, 8.0f);
  dnnl::memory mx(md, engine, x.data()), my(md, engine, y.data());
  dnnl::primitive prim;
  if (log) {
    prim = dnnl::logsoftmax_forward(dnnl::logsoftmax_forward::primitive_desc(
        dnnl::logsoftmax_forward::desc(dnnl::prop_kind::forward_inference, md, 1), engine));
  } else {
    prim = dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, 1), engine));
  }
  auto body = [&] {
    prim.execute(stream, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}});
    stream.wait();
  };
  body();
  const auto flush = [&] { flush_operands({&x, &y}); };
  const double seconds = cold ? time_cold_calls(state, flush, body) : time_calls(state, reps_for(s.elements()), body);
  set_byte_counters(state, seconds, 8.0 * static_cast<double>(s.elements()), threads);
}

void register_shape(const BandwidthShape& s, const std::string& op, bool cold, const std::function<void(
                    const std::string& name, int threads)>& add) {
  for (int t : thread_counts()) add(op + "/onednn/" + shape_label(s, cold) + threads_suffix(t), t);
}

// The cold-cache twins of ours (bench/eltwise_bench.cpp, softmax_bench.cpp): ReLU's and
// softmax's, on the shapes whose operands fit in the cache.
const bool registered = [] {
  const auto elements = [](const BandwidthShape& s) { return static_cast<double>(s.elements()); };
  for (const BandwidthShape& s : bandwidth_shapes()) {
    for (const OnednnActivation& a : onednn_activations()) {
      const std::vector<bool> colds =
          a.ours == Activation::relu ? cold_choices(12.0 * elements(s), false) : std::vector<bool>{false};
      for (bool backward : {false, true}) {
        for (bool cold : colds) {
          register_shape(s, "act/" + std::string(activation_name(a.ours)) + (backward ? "_bwd" : "_fwd"), cold,
                         [&](const std::string& name, int t) {
                           benchmark::RegisterBenchmark(name.c_str(), run_eltwise, a, backward, s, t, cold)
                               ->UseManualTime()
                               ->Unit(benchmark::kMicrosecond);
                         });
        }
      }
    }
    for (bool log : {false, true}) {
      for (bool cold : cold_choices(8.0 * elements(s), false)) {
        register_shape(s, log ? "log_softmax" : "softmax", cold, [&](const std::string& name, int t) {
          benchmark::RegisterBenchmark(name.c_str(), run_softmax, log, s, t, cold)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond);
        });
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace trenchcoat::bench
