#pragma once
// Mini-batch training of a Model on a Dataset.
//
//   Context ctx(ContextOptions{.threads = 2});
//   Model model(parse_model_spec("784-128-10", "relu"), /*seed=*/1);
//   TrainerConfig cfg;
//   cfg.batch_size = 128;
//   cfg.epochs = 3;
//   cfg.optimizer = {.kind = OptimizerKind::nesterov, .learning_rate = 0.1, .momentum = 0.9};
//   cfg.schedule.kind = ScheduleKind::cosine;
//   Trainer trainer(ctx, model, cfg);
//   while (!trainer.finished()) {
//     EpochMetrics m = trainer.train_epoch(train);     // throws TrainingDiverged
//     EvalMetrics e = evaluate(ctx, model, test);      // evaluate.hpp
//   }
//
// Every epoch visits the samples in an order drawn from (seed, epoch); the last
// batch of an epoch holds the remainder (samples % batch_size rows) and is trained
// on like any other. The whole run — initial model, orders, every update — depends
// only on the model seed and this configuration: with the data-parallel strategy it
// is bit-identical for any thread count (see sharding.hpp); the op-parallel
// strategy is deterministic too, with its own (different) rounding.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/metrics.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/optimizer.hpp"
#include "trenchcoat/nn/schedule.hpp"
#include "trenchcoat/nn/step_profile.hpp"

namespace trenchcoat::nn {

enum class Strategy : std::uint8_t {
  data_parallel,  // shards of the batch on separate threads, gradients summed by a fixed tree
  op_parallel,    // the whole batch through each layer, each kernel call multi-threaded
};

std::string_view strategy_name(Strategy s) noexcept;  // "data", "op"
Strategy parse_strategy(std::string_view name);       // "data" / "data_parallel", "op" / "op_parallel"

struct TrainerConfig {
  std::int64_t batch_size = 128;
  std::int64_t epochs = 1;        // the run's length (the cosine schedule spans it)
  std::uint64_t seed = 1;         // epoch orders (the model's initial weights have their own seed)
  bool shuffle = true;            // false: every epoch visits samples in dataset order
  Strategy strategy = Strategy::data_parallel;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;

  // Throws std::invalid_argument naming the bad value (batch_size < 1, epochs < 0,
  // and the optimizer's and schedule's own checks).
  void validate() const;
  friend bool operator==(const TrainerConfig&, const TrainerConfig&) = default;
};

// Where a run stands; saved in checkpoints so that a resumed run continues exactly.
struct TrainingProgress {
  std::int64_t epoch = 0;            // the epoch in progress (== epochs when finished)
  std::int64_t batch = 0;            // the next batch of that epoch
  std::int64_t global_step = 0;      // optimizer steps taken so far
  std::int64_t dataset_samples = 0;  // samples per epoch of the dataset in use (0 before the first step)
  // Running sums of the epoch in progress, so an epoch interrupted and resumed
  // reports the same metrics as an uninterrupted one.
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  std::int64_t samples_seen = 0;
  friend bool operator==(const TrainingProgress&, const TrainingProgress&) = default;
};

// Everything besides the model that a resumed run needs.
struct TrainingState {
  TrainerConfig config;
  TrainingProgress progress;
  std::int64_t optimizer_steps = 0;
  // The optimizer's state buffers in the packed parameter order (ParameterLayout::pack).
  std::vector<std::vector<float>> optimizer_state;
};

// Thrown when a loss or a gradient is NaN or Inf — or could be: the gradient is
// checked before it is computed, from a bound on its elements (batch x max|input| x
// max|output gradient| of each Dense layer must stay below FLT_MAX / 2), so a
// gradient too large to sum safely counts as diverged too. The step that produced it
// is not applied: the model and optimizer keep their state from before it, and any
// checkpoint on disk is untouched. An update that overflows the parameters
// themselves (a finite gradient times a huge learning rate) is caught by the next
// step's loss.
class TrainingDiverged : public std::runtime_error {
 public:
  TrainingDiverged(std::int64_t epoch, std::int64_t batch, std::int64_t global_step, const std::string& what);
  std::int64_t epoch() const noexcept { return epoch_; }
  std::int64_t batch() const noexcept { return batch_; }
  std::int64_t global_step() const noexcept { return global_step_; }

 private:
  std::int64_t epoch_, batch_, global_step_;
};

// Passed to the step callback after each step.
struct StepInfo {
  std::int64_t epoch = 0;
  std::int64_t batch = 0;              // the batch just trained on (0-based)
  std::int64_t batches_per_epoch = 0;
  std::int64_t global_step = 0;        // steps taken, this one included
  std::int64_t rows = 0;               // rows in this batch
  double loss = 0.0;                   // this batch's mean loss (before the update)
  double learning_rate = 0.0;
};
// Return false to stop after this step (the run can be saved and resumed there).
using StepCallback = std::function<bool(const StepInfo&)>;

class GradientExchange;  // gradient_exchange.hpp

class Trainer {
 public:
  // Keeps references to ctx and model (both must outlive the trainer). Validates the
  // configuration (std::invalid_argument) and allocates every buffer a step needs.
  Trainer(Context& ctx, Model& model, const TrainerConfig& config);
  // One rank of a data-parallel run over several processes: this process computes
  // its share of every batch's shards and `exchange` (which must outlive the
  // trainer) combines the ranks' gradients. Every rank constructs its trainer with
  // the same model and configuration, which must use the data-parallel strategy.
  Trainer(Context& ctx, Model& model, const TrainerConfig& config, GradientExchange& exchange);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains from the current position to the end of the current epoch (or until the
  // callback asks to stop) and returns that epoch's metrics. Throws
  // std::invalid_argument when the dataset does not fit the model, std::logic_error
  // when the run is finished, TrainingDiverged on a NaN/Inf loss or gradient.
  EpochMetrics train_epoch(const Dataset& data, const StepCallback& on_step = {});
  // Every remaining epoch; returns the metrics of each. Stops after the step on
  // which the callback returns false.
  std::vector<EpochMetrics> fit(const Dataset& data, const StepCallback& on_step = {});

  bool finished() const noexcept;
  const TrainerConfig& config() const noexcept;
  const TrainingProgress& progress() const noexcept;
  const Optimizer& optimizer() const noexcept;
  Model& model() noexcept;
  const Model& model() const noexcept;
  Context& context() noexcept;
  // Times every following step's phases into `profiler` (nullptr: stop); it must
  // outlive the trainer or be detached first. See step_profile.hpp.
  void set_profiler(StepProfiler* profiler) noexcept;

  // Batches per epoch for a dataset of `samples` samples (the last one partial).
  std::int64_t batches_per_epoch(std::int64_t samples) const noexcept;
  // The learning rate of global step `step` for a dataset of `samples` samples.
  double learning_rate_at(std::int64_t step, std::int64_t samples) const noexcept;

  // A copy of the optimizer state and progress, for checkpoints.
  TrainingState state() const;
  // Continues from `state` (a checkpoint's). Its optimizer must be the same kind as
  // this trainer's; the configuration used from then on is this trainer's own.
  // Throws std::invalid_argument when the state does not fit.
  void restore(const TrainingState& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trenchcoat::nn
