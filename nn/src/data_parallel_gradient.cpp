#include <algorithm>

#include "batch_gradient.hpp"
#include "parallel.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

DataParallelGradient::DataParallelGradient(const Context& ctx, const Model& model, std::int64_t max_batch)
    : work_(ctx, model, shard_count(max_batch)), stats_(static_cast<std::size_t>(shard_count(max_batch))) {}

GradientResult DataParallelGradient::compute(Context& ctx, const Model& model, const BatchRequest& request) {
  const auto batch = static_cast<std::int64_t>(request.rows.size());
  const std::int64_t shards = shard_count(batch);
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  const bool classify = request.data->is_classification();

  for_each_task(ctx, shards, [&](std::int64_t s) {
    stats_[static_cast<std::size_t>(s)] = work_.run_shard(ctx, model, request, s, static_cast<std::size_t>(s), scale,
                                                          classify);
  });
  shards_ = shards;
  return total_shard_stats({stats_.data(), static_cast<std::size_t>(shards)}, batch);
}

void DataParallelGradient::update_block(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                                        std::span<float> params, const GradientBlock& block) {
  const DenseSlot& slot = work_.layout().dense()[block.dense];
  const std::int64_t n = slot.out;
  const std::int64_t weights = (block.row_end - block.row_begin) * n;
  const auto layer = static_cast<int>(block.dense);

  // Sums a range of the shards' parts by the tree and updates the parameters from
  // it, a chunk at a time so that each chunk's sum is still in L1 when the optimizer
  // reads it (the parts are read once, from L2; the sum never leaves L1).
  auto sum_and_update = [&](std::span<const float* const> leaves, std::int64_t length, std::int64_t param_offset) {
    constexpr std::int64_t kChunk = 1024;
    float sum[kChunk];
    const double state_streams = 2.0 * optimizer.state_count();
    for (std::int64_t at = 0; at < length; at += kChunk) {
      const std::int64_t len = std::min(kChunk, length - at);
      const auto lenf = static_cast<double>(len);
      {
        const ProfileScope timed(profiler_, StepPhase::reduction, layer, 0.0,
                                 4.0 * lenf * static_cast<double>(shards_ + 1));
        tree_sum(leaves, at, at + len, sum);
      }
      const ProfileScope timed(profiler_, StepPhase::optimizer, layer, 0.0, 4.0 * lenf * (3.0 + state_streams));
      optimizer.update_block(c, params, param_offset + at, {sum, static_cast<std::size_t>(len)});
    }
  };

  // This block's rows of every shard's weight gradient, X_s[:, rows]^T dY_s, then
  // its bias's.
  sum_and_update(work_.weight_parts(ctx, block, shards_), weights, slot.weight_offset + block.row_begin * n);
  if (!block.bias) return;
  sum_and_update(work_.bias_parts(ctx, block, shards_), n, slot.bias_offset);
}

void DataParallelGradient::set_profiler(StepProfiler* p) noexcept {
  profiler_ = p;
  work_.set_profiler(p);
}

void DataParallelGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                                 std::span<float> params) {
  const std::vector<GradientBlock>& blocks = work_.blocks();
  for_each_task(ctx, static_cast<std::int64_t>(blocks.size()), [&](std::int64_t b) {
    update_block(ctx, optimizer, c, params, blocks[static_cast<std::size_t>(b)]);
  });
}

}  // namespace trenchcoat::nn::detail
