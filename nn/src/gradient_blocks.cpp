#include "gradient_blocks.hpp"

#include <algorithm>

namespace trenchcoat::nn::detail {

std::vector<GradientBlock> plan_gradient_blocks(const ParameterLayout& layout, std::int64_t shards) {
  const std::int64_t per_shard =
      std::clamp(kBlockScratchFloats / std::max<std::int64_t>(1, shards), kMinBlockFloats, kMaxBlockFloats);
  std::vector<GradientBlock> blocks;
  for (std::size_t d = 0; d < layout.dense().size(); ++d) {
    const DenseSlot& s = layout.dense()[d];
    // Blocks of (nearly) equal height, so no block is a sliver.
    const std::int64_t count = std::max<std::int64_t>(1, (s.in * s.out + per_shard - 1) / per_shard);
    const std::int64_t rows = (s.in + count - 1) / count;
    for (std::int64_t r = 0; r < s.in; r += rows) {
      blocks.push_back(GradientBlock{d, r, std::min(s.in, r + rows), r == 0});
    }
  }
  return blocks;
}

std::int64_t largest_block_floats(const ParameterLayout& layout, const std::vector<GradientBlock>& blocks) {
  std::int64_t largest = 0;
  for (const GradientBlock& b : blocks) {
    largest = std::max(largest, (b.row_end - b.row_begin) * layout.dense()[b.dense].out);
  }
  return largest;
}

}  // namespace trenchcoat::nn::detail
