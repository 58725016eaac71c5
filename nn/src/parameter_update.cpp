#include "parameter_update.hpp"

#include <atomic>
#include <cstring>

#include "parallel.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

bool all_finite(const float* data, std::int64_t n) noexcept {
  // NaN and Inf are exactly the values whose exponent bits are all ones. Testing
  // them with integer operations lets the compiler vectorise the loop (a float
  // comparison reduction would not be, without -ffast-math).
  std::uint32_t bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, data + i, sizeof(bits));
    bad |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

bool gradients_finite(const Context& ctx, std::span<const float> grads) {
  std::atomic<bool> finite{true};
  for_each_block(ctx, static_cast<std::int64_t>(grads.size()), kSweepBlock, [&](std::int64_t begin, std::int64_t end) {
    if (!all_finite(grads.data() + begin, end - begin)) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

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
