#pragma once
// The sweep that closes an op-parallel training step: the optimizer over the whole
// parameter buffer, split into blocks across the Context's threads (element-wise, so
// any split gives the same result). Call it inside ctx.run().

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/optimizer.hpp"

namespace trenchcoat::nn::detail {

// Elements per block: 16 KiB of each buffer the update streams through.
inline constexpr std::int64_t kSweepBlock = 4096;

void apply_update(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c, std::span<float> params,
                  std::span<const float> grads);

}  // namespace trenchcoat::nn::detail
