#include "exchanged_gradient.hpp"

#include <algorithm>
#include <cmath>

#include "gradient_bound.hpp"
#include "parallel.hpp"
#include "parameter_update.hpp"
#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

ExchangedGradient::ExchangedGradient(const Context& ctx, const Model& model, std::int64_t max_batch,
                                     GradientExchange& exchange)
    : exchange_(&exchange),
      layout_(&model.layout()),
      workers_(ctx),
      grads_(static_cast<std::size_t>(model.layout().buffer_size())) {
  // The last batch of an epoch is shorter, and its share may differ: size for the
  // largest share of any batch up to max_batch.
  const std::int64_t max_shards = shard_count(max_batch);
  std::int64_t local = 0;
  for (std::int64_t n = 1; n <= max_shards; ++n) local = std::max(local, exchange.local_shards(n).size());
  passes_.reserve(static_cast<std::size_t>(local));
  for (std::int64_t s = 0; s < local; ++s) passes_.emplace_back(model.spec(), kShardRows);
  blocks_ = plan_gradient_blocks(*layout_, std::max<std::int64_t>(1, local));
  // plan_gradient_blocks lists each layer's blocks together, layer by layer.
  layer_blocks_.assign(layout_->dense().size() + 1, blocks_.size());
  for (std::size_t b = blocks_.size(); b-- > 0;) layer_blocks_[blocks_[b].dense] = b;
  std::int64_t widest = 0;
  for (const DenseSlot& d : layout_->dense()) widest = std::max(widest, d.out);
  block_stride_ = (largest_block_floats(*layout_, blocks_) + widest + 15) / 16 * 16;
  for (int slot = 0; slot < workers_.size(); ++slot) {
    scratch_.emplace_back(static_cast<std::size_t>(block_stride_ * std::max<std::int64_t>(1, local)));
    leaf_pointers_.emplace_back(static_cast<std::size_t>(local));
  }
  stats_.resize(static_cast<std::size_t>(max_shards));
}

GradientResult ExchangedGradient::compute(Context& ctx, const Model& model, const BatchRequest& request) {
  const Dataset& data = *request.data;
  const std::span<const std::int64_t> indices = request.rows;
  const auto batch = static_cast<std::int64_t>(indices.size());
  const std::int64_t shards = shard_count(batch);
  const ShardRange local = exchange_->local_shards(shards);
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  const bool classify = data.is_classification();

  for_each_task(ctx, local.size(), [&](std::int64_t i) {
    const std::int64_t s = local.begin + i;
    const Shard sh = shard_bounds(batch, s);
    Context& worker = workers_.current(ctx);
    BatchPass& pass = passes_[static_cast<std::size_t>(i)];
    pass.gather_rows(data, indices.subspan(static_cast<std::size_t>(sh.begin), static_cast<std::size_t>(sh.rows())),
                     0, sh.rows());
    const Batch b = pass.gathered(data, sh.rows());
    const ConstMatrixView out = pass.forward(worker, model, b.x);
    ShardStats& st = stats_[static_cast<std::size_t>(s)];
    st.correct = classify ? count_correct(out, b.targets.labels) : 0;
    st.loss = pass.loss(worker, model, b.targets, scale);
    pass.backward_data(worker, model);
    const Shard next = shard_bounds(static_cast<std::int64_t>(request.next_rows.size()), s);
    if (next.rows() > 0) {
      prefetch_rows(data, request.next_rows.subspan(static_cast<std::size_t>(next.begin),
                                                    static_cast<std::size_t>(next.rows())));
    }
    const GradientBound bound = gradient_bound(pass, b.x, request.input_bound);
    st.bound = bound.per_row;
    st.finite = bound.finite ? 1 : 0;
  });

  const std::span<ShardStats> all(stats_.data(), static_cast<std::size_t>(shards));
  exchange_->share_stats(all);
  GradientResult r;
  double bound = 0.0;
  for (const ShardStats& st : all) {  // shard order, as DataParallelGradient sums them
    r.loss_sum += st.loss;
    r.correct += st.correct;
    r.gradient_finite = r.gradient_finite && st.finite != 0;
    bound = std::max(bound, st.bound);
  }
  r.gradient_finite = r.gradient_finite && gradient_is_safe(bound, batch);
  // Every rank saw the same statistics, so either all combine or none does.
  if (!r.gradient_finite || !std::isfinite(r.loss_sum)) return r;
  sum_and_combine(ctx, local.size(), shards);
  return r;
}

