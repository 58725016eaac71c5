#include "parameter_update.hpp"

#include "parallel.hpp"

namespace trenchcoat::nn::detail {

void apply_update(const Context& ctx, Optimizer& optimizer, const UpdateCoefficients& c, std::span<float> params,
                  std::span<const float> grads) {
  for_each_block(ctx, static_cast<std::int64_t>(params.size()), kSweepBlock,
                 [&](std::int64_t begin, std::int64_t end) { optimizer.update(c, params, grads, begin, end); });
}

}  // namespace trenchcoat::nn::detail
