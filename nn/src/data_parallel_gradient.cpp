#include <algorithm>
#include <cmath>

#include "batch_gradient.hpp"
#include "gradient_bound.hpp"
#include "parallel.hpp"
#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

DataParallelGradient::DataParallelGradient(const Context& ctx, const Model& model, std::int64_t max_batch)
    : layout_(&model.layout()), workers_(ctx), max_shards_(shard_count(max_batch)) {
  const std::int64_t shards = max_shards_;
  passes_.reserve(static_cast<std::size_t>(shards));
  for (std::int64_t s = 0; s < shards; ++s) passes_.emplace_back(model.spec(), kShardRows);
  blocks_ = plan_gradient_blocks(*layout_, shards);
  std::int64_t widest = 0;
  for (const DenseSlot& d : layout_->dense()) widest = std::max(widest, d.out);
  // A shard's part of a slot's scratch: the block's weight gradient, then a bias's.
  block_stride_ = (largest_block_floats(*layout_, blocks_) + widest + 15) / 16 * 16;
  for (int slot = 0; slot < workers_.size(); ++slot) {
    scratch_.emplace_back(static_cast<std::size_t>(block_stride_ * shards));
    leaf_pointers_.emplace_back(static_cast<std::size_t>(shards));
  }
  shard_loss_.resize(static_cast<std::size_t>(shards));
  shard_correct_.resize(static_cast<std::size_t>(shards));
  shard_bound_.resize(static_cast<std::size_t>(shards));
  shard_finite_.resize(static_cast<std::size_t>(shards));
}

GradientResult DataParallelGradient::compute(Context& ctx, const Model& model, const BatchRequest& request) {
  const Dataset& data = *request.data;
  const std::span<const std::int64_t> indices = request.rows;
  const auto batch = static_cast<std::int64_t>(indices.size());
  const std::int64_t shards = shard_count(batch);
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  const bool classify = data.is_classification();

  for_each_task(ctx, shards, [&](std::int64_t s) {
    const auto k = static_cast<std::size_t>(s);
    const Shard sh = shard_bounds(batch, s);
    Context& worker = workers_.current(ctx);
    BatchPass& pass = passes_[k];
    // The trainer has checked the dataset and the indices once for the whole epoch.
    {
      const ProfileScope timed(profiler_, StepPhase::gather, -1, 0.0, gather_bytes(data, sh.rows()));
      pass.gather_rows(data, indices.subspan(static_cast<std::size_t>(sh.begin), static_cast<std::size_t>(sh.rows())),
                       0, sh.rows());
    }
    const Batch b = pass.gathered(data, sh.rows());
    const ConstMatrixView out = pass.forward(worker, model, b.x);
    shard_correct_[k] = classify ? count_correct(out, b.targets.labels) : 0;
    shard_loss_[k] = pass.loss(worker, model, b.targets, scale);
    pass.backward_data(worker, model);
    // The same shard of the next batch: its rows are far apart in a dataset much
    // larger than the caches; asked for now, they are near when the next step
    // gathers them.
    const Shard next = shard_bounds(static_cast<std::int64_t>(request.next_rows.size()), s);
    if (next.rows() > 0) {
      prefetch_rows(data, request.next_rows.subspan(static_cast<std::size_t>(next.begin),
                                                    static_cast<std::size_t>(next.rows())));
    }
    const ProfileScope timed(profiler_, StepPhase::gradient_check);
    const GradientBound bound = gradient_bound(pass, b.x, request.input_bound);
    shard_bound_[k] = bound.per_row;
    shard_finite_[k] = bound.finite ? 1 : 0;
  });

  GradientResult r;
  double bound = 0.0;
  for (std::int64_t s = 0; s < shards; ++s) {  // shard order, whoever computed them
    const auto k = static_cast<std::size_t>(s);
    r.loss_sum += shard_loss_[k];
    r.correct += shard_correct_[k];
    r.gradient_finite = r.gradient_finite && shard_finite_[k] != 0;
    bound = std::max(bound, shard_bound_[k]);
  }
  r.gradient_finite = r.gradient_finite && gradient_is_safe(bound, batch);
  shards_ = shards;
  return r;
}

void DataParallelGradient::update_block(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                                        std::span<float> params, const GradientBlock& block) {
  const DenseSlot& slot = layout_->dense()[block.dense];
  const int thread = ctx.current_slot();
  Context& worker = workers_.at(thread);
  float* scratch = scratch_[static_cast<std::size_t>(thread)].data();
  const std::int64_t rows = block.row_end - block.row_begin;
  const std::int64_t n = slot.out;
  const std::int64_t weights = rows * n;
  float** part = leaf_pointers_[static_cast<std::size_t>(thread)].data();
  const std::span<const float* const> leaves(part, static_cast<std::size_t>(shards_));
  const auto layer = static_cast<int>(block.dense);

  // Sums a range of the shards' parts by the tree and updates the parameters from
  // it, a chunk at a time so that each chunk's sum is still in L1 when the optimizer
  // reads it (the parts are read once, from L2; the sum never leaves L1).
  auto sum_and_update = [&](std::int64_t length, std::int64_t param_offset) {
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

  // This block's rows of every shard's weight gradient: X_s[:, rows]^T dY_s.
  for (std::int64_t s = 0; s < shards_; ++s) {
    part[s] = scratch + s * block_stride_;
    const BatchPass& pass = passes_[static_cast<std::size_t>(s)];
    const ConstMatrixView x = pass.dense_input(block.dense);
    const ConstMatrixView dy = pass.dense_output_grad(block.dense);
    const ProfileScope timed(profiler_, StepPhase::weight_gradient, layer,
                             2.0 * static_cast<double>(rows * n * x.rows));
    gemm(worker, Trans::T, Trans::N, rows, n, x.rows, 1.0f, x.data + block.row_begin, x.stride, dy.data, dy.stride,
         0.0f, part[s], n);
  }
  sum_and_update(weights, slot.weight_offset + block.row_begin * n);

  if (!block.bias) return;
  for (std::int64_t s = 0; s < shards_; ++s) {
    part[s] += weights;
    const ConstMatrixView dy = passes_[static_cast<std::size_t>(s)].dense_output_grad(block.dense);
    const ProfileScope timed(profiler_, StepPhase::bias_gradient, layer, 0.0,
                             4.0 * static_cast<double>((dy.rows + 1) * n));
    bias_backward(worker, dy, {part[s], static_cast<std::size_t>(n)});
  }
  sum_and_update(n, slot.bias_offset);
}

void DataParallelGradient::set_profiler(StepProfiler* p) noexcept {
  profiler_ = p;
  for (BatchPass& pass : passes_) pass.set_profiler(p);
}

void DataParallelGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                                 std::span<float> params) {
  for_each_task(ctx, static_cast<std::int64_t>(blocks_.size()), [&](std::int64_t b) {
    update_block(ctx, optimizer, c, params, blocks_[static_cast<std::size_t>(b)]);
  });
}

}  // namespace trenchcoat::nn::detail
