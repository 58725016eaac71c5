#include <algorithm>
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
  {
    const ProfileScope timed(profiler_, StepPhase::gather, -1, 0.0, gather_bytes(data, batch, request.from_bytes));
    const auto next_rows = static_cast<std::int64_t>(request.next_rows.size());
    for_each_task(ctx, shard_count(batch), [&](std::int64_t s) {
      const Shard sh = shard_bounds(batch, s);
      pass_.gather_rows(data, indices, sh.begin, sh.end, request.from_bytes);
      // The same rows of the next batch: far apart in a dataset much larger than the
      // caches, they would each cost a trip to memory in the next step's gather.
      // Asked for now, they arrive while this step computes (as in the data-parallel
      // step, where each shard asks for its successor's rows).
      const Shard next{std::min(sh.begin, next_rows), std::min(sh.end, next_rows)};
      if (next.rows() > 0) {
        prefetch_rows(data, request.next_rows.subspan(static_cast<std::size_t>(next.begin),
                                                      static_cast<std::size_t>(next.rows())),
                      request.from_bytes);
      }
    });
  }
  const Batch b = pass_.gathered(data, batch);
  const ConstMatrixView out = pass_.forward(ctx, model, b.x);
  GradientResult r;
  r.correct = data.is_classification() ? count_correct(out, b.targets.labels) : 0;
  const auto scale = static_cast<float>(mean_loss_scale(model.spec().head, batch, model.outputs()));
  r.loss_sum = pass_.loss(ctx, model, b.targets, scale);
  if (!std::isfinite(r.loss_sum)) return r;
  pass_.backward(ctx, model, grads_.span());
  const ProfileScope timed(profiler_, StepPhase::gradient_check);
  const GradientBound bound = gradient_bound(pass_, b.x, request.input_bound);
  r.gradient_finite = bound.finite && gradient_is_safe(bound.per_row, batch);
  return r;
}

void OpParallelGradient::apply(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                               std::span<float> params) {
  // Optimizers read the parameters, the gradient and their state, and write the
  // parameters and their state.
  const auto n = static_cast<double>(params.size());
  const double bytes = 4.0 * n * (3.0 + 2.0 * optimizer.state_count());
  const ProfileScope timed(profiler_, StepPhase::optimizer, -1, 0.0, bytes);
  apply_update(ctx, optimizer, c, params, grads_.span());
}

void OpParallelGradient::set_profiler(StepProfiler* p) noexcept {
  profiler_ = p;
  pass_.set_profiler(p);
}

}  // namespace trenchcoat::nn::detail
