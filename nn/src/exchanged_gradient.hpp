#pragma once
// The data-parallel step of one rank among several (gradient_exchange.hpp).
//
// compute(): this rank's shards of the batch run forward and backward exactly as in
// DataParallelGradient's phase 1 — the same ShardWork (shard_work.hpp), same shard
// rows, same loss scale (that of the WHOLE batch); the ranks share every shard's
// loss, accuracy and gradient bound, so all of them reach the same verdict on
// finiteness; then, blocks of parameter rows in parallel, every local shard's weight
// and bias gradient is computed by ShardWork's phase 2, as in DataParallelGradient,
// and summed by the sharding tree into one full-size gradient buffer, which the
// exchange combines across ranks.
// apply(): the optimizer sweeps the combined gradient, identically on every rank.
//
// Unlike the single-process step this one writes a full-size gradient (the
// exchange needs it whole), so it cannot fuse the update into the sum; the update
// is element-wise, so the split changes no bit of the result.

#include <cstdint>
#include <vector>

#include "batch_gradient.hpp"
#include "shard_work.hpp"
#include "trenchcoat/nn/gradient_exchange.hpp"

namespace trenchcoat::nn::detail {

class ExchangedGradient final : public BatchGradient {
 public:
  // `exchange` must outlive this object.
  ExchangedGradient(const Context& ctx, const Model& model, std::int64_t max_batch, GradientExchange& exchange);
  GradientResult compute(Context& ctx, const Model& model, const BatchRequest& batch) override;
  void apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
             std::span<float> params) override;
  void set_profiler(StepProfiler* p) noexcept override;

 private:
  // The sum of the local shards' gradients (sharding tree) into grads_, combined
  // across ranks layer by layer, the last layer first: its combine runs while the
  // layers below are still being summed (GradientExchange::begin_combine).
  void sum_and_combine(const Context& ctx, std::int64_t local_shards, std::int64_t shards);
  void sum_block(const Context& ctx, const GradientBlock& block, std::int64_t local_shards);

  GradientExchange* exchange_;
  ShardWork work_;                         // one pass per local shard of the largest share
  std::vector<std::size_t> layer_blocks_;  // work_.blocks()[layer_blocks_[d], layer_blocks_[d+1]) are Dense d's
  std::vector<ShardStats> stats_;          // per shard of the batch
  FloatBuffer grads_;                      // the model's layout
};

}  // namespace trenchcoat::nn::detail
