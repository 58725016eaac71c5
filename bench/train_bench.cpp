// Training benchmarks on synthetic data of MNIST's shape (60 000 x 784, 10 classes):
//
//   train_step/<arch>/<batch>/<strategy>/threads:<T>   one optimizer step
//   epoch/<arch>/<batch>/<strategy>/threads:<T>        one pass over the 60 000 samples
//
// Counters: samples_per_s, and the FLOP rate against this machine's FMA peak
// (GFLOPS, peak_pct, isa_peak_pct from set_flop_counters). The FLOPs counted are the
// GEMMs' (training_common.hpp: 24.5 GFLOP per epoch of 784-128-10); element-wise work,
// the loss, the reduction and the update are not counted, so peak_pct is the
// fraction of the FLOP limit the whole step reaches.
//
// With TRENCHCOAT_COMPARE and oneDNN, baselines/onednn_trainer.cpp adds
// epoch/<arch>/<batch>/onednn-sgemm/threads:<T>: the same epochs trained by a plain
// C++ trainer on dnnl_sgemm, for a same-run ratio.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_common.hpp"
#include "training_common.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::bench {
namespace {

struct Setup {
  Context ctx;
  nn::Model model;
  nn::Trainer trainer;
  Setup(const std::string& arch, std::int64_t batch, nn::Strategy strategy, int threads)
      : ctx(ContextOptions{.threads = threads}),
        model(nn::parse_model_spec(arch, "relu"), 1),
        trainer(ctx, model, config(batch, strategy)) {}
  static nn::TrainerConfig config(std::int64_t batch, nn::Strategy strategy) {
    nn::TrainerConfig c;
    c.batch_size = batch;
    c.epochs = 1 << 30;  // never finishes while benchmarked
    c.strategy = strategy;
    c.optimizer = nn::OptimizerConfig{.kind = nn::OptimizerKind::nesterov, .learning_rate = 0.05, .momentum = 0.9};
    return c;
  }
};

void run_step(benchmark::State& state, const std::string& arch, std::int64_t batch, nn::Strategy strategy, int threads) {
  const nn::Dataset& data = mnist_shaped();
  Setup s(arch, batch, strategy, threads);
  const auto one_step = [](const nn::StepInfo&) { return false; };
  for (int i = 0; i < 20; ++i) s.trainer.train_epoch(data, one_step);  // warm-up: buffers, threads, caches
  IterationTimer timer;
  for (auto _ : state) {
    timer.time(state, [&] { s.trainer.train_epoch(data, one_step); });
  }
  set_training_counters(state, timer, s.model.spec(), batch, threads, s.ctx.isa());
}

void run_epoch(benchmark::State& state, const std::string& arch, std::int64_t batch, nn::Strategy strategy, int threads) {
  const nn::Dataset& data = mnist_shaped();
  Setup s(arch, batch, strategy, threads);
  int warm = 0;
  s.trainer.train_epoch(data, [&](const nn::StepInfo&) { return ++warm < 50; });
  s.trainer.train_epoch(data);  // finish the warm-up epoch; each iteration is then a whole epoch
  IterationTimer timer;
  for (auto _ : state) {
    timer.time(state, [&] { s.trainer.train_epoch(data); });
  }
  set_training_counters(state, timer, s.model.spec(), kTrainingSamples, threads, s.ctx.isa());
}

const bool registered = [] {
  for (const char* arch : kTrainingArchs) {
    for (std::int64_t batch : kTrainingBatches) {
      for (nn::Strategy strategy : {nn::Strategy::data_parallel, nn::Strategy::op_parallel}) {
        for (int t : thread_counts()) {
          const std::string suffix = std::string(arch) + "/" + std::to_string(batch) + "/" +
                                     std::string(nn::strategy_name(strategy)) + threads_suffix(t);
          benchmark::RegisterBenchmark(("train_step/" + suffix).c_str(), run_step, arch, batch, strategy, t)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond);
          epoch_options(
              benchmark::RegisterBenchmark(("epoch/" + suffix).c_str(), run_epoch, arch, batch, strategy, t));
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace trenchcoat::bench
