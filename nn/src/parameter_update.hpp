#pragma once
// The sweep over parameter-shaped buffers that closes an op-parallel training step:
// (summing gradient buffers by the tree and) applying the optimizer. Element-wise,
// split into blocks across the Context's threads; call it inside ctx.run().

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/optimizer.hpp"

namespace trenchcoat::nn::detail {

// Elements per block of a sweep (a multiple of the tree's own block): 16 KiB of each
// buffer, so a block's summed gradient is still in L1 when the update reads it.
inline constexpr std::int64_t kSweepBlock = 4096;

// One optimizer step whose gradient is the tree sum (sharding.hpp) of `shard_grads`:
// each block is summed into an L1 scratch and updated from there, so the summed
// gradient is never written to memory. Returns false, after the update, if a sum
// was NaN or Inf (possible only when finite shard gradients overflow when added).
bool reduce_and_update(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c,
                       std::span<float> params, std::span<const float* const> shard_grads);

}  // namespace trenchcoat::nn::detail
