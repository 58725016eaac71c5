#pragma once
// The two ways of computing one mini-batch's gradient (the trainer's strategies):
// compute() produces the gradient of the batch's MEAN loss and checks it; apply()
// hands it to the optimizer.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/batch_pass.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/float_buffer.hpp"
#include "trenchcoat/nn/model.hpp"
#include "gradient_blocks.hpp"
#include "shard_work.hpp"
#include "trenchcoat/nn/optimizer.hpp"
#include "worker_contexts.hpp"

namespace trenchcoat::nn::detail {

// What one step works on.
struct BatchRequest {
  const Dataset* data = nullptr;
  std::span<const std::int64_t> rows;       // the batch: indices into *data
  std::span<const std::int64_t> next_rows;  // the next step's batch (empty if unknown), to prefetch
  float input_bound = 0.0f;                 // the largest |feature| in *data (all finite)
  bool from_bytes = false;                  // gather from data->x_bytes (checked to decode to x)
};

struct GradientResult {
  double loss_sum = 0.0;        // the head's loss summed over the batch's rows
  std::int64_t correct = 0;     // rows classified correctly (before the update)
  bool gradient_finite = true;  // false when the gradient holds (or would hold) a NaN or an Inf
};

class BatchGradient {
 public:
  virtual ~BatchGradient() = default;
  // Must be called inside ctx.run(). Modifies nothing but its own buffers.
  virtual GradientResult compute(Context& ctx, const Model& model, const BatchRequest& batch) = 0;
  // One optimizer step with the gradient of the last compute(), inside ctx.run();
  // only after compute() found the gradient finite.
  virtual void apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                     std::span<float> params) = 0;
  // Times the step's phases into `p` from now on (nullptr: off); step_profile.hpp.
  virtual void set_profiler(StepProfiler* p) noexcept { profiler_ = p; }

 protected:
  StepProfiler* profiler_ = nullptr;
};

// The data-parallel step, in two phases over the Context's threads.
//
// 1. Shards (kShardRows rows of the batch each) run concurrently, each on its own
//    single-threaded worker Context and its own BatchPass: gather, forward, loss
//    (scaled by 1/batch), and backward through the activations — every Dense
//    layer's input and output gradient kept, no weight gradient computed yet.
// 2. Parameter blocks (gradient_blocks.hpp) run concurrently: for its rows of a
//    weight matrix a task computes each shard's gradient X_s^T dY_s (k = that
//    shard's rows) into its thread's scratch, sums them by the fixed pairwise tree
//    (sharding.hpp) and updates those rows of the parameters, while all of it is in
//    L2. No full-size gradient is ever written, per shard or summed.
//
// Every element's gradient is the same sum of the same products in the same order
// whatever thread computes it, so the model is bit-identical for any thread count.
//
// Nothing is updated unless the whole step is known to be finite: phase 1 bounds
// each shard's gradients from its activations (gradient_bound.hpp), and compute()
// reports the gradient as not finite when the bound cannot exclude NaN or Inf.
class DataParallelGradient final : public BatchGradient {
 public:
  DataParallelGradient(const Context& ctx, const Model& model, std::int64_t max_batch);
  GradientResult compute(Context& ctx, const Model& model, const BatchRequest& batch) override;
  void apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
             std::span<float> params) override;
  void set_profiler(StepProfiler* p) noexcept override;

 private:
  void update_block(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c, std::span<float> params,
                    const GradientBlock& block);

  ShardWork work_;                 // one pass per shard of the largest batch (shard_work.hpp)
  std::vector<ShardStats> stats_;  // per shard of the batch
  std::int64_t shards_ = 0;        // of the last compute()
};

// The whole batch goes through each layer at once, and the kernels spread each call
// over the Context's threads. Also deterministic for any thread count (the kernels
// are), but its sums run in a different order than the data-parallel tree. The
// gradient is checked by the same bound as the data-parallel one, then applied in
// one fused sweep.
class OpParallelGradient final : public BatchGradient {
 public:
  OpParallelGradient(const Model& model, std::int64_t max_batch);
  GradientResult compute(Context& ctx, const Model& model, const BatchRequest& batch) override;
  void apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
             std::span<float> params) override;
  void set_profiler(StepProfiler* p) noexcept override;

 private:
  BatchPass pass_;
  FloatBuffer grads_;
};

}  // namespace trenchcoat::nn::detail
