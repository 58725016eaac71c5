#include "parameter_update.hpp"

#include <atomic>

#include "float_checks.hpp"
#include "parallel.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

bool reduce_and_update(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                       std::span<float> params, std::span<const float* const> shard_grads) {
  std::atomic<bool> finite{true};
  for_each_block(ctx, static_cast<std::int64_t>(params.size()), kSweepBlock, [&](std::int64_t begin, std::int64_t end) {
    const std::int64_t len = end - begin;
    const float* grad = shard_grads[0] + begin;
    float sum[kSweepBlock];
    if (shard_grads.size() > 1) {
      tree_sum(shard_grads, begin, end, sum);
      grad = sum;
    }
    if (!all_finite(grad, len)) finite.store(false, std::memory_order_relaxed);
    optimizer.update_block(c, params, begin, {grad, static_cast<std::size_t>(len)});
  });
  return finite.load();
}

}  // namespace trenchcoat::nn::detail
