#pragma once
// What the two data-parallel steps share: DataParallelGradient (one process) and
// ExchangedGradient (one rank among several) run the same shards through the same
// calls, and must, for their models to be bit-identical. Only what follows the
// per-block GEMMs differs: the single process sums the parts and updates the
// parameters block by block; a rank sums them into a full-size gradient that the
// ranks then combine.
//
// ShardWork owns the per-shard passes, the parameter blocks, and each thread slot's
// worker Context and scratch; it does
//   phase 1, run_shard(): one shard's gather, forward, loss, backward through the
//            activations, prefetch of the next batch's shard, gradient bound;
//   phase 2, weight_parts() / bias_parts(): one block's rows of every shard's
//            weight (bias) gradient into the calling thread's scratch, by the same
//            kernel call for every shard, ready for tree_sum().

#include <cstdint>
#include <span>
#include <vector>

#include "gradient_blocks.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/batch_pass.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/float_buffer.hpp"
#include "trenchcoat/nn/gradient_exchange.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/step_profile.hpp"
#include "worker_contexts.hpp"

namespace trenchcoat::nn::detail {

struct BatchRequest;
struct GradientResult;

class ShardWork {
 public:
  // `passes` BatchPasses (the most shards one step computes here); the blocks are
  // planned for max(1, passes) shards, as both steps always have.
  ShardWork(const Context& ctx, const Model& model, std::int64_t passes);

  // Phase 1 of shard `shard` of the request's batch, on pass `pass`, inside
  // ctx.run() on the calling thread's worker. `scale` is the whole batch's loss
  // scale (mean_loss_scale).
  ShardStats run_shard(Context& ctx, const Model& model, const BatchRequest& request, std::int64_t shard,
                       std::size_t pass, float scale, bool classify);

  // Phase 2: rows [block.row_begin, block.row_end) of passes [0, count)'s weight
  // gradients X_s[:, rows]^T dY_s (rows x out each), into the calling thread's
  // scratch. The result's i-th pointer is pass i's part, valid until the thread's
  // next weight_parts() / bias_parts().
  std::span<const float* const> weight_parts(const Context& ctx, const GradientBlock& block, std::int64_t count);
  // The same for the layer's bias gradient (column sums of dY_s, out floats each),
  // stored beside the weight parts; the returned pointers replace weight_parts()'s.
  std::span<const float* const> bias_parts(const Context& ctx, const GradientBlock& block, std::int64_t count);

  void set_profiler(StepProfiler* p) noexcept;
  const std::vector<GradientBlock>& blocks() const noexcept { return blocks_; }
  const ParameterLayout& layout() const noexcept { return *layout_; }

 private:
  // The calling thread's worker, scratch and part pointers (inside ctx.run()).
  struct ThreadSlot {
    Context& worker;
    float* scratch;
    std::vector<const float*>& leaves;
  };
  ThreadSlot thread_slot(const Context& ctx);

  const ParameterLayout* layout_;
  StepProfiler* profiler_ = nullptr;
  WorkerContexts workers_;
  std::vector<BatchPass> passes_;
  std::vector<GradientBlock> blocks_;
  std::int64_t block_stride_ = 0;                         // floats per shard in a slot's scratch
  std::vector<FloatBuffer> scratch_;                      // one per thread slot
  std::vector<std::vector<const float*>> leaf_pointers_;  // per thread slot: the parts in its scratch
};

// The step's totals from every shard's stats, added in shard order (whoever
// computed them), and the verdict on the whole batch's gradient.
GradientResult total_shard_stats(std::span<const ShardStats> stats, std::int64_t batch);

}  // namespace trenchcoat::nn::detail