void ExchangedGradient::sum_and_combine(const Context& ctx, std::int64_t local_shards, std::int64_t shards) {
  if (exchange_->ranks() == 1) {
    // Nothing to overlap with: one parallel loop over every block.
    for_each_task(ctx, static_cast<std::int64_t>(blocks_.size()), [&](std::int64_t b) {
      sum_block(ctx, blocks_[static_cast<std::size_t>(b)], local_shards);
    });
    return;
  }
  const std::span<const DenseSlot> dense = layout_->dense();
  for (std::size_t d = dense.size(); d-- > 0;) {
    // Dense d's weights, its bias and the padding up to the next layer's weights.
    const std::int64_t begin = dense[d].weight_offset;
    const std::int64_t end = d + 1 < dense.size() ? dense[d + 1].weight_offset : layout_->buffer_size();
    const std::span<float> segment =
        grads_.span().subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
    if (local_shards == 0) {
      // A rank without shards adds nothing (the fast mode's sum still counts it).
      std::fill(segment.begin(), segment.end(), 0.0f);
    } else {
      const std::size_t first = layer_blocks_[d];
      for_each_task(ctx, static_cast<std::int64_t>(layer_blocks_[d + 1] - first), [&](std::int64_t b) {
        sum_block(ctx, blocks_[first + static_cast<std::size_t>(b)], local_shards);
      });
    }
    exchange_->begin_combine(segment, shards);
  }
  exchange_->end_combines();
}

void ExchangedGradient::sum_block(const Context& ctx, const GradientBlock& block, std::int64_t local_shards) {
  const DenseSlot& slot = layout_->dense()[block.dense];
  const int thread = ctx.current_slot();
  Context& worker = workers_.at(thread);
  float* scratch = scratch_[static_cast<std::size_t>(thread)].data();
  const std::int64_t rows = block.row_end - block.row_begin;
  const std::int64_t n = slot.out;
  const std::int64_t weights = rows * n;
  std::vector<const float*>& leaves = leaf_pointers_[static_cast<std::size_t>(thread)];
  const std::span<const float* const> parts(leaves.data(), static_cast<std::size_t>(local_shards));

  // This block's rows of every local shard's weight gradient, X_s[:, rows]^T dY_s,
  // by the same GEMM call as the single-process step.
  for (std::int64_t i = 0; i < local_shards; ++i) {
    float* part = scratch + i * block_stride_;
    leaves[static_cast<std::size_t>(i)] = part;
    const BatchPass& pass = passes_[static_cast<std::size_t>(i)];
    const ConstMatrixView x = pass.dense_input(block.dense);
    const ConstMatrixView dy = pass.dense_output_grad(block.dense);
    gemm(worker, Trans::T, Trans::N, rows, n, x.rows, 1.0f, x.data + block.row_begin, x.stride, dy.data, dy.stride,
         0.0f, part, n);
  }
  tree_sum(parts, 0, weights, grads_.data() + slot.weight_offset + block.row_begin * n);

  if (!block.bias) return;
  for (std::int64_t i = 0; i < local_shards; ++i) {
    float* part = scratch + i * block_stride_ + weights;
    leaves[static_cast<std::size_t>(i)] = part;
    bias_backward(worker, passes_[static_cast<std::size_t>(i)].dense_output_grad(block.dense),
                  {part, static_cast<std::size_t>(n)});
  }
  tree_sum(parts, 0, n, grads_.data() + slot.bias_offset);
}

void ExchangedGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                              std::span<float> params) {
  apply_update(ctx, optimizer, c, params, grads_.span());
}

}  // namespace trenchcoat::nn::detail
