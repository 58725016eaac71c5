#include "trenchcoat/nn/sharding.hpp"

#include <algorithm>
#include <bit>

namespace trenchcoat::nn {
namespace {

// Elements summed per pass: the recursion's partial sums (one block per tree level)
// stay in L1 while the shard buffers stream through once.
constexpr std::int64_t kTreeBlock = 1024;

// The tree over n buffers at offset `at`, for `len` <= kTreeBlock elements. The
// tree of sharding.hpp, written recursively: the left subtree is the largest power
// of two below n, so ((g0+g1)+(g2+g3)) + (g4+g5) for n = 6, exactly as the
// level-by-level description pairs them. Up to four buffers are summed in one pass
// from memory; larger trees combine subtrees through an L1 block on the stack.
void tree_block(const float* const* g, std::int64_t n, std::int64_t at, std::int64_t len, float* out) noexcept {
  switch (n) {
    case 1:
      if (out != g[0] + at) std::copy_n(g[0] + at, len, out);
      return;
    case 2:
      for (std::int64_t i = 0; i < len; ++i) out[i] = g[0][at + i] + g[1][at + i];
      return;
    case 3:
      for (std::int64_t i = 0; i < len; ++i) out[i] = (g[0][at + i] + g[1][at + i]) + g[2][at + i];
      return;
    case 4:
      for (std::int64_t i = 0; i < len; ++i) {
        out[i] = (g[0][at + i] + g[1][at + i]) + (g[2][at + i] + g[3][at + i]);
      }
      return;
    default: {
      const auto left = static_cast<std::int64_t>(std::bit_floor(static_cast<std::uint64_t>(n - 1)));
      float right[kTreeBlock];
      tree_block(g, left, at, len, out);
      tree_block(g + left, n - left, at, len, right);
      for (std::int64_t i = 0; i < len; ++i) out[i] += right[i];
    }
  }
}

}  // namespace

std::int64_t shard_count(std::int64_t batch_rows) noexcept {
  return batch_rows <= 0 ? 0 : (batch_rows + kShardRows - 1) / kShardRows;
}

Shard shard_bounds(std::int64_t batch_rows, std::int64_t index) noexcept {
  const std::int64_t begin = index * kShardRows;
  return Shard{begin, std::min(batch_rows, begin + kShardRows)};
}

void tree_sum(std::span<const float* const> buffers, std::int64_t begin, std::int64_t end, float* out) noexcept {
  const auto n = static_cast<std::int64_t>(buffers.size());
  if (n == 0) return;
  for (std::int64_t at = begin; at < end; at += kTreeBlock) {
    tree_block(buffers.data(), n, at, std::min(kTreeBlock, end - at), out + (at - begin));
  }
}

void pairwise_sum(std::span<float* const> buffers, std::int64_t begin, std::int64_t end) noexcept {
  if (buffers.empty()) return;
  const std::span<const float* const> in(buffers.data(), buffers.size());
  tree_sum(in, begin, end, buffers[0] + begin);
}

}  // namespace trenchcoat::nn
