#include <cmath>

#include "batch_gradient.hpp"
#include "gradient_bound.hpp"
#include "parallel.hpp"
#include "parameter_update.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

OpParallelGradient::OpParallelGradient(const Model& model, std::int64_t max_batch)
    : pass_(model.spec(), max_batch), grads_(static_cast<std::size_t>(model.layout().buffer_size())) {}

GradientResult OpParallelGradient::compute(Context& ctx, const Model& model, const BatchRequest& request) {
  const Dataset& data = *request.data;
  const std::span<const std::int64_t> indices = request.rows;
  const auto batch = static_cast<std::int64_t>(indices.size());
  // Copying the batch's rows is the one step the kernels do not split; blocks of
  // kShardRows rows spread it over the threads.
  for_each_task(ctx, shard_count(batch), [&](std::int64_t s) {
    const Shard sh = shard_bounds(batch, s);
    pass_.gather_rows(data, indices, sh.begin, sh.end);
  });
  const Batch b = pass_.gathered(data, batch);
  const ConstMatrixView out = pass_.forward(ctx, model, b.x);
  GradientResult r;
  r.correct = data.is_classification() ? count_correct(out, b.targets.labels) : 0;
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  r.loss_sum = pass_.loss(ctx, model, b.targets, scale);
  if (!std::isfinite(r.loss_sum)) return r;
  pass_.backward(ctx, model, grads_.span());
  const GradientBound bound = gradient_bound(pass_, b.x, request.input_bound);
  r.gradient_finite = bound.finite && gradient_is_safe(bound.per_row, batch);
  return r;
}

void OpParallelGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                               std::span<float> params) {
  apply_update(ctx, optimizer, c, params, grads_.span());
}

}  // namespace trenchcoat::nn::detail
