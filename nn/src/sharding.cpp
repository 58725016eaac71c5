#include "trenchcoat/nn/sharding.hpp"

#include <algorithm>

namespace trenchcoat::nn {
namespace {

void add_into(float* __restrict dst, const float* __restrict src, std::int64_t n) noexcept {
  for (std::int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

}  // namespace

std::int64_t shard_count(std::int64_t batch_rows) noexcept {
  return batch_rows <= 0 ? 0 : (batch_rows + kShardRows - 1) / kShardRows;
}

Shard shard_bounds(std::int64_t batch_rows, std::int64_t index) noexcept {
  const std::int64_t begin = index * kShardRows;
  return Shard{begin, std::min(batch_rows, begin + kShardRows)};
}

void pairwise_sum(std::span<float* const> buffers, std::int64_t begin, std::int64_t end) noexcept {
  const auto n = static_cast<std::int64_t>(buffers.size());
  const std::int64_t len = end - begin;
  if (len <= 0) return;
  // Level by level on the caller's block: each pass adds one buffer into another
  // while both are still in L1 when blocks are small (a few thousand floats).
  for (std::int64_t stride = 1; stride < n; stride *= 2) {
    for (std::int64_t i = 0; i + stride < n; i += 2 * stride) {
      add_into(buffers[static_cast<std::size_t>(i)] + begin, buffers[static_cast<std::size_t>(i + stride)] + begin,
               len);
    }
  }
}

}  // namespace trenchcoat::nn
