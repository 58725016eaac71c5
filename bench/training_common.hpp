#pragma once
// What the training benchmarks share (train_bench.cpp and the oneDNN-sgemm trainer in
// baselines/onednn_trainer.cpp), so that both train the same data, networks and batch
// sizes and count the same FLOPs: one synthetic MNIST-shaped dataset (60 000 x 784,
// 10 classes; one instance per process, so no file is needed and no copy is made),
// the benchmarked architectures and batches, and the counters.
//
// FLOPs counted per sample: the GEMMs a step cannot avoid, the forward pass (2 in out
// per Dense layer), the weight gradients (the same again) and the input gradient of
// every Dense layer but the first. For 784-128-10: 409 088 per sample, 24.5 GFLOP per
// epoch.

#include <benchmark/benchmark.h>

#include <cstdint>

#include "bench_common.hpp"
#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/synthetic.hpp"

namespace trenchcoat::bench {

inline constexpr std::int64_t kTrainingSamples = 60000;
inline constexpr const char* kTrainingArchs[] = {"784-128-10", "784-512-512-10"};
inline constexpr std::int64_t kTrainingBatches[] = {128, 256};

inline const nn::Dataset& mnist_shaped() {
  static const nn::Dataset data = nn::make_mnist_like(kTrainingSamples, 1);
  return data;
}

inline double training_flops_per_sample(const nn::ModelSpec& spec) {
  double flops = 0;
  bool first = true;
  std::int64_t width = spec.inputs;
  for (const nn::LayerSpec& l : spec.layers) {
    if (l.kind != nn::LayerKind::dense) continue;
    const double mac = static_cast<double>(width) * static_cast<double>(l.units);
    flops += 2 * mac * (first ? 2 : 3);  // forward + weight gradient (+ input gradient)
    first = false;
    width = l.units;
  }
  return flops;
}

// GFLOPS / peak_pct / isa_peak_pct (set_flop_counters) and samples_per_s, for
// `samples` trained per timed iteration.
inline void set_training_counters(benchmark::State& state, const IterationTimer& timer, const nn::ModelSpec& spec,
                                  std::int64_t samples, int threads, Isa isa) {
  set_flop_counters(state, timer, training_flops_per_sample(spec) * static_cast<double>(samples), threads, isa);
  state.counters["samples_per_s"] =
      static_cast<double>(samples) * static_cast<double>(state.iterations()) / timer.total_seconds();
}

// Every epoch/... benchmark: manual time, milliseconds, at least 2 s of epochs.
inline void epoch_options(benchmark::internal::Benchmark* b) {
  b->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
}

}  // namespace trenchcoat::bench
