#include "gradient_blocks.hpp"

#include <algorithm>

namespace trenchcoat::nn::detail {

namespace {

// Rows per block for a matrix of `in` rows that wants about `wanted` blocks. With
// few blocks, how evenly 2 or 4 threads can share them matters most: preferred is
// an even number of equal blocks, each a whole number of GEMM row tiles, with up to
// twice the wanted count. Otherwise (or with many blocks, which balance anyway) an
// even count — a multiple of four from eight on — with heights rounded up to whole
// tiles, the last block shorter.
std::int64_t block_rows(std::int64_t in, std::int64_t wanted) {
  if (wanted <= 1) return in;
  for (std::int64_t count = wanted; wanted < 8 && count <= 2 * wanted; ++count) {
    if (count % 2 == 0 && in % count == 0 && (in / count) % kRowAlign == 0) return in / count;
  }
  const std::int64_t count = wanted < 8 ? (wanted + 1) / 2 * 2 : (wanted + 3) / 4 * 4;
  return std::min(in, ((in + count - 1) / count + kRowAlign - 1) / kRowAlign * kRowAlign);
}

}  // namespace

std::vector<GradientBlock> plan_gradient_blocks(const ParameterLayout& layout, std::int64_t shards) {
  const std::int64_t per_shard =
      std::clamp(kBlockScratchFloats / std::max<std::int64_t>(1, shards), kMinBlockFloats, kMaxBlockFloats);
  std::vector<GradientBlock> blocks;
  for (std::size_t d = 0; d < layout.dense().size(); ++d) {
    const DenseSlot& s = layout.dense()[d];
    std::int64_t wanted = std::max<std::int64_t>(1, (s.in * s.out + per_shard - 1) / per_shard);
    // A narrow layer with many inputs (784-16-10) still gets two blocks, or one
    // thread would do all of its weight gradient while the other waits.
    if (wanted == 1 && s.in >= kSplitRows) wanted = 2;
    const std::int64_t rows = block_rows(s.in, wanted);
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
