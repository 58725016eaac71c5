#include "exchanged_gradient.hpp"

#include <algorithm>
#include <cmath>

#include "parallel.hpp"
#include "parameter_update.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

namespace {

// The most shards this rank computes in any batch up to max_batch: the last batch
// of an epoch is shorter, and its share may differ.
std::int64_t largest_share(const GradientExchange& exchange, std::int64_t max_batch) {
  std::int64_t local = 0;
  for (std::int64_t n = 1; n <= shard_count(max_batch); ++n) local = std::max(local, exchange.local_shards(n).size());
  return local;
}

}  // namespace

ExchangedGradient::ExchangedGradient(const Context& ctx, const Model& model, std::int64_t max_batch,
                                     GradientExchange& exchange)
    : exchange_(&exchange),
      work_(ctx, model, largest_share(exchange, max_batch)),
      grads_(static_cast<std::size_t>(model.layout().buffer_size())) {
  const std::vector<GradientBlock>& blocks = work_.blocks();
  // plan_gradient_blocks lists each layer's blocks together, layer by layer.
  layer_blocks_.assign(work_.layout().dense().size() + 1, blocks.size());
  for (std::size_t b = blocks.size(); b-- > 0;) layer_blocks_[blocks[b].dense] = b;
  stats_.resize(static_cast<std::size_t>(shard_count(max_batch)));
}

GradientResult ExchangedGradient::compute(Context& ctx, const Model& model, const BatchRequest& request) {
  const auto batch = static_cast<std::int64_t>(request.rows.size());
  const std::int64_t shards = shard_count(batch);
  const ShardRange local = exchange_->local_shards(shards);
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  const bool classify = request.data->is_classification();

  for_each_task(ctx, local.size(), [&](std::int64_t i) {
    const std::int64_t s = local.begin + i;
    stats_[static_cast<std::size_t>(s)] = work_.run_shard(ctx, model, request, s, static_cast<std::size_t>(i), scale,
                                                          classify);
  });

  const std::span<ShardStats> all(stats_.data(), static_cast<std::size_t>(shards));
  exchange_->share_stats(all);
  // Shard order, as DataParallelGradient adds them; every rank saw the same
  // statistics, so either all combine or none does.
  const GradientResult r = total_shard_stats(all, batch);
  if (!r.gradient_finite || !std::isfinite(r.loss_sum)) return r;
  sum_and_combine(ctx, local.size(), shards);
  return r;
}

void ExchangedGradient::sum_and_combine(const Context& ctx, std::int64_t local_shards, std::int64_t shards) {
  if (exchange_->ranks() == 1) {
    // Nothing to overlap with: one parallel loop over every block.
    const std::vector<GradientBlock>& blocks = work_.blocks();
    for_each_task(ctx, static_cast<std::int64_t>(blocks.size()), [&](std::int64_t b) {
      sum_block(ctx, blocks[static_cast<std::size_t>(b)], local_shards);
    });
    return;
  }
  const ParameterLayout& layout = work_.layout();
  const std::span<const DenseSlot> dense = layout.dense();
  for (std::size_t d = dense.size(); d-- > 0;) {
    // Dense d's weights, its bias and the padding up to the next layer's weights.
    const std::int64_t begin = dense[d].weight_offset;
    const std::int64_t end = d + 1 < dense.size() ? dense[d + 1].weight_offset : layout.buffer_size();
    const std::span<float> segment =
        grads_.span().subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
    if (local_shards == 0) {
      // A rank without shards adds nothing (the fast mode's sum still counts it).
      std::fill(segment.begin(), segment.end(), 0.0f);
    } else {
      const std::size_t first = layer_blocks_[d];
      for_each_task(ctx, static_cast<std::int64_t>(layer_blocks_[d + 1] - first), [&](std::int64_t b) {
        sum_block(ctx, work_.blocks()[first + static_cast<std::size_t>(b)], local_shards);
      });
    }
    exchange_->begin_combine(segment, shards);
  }
  exchange_->end_combines();
}

void ExchangedGradient::sum_block(const Context& ctx, const GradientBlock& block, std::int64_t local_shards) {
  const DenseSlot& slot = work_.layout().dense()[block.dense];
  const std::int64_t n = slot.out;
  const std::int64_t weights = (block.row_end - block.row_begin) * n;
  // This block's rows of every local shard's weight gradient, by the same GEMM calls
  // as the single-process step, summed by the same tree; then its bias's.
  tree_sum(work_.weight_parts(ctx, block, local_shards), 0, weights,
           grads_.data() + slot.weight_offset + block.row_begin * n);
  if (!block.bias) return;
  tree_sum(work_.bias_parts(ctx, block, local_shards), 0, n, grads_.data() + slot.bias_offset);
}

void ExchangedGradient::set_profiler(StepProfiler* p) noexcept {
  profiler_ = p;
  work_.set_profiler(p);
}

void ExchangedGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                              std::span<float> params) {
  apply_update(ctx, optimizer, c, params, grads_.span());
}

}  // namespace trenchcoat::nn::detail
