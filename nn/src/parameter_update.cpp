#include "parameter_update.hpp"

#include <atomic>
#include <bit>
#include <cstring>

#include "parallel.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn::detail {

bool all_finite(const float* data, std::int64_t n) noexcept {
  // NaN and Inf are exactly the values whose exponent bits are all ones. Counting
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

bool reduce_gradients(const Context& ctx, std::span<float* const> buffers, std::int64_t size) {
  std::atomic<bool> finite{true};
  for_each_block(ctx, size, kSweepBlock, [&](std::int64_t begin, std::int64_t end) {
    pairwise_sum(buffers, begin, end);
    if (!all_finite(buffers[0] + begin, end - begin)) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

bool gradients_finite(const Context& ctx, std::span<const float> grads) {
  std::atomic<bool> finite{true};
  for_each_block(ctx, static_cast<std::int64_t>(grads.size()), kSweepBlock, [&](std::int64_t begin, std::int64_t end) {
    if (!all_finite(grads.data() + begin, end - begin)) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

void apply_update(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c, std::span<float> params,
                  std::span<const float> grads) {
  for_each_block(ctx, static_cast<std::int64_t>(params.size()), kSweepBlock,
                 [&](std::int64_t begin, std::int64_t end) { optimizer.update(c, params, grads, begin, end); });
}

}  // namespace trenchcoat::nn::detail
