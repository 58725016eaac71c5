#include <cmath>

#include "batch_gradient.hpp"
#include "parallel.hpp"
#include "parameter_update.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

DataParallelGradient::DataParallelGradient(const Context& ctx, const Model& model, std::int64_t max_batch)
    : workers_(ctx) {
  const std::int64_t shards = shard_count(max_batch);
  passes_.reserve(static_cast<std::size_t>(workers_.size()));
  for (int slot = 0; slot < workers_.size(); ++slot) passes_.emplace_back(model.spec(), kShardRows);
  for (std::int64_t s = 0; s < shards; ++s) {
    shard_grads_.emplace_back(static_cast<std::size_t>(model.layout().buffer_size()));
    shard_grad_ptrs_.push_back(shard_grads_.back().data());
  }
  shard_loss_.resize(static_cast<std::size_t>(shards));
  shard_correct_.resize(static_cast<std::size_t>(shards));
  shard_finite_.resize(static_cast<std::size_t>(shards));
}

GradientResult DataParallelGradient::compute(Context& ctx, const Model& model, const Dataset& data,
                                             std::span<const std::int64_t> indices) {
  const auto batch = static_cast<std::int64_t>(indices.size());
  const std::int64_t shards = shard_count(batch);
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  const bool classify = data.is_classification();

  for_each_task(ctx, shards, [&](std::int64_t s) {
    const Shard sh = shard_bounds(batch, s);
    Context& worker = workers_.current(ctx);
    BatchPass& pass = passes_[static_cast<std::size_t>(ctx.current_slot())];
    // The trainer has checked the dataset and the indices once for the whole epoch.
    pass.gather_rows(data, indices.subspan(static_cast<std::size_t>(sh.begin), static_cast<std::size_t>(sh.rows())),
                     0, sh.rows());
    const Batch b = pass.gathered(data, sh.rows());
    const ConstMatrixView out = pass.forward(worker, model, b.x);
    shard_correct_[static_cast<std::size_t>(s)] = classify ? count_correct(out, b.targets.labels) : 0;
    shard_loss_[static_cast<std::size_t>(s)] = pass.loss(worker, model, b.targets, scale);
    FloatBuffer& grads = shard_grads_[static_cast<std::size_t>(s)];
    pass.backward(worker, model, grads.span());
    // Checked now, while the GEMMs' output is still in this core's cache, so that a
    // NaN or Inf stops the step before anything is updated.
    shard_finite_[static_cast<std::size_t>(s)] = all_finite(grads.data(), static_cast<std::int64_t>(grads.size()));
  });

  GradientResult r;
  for (std::int64_t s = 0; s < shards; ++s) {  // shard order, whoever computed them
    r.loss_sum += shard_loss_[static_cast<std::size_t>(s)];
    r.correct += shard_correct_[static_cast<std::size_t>(s)];
    r.gradient_finite = r.gradient_finite && shard_finite_[static_cast<std::size_t>(s)] != 0;
  }
  shards_ = shards;
  return r;
}

bool DataParallelGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                                 std::span<float> params) {
  return reduce_and_update(ctx, optimizer, c, params,
                           std::span<const float* const>(shard_grad_ptrs_.data(), static_cast<std::size_t>(shards_)));
}

}  // namespace trenchcoat::nn::detail
