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
#include "trenchcoat/nn/optimizer.hpp"
#include "worker_contexts.hpp"

namespace trenchcoat::nn::detail {

struct GradientResult {
  double loss_sum = 0.0;       // the head's loss summed over the batch's rows
  std::int64_t correct = 0;    // rows classified correctly (before the update)
  bool gradient_finite = true; // false when the gradient holds a NaN or an Inf
};

class BatchGradient {
 public:
  virtual ~BatchGradient() = default;
  // Must be called inside ctx.run(). Modifies nothing but its own buffers.
  virtual GradientResult compute(Context& ctx, const Model& model, const Dataset& data,
                                 std::span<const std::int64_t> indices) = 0;
  // One optimizer step with the gradient of the last compute(), inside ctx.run().
  // Returns false if the gradient that was applied held a NaN or an Inf.
  virtual bool apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                     std::span<float> params) = 0;
};

// Shards of kShardRows rows run concurrently, each on its own single-threaded worker
// Context into its own gradient buffer; the buffers are then summed by the fixed
// pairwise tree. Bit-identical for any thread count.
class DataParallelGradient final : public BatchGradient {
 public:
  DataParallelGradient(const Context& ctx, const Model& model, std::int64_t max_batch);
  GradientResult compute(Context& ctx, const Model& model, const Dataset& data,
                         std::span<const std::int64_t> indices) override;
  bool apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
             std::span<float> params) override;

 private:
  WorkerContexts workers_;
  std::vector<BatchPass> passes_;          // one per thread slot
  std::vector<FloatBuffer> shard_grads_;   // one per shard of the largest batch
  std::vector<const float*> shard_grad_ptrs_;
  std::vector<double> shard_loss_;
  std::vector<std::int64_t> shard_correct_;
  std::vector<char> shard_finite_;
  std::int64_t shards_ = 0;                // of the last compute()
};

// The whole batch goes through each layer at once, and the kernels spread each call
// over the Context's threads. Also deterministic for any thread count (the kernels
// are), but its sums run in a different order than the data-parallel tree.
class OpParallelGradient final : public BatchGradient {
 public:
  OpParallelGradient(const Model& model, std::int64_t max_batch);
  GradientResult compute(Context& ctx, const Model& model, const Dataset& data,
                         std::span<const std::int64_t> indices) override;
  bool apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
             std::span<float> params) override;

 private:
  BatchPass pass_;
  FloatBuffer grads_;
};

}  // namespace trenchcoat::nn::detail
