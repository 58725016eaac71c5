#pragma once
// The sweeps over parameter-shaped buffers that close a training step: summing the
// shards' gradients, checking them, applying the optimizer. All are element-wise,
// split into blocks across the Context's threads; call them inside ctx.run().

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/optimizer.hpp"

namespace trenchcoat::nn::detail {

// Elements per block. Summing 4 shard buffers touches 4 x 8 KiB per block, which
// stays in L1 while the tree's passes run over it.
inline constexpr std::int64_t kSweepBlock = 2048;

// True when no element of [data, data + n) is NaN or Inf.
bool all_finite(const float* data, std::int64_t n) noexcept;

// The pairwise tree sum of `buffers` (sharding.hpp) into buffers[0], over `size`
// elements; returns whether every element of the sum is finite.
bool reduce_gradients(const Context& ctx, std::span<float* const> buffers, std::int64_t size);

// Whether every element of `grads` is finite (the op-parallel step has no reduction
// to fold the check into).
bool gradients_finite(const Context& ctx, std::span<const float> grads);

// One optimizer step over the whole buffer.
void apply_update(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c, std::span<float> params,
                  std::span<const float> grads);

}  // namespace trenchcoat::nn::detail
