#include "shard_work.hpp"

#include <algorithm>

#include "batch_gradient.hpp"
#include "gradient_bound.hpp"
#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

ShardWork::ShardWork(const Context& ctx, const Model& model, std::int64_t passes)
    : layout_(&model.layout()), workers_(ctx) {
  const std::int64_t planned = std::max<std::int64_t>(1, passes);
  passes_.reserve(static_cast<std::size_t>(passes));
  for (std::int64_t s = 0; s < passes; ++s) passes_.emplace_back(model.spec(), kShardRows);
  blocks_ = plan_gradient_blocks(*layout_, planned);
  std::int64_t widest = 0;
  for (const DenseSlot& d : layout_->dense()) widest = std::max(widest, d.out);
  // A shard's part of a slot's scratch: the block's weight gradient, then a bias's.
  block_stride_ = (largest_block_floats(*layout_, blocks_) + widest + 15) / 16 * 16;
  for (int slot = 0; slot < workers_.size(); ++slot) {
    scratch_.emplace_back(static_cast<std::size_t>(block_stride_ * planned));
    leaf_pointers_.emplace_back(static_cast<std::size_t>(planned));
  }
}

ShardStats ShardWork::run_shard(Context& ctx, const Model& model, const BatchRequest& request, std::int64_t shard,
                                std::size_t pass_index, float scale, bool classify) {
  const Dataset& data = *request.data;
  const Shard sh = shard_bounds(static_cast<std::int64_t>(request.rows.size()), shard);
  Context& worker = workers_.current(ctx);
  BatchPass& pass = passes_[pass_index];
  // The trainer has checked the dataset and the indices once for the whole epoch.
  {
    const ProfileScope timed(profiler_, StepPhase::gather, -1, 0.0, gather_bytes(data, sh.rows(), request.from_bytes));
    pass.gather_rows(data,
                     request.rows.subspan(static_cast<std::size_t>(sh.begin), static_cast<std::size_t>(sh.rows())), 0,
                     sh.rows(), request.from_bytes);
  }
  const Batch b = pass.gathered(data, sh.rows());
  const ConstMatrixView out = pass.forward(worker, model, b.x);
  ShardStats st;
  st.correct = classify ? count_correct(out, b.targets.labels) : 0;
  st.loss = pass.loss(worker, model, b.targets, scale);
  pass.backward_data(worker, model);
  // The same shard of the next batch: its rows are far apart in a dataset much
  // larger than the caches; asked for now, they are near when the next step
  // gathers them.
  const Shard next = shard_bounds(static_cast<std::int64_t>(request.next_rows.size()), shard);
  if (next.rows() > 0) {
    prefetch_rows(data, request.next_rows.subspan(static_cast<std::size_t>(next.begin),
                                                  static_cast<std::size_t>(next.rows())),
                  request.from_bytes);
  }
  const ProfileScope timed(profiler_, StepPhase::gradient_check);
  const GradientBound bound = gradient_bound(pass, b.x, request.input_bound);
  st.bound = bound.per_row;
  st.finite = bound.finite ? 1 : 0;
  return st;
}

ShardWork::ThreadSlot ShardWork::thread_slot(const Context& ctx) {
  const int thread = ctx.current_slot();
  return {workers_.at(thread), scratch_[static_cast<std::size_t>(thread)].data(),
          leaf_pointers_[static_cast<std::size_t>(thread)]};
}

std::span<const float* const> ShardWork::weight_parts(const Context& ctx, const GradientBlock& block,
                                                      std::int64_t count) {
  const ThreadSlot t = thread_slot(ctx);
  const std::int64_t rows = block.row_end - block.row_begin;
  const std::int64_t n = layout_->dense()[block.dense].out;
  const auto layer = static_cast<int>(block.dense);
  for (std::int64_t s = 0; s < count; ++s) {
    float* part = t.scratch + s * block_stride_;
    t.leaves[static_cast<std::size_t>(s)] = part;
    const BatchPass& pass = passes_[static_cast<std::size_t>(s)];
    const ConstMatrixView x = pass.dense_input(block.dense);
    const ConstMatrixView dy = pass.dense_output_grad(block.dense);
    const ProfileScope timed(profiler_, StepPhase::weight_gradient, layer,
                             2.0 * static_cast<double>(rows * n * x.rows));
    gemm(t.worker, Trans::T, Trans::N, rows, n, x.rows, 1.0f, x.data + block.row_begin, x.stride, dy.data, dy.stride,
         0.0f, part, n);
  }
  return {t.leaves.data(), static_cast<std::size_t>(count)};
}

std::span<const float* const> ShardWork::bias_parts(const Context& ctx, const GradientBlock& block,
                                                    std::int64_t count) {
  const ThreadSlot t = thread_slot(ctx);
  const std::int64_t n = layout_->dense()[block.dense].out;
  const std::int64_t weights = (block.row_end - block.row_begin) * n;
  const auto layer = static_cast<int>(block.dense);
  for (std::int64_t s = 0; s < count; ++s) {
    float* part = t.scratch + s * block_stride_ + weights;
    t.leaves[static_cast<std::size_t>(s)] = part;
    const ConstMatrixView dy = passes_[static_cast<std::size_t>(s)].dense_output_grad(block.dense);
    const ProfileScope timed(profiler_, StepPhase::bias_gradient, layer, 0.0,
                             4.0 * static_cast<double>((dy.rows + 1) * n));
    bias_backward(t.worker, dy, {part, static_cast<std::size_t>(n)});
  }
  return {t.leaves.data(), static_cast<std::size_t>(count)};
}

void ShardWork::set_profiler(StepProfiler* p) noexcept {
  profiler_ = p;
  for (BatchPass& pass : passes_) pass.set_profiler(p);
}

GradientResult total_shard_stats(std::span<const ShardStats> stats, std::int64_t batch) {
  GradientResult r;
  double bound = 0.0;
  for (const ShardStats& st : stats) {  // shard order, whoever computed them
    r.loss_sum += st.loss;
    r.correct += st.correct;
    r.gradient_finite = r.gradient_finite && st.finite != 0;
    bound = std::max(bound, st.bound);
  }
  r.gradient_finite = r.gradient_finite && gradient_is_safe(bound, batch);
  return r;
}

}  // namespace trenchcoat::nn::detail
