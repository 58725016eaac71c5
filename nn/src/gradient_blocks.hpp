#pragma once
// The parameter blocks of the data-parallel step's second phase. Each block is a
// range of rows of one Dense layer's weight matrix (contiguous in the parameter
// buffer), optionally with that layer's bias: a task computes every shard's
// gradient of the block, sums them by the fixed tree and applies the optimizer to
// the block, all while the block's data stays in the core's L2.
//
// The blocks depend on the model and on the number of shards (hence the batch
// size) only, never on the thread count: their boundaries decide which GEMM
// computes an element, so they must be as fixed as the shards themselves.

#include <cstdint>
#include <vector>

#include "trenchcoat/nn/parameter_layout.hpp"

namespace trenchcoat::nn::detail {

struct GradientBlock {
  std::size_t dense = 0;          // index into ParameterLayout::dense()
  std::int64_t row_begin = 0;     // rows [row_begin, row_end) of W (in x out)
  std::int64_t row_end = 0;
  bool bias = false;              // the block also carries the layer's bias
};

// Weight rows per block are chosen so that the shards' gradients of one block
// (shards x rows x out floats) fill about kBlockScratchFloats, within
// [kMinBlockFloats, kMaxBlockFloats] per shard: enough blocks to balance the
// threads, few enough that the GEMM calls stay large.
inline constexpr std::int64_t kBlockScratchFloats = std::int64_t{1} << 16;  // 256 KiB
inline constexpr std::int64_t kMinBlockFloats = std::int64_t{1} << 11;
inline constexpr std::int64_t kMaxBlockFloats = std::int64_t{1} << 14;
// Block heights are multiples of this (a common GEMM micro-tile height).
inline constexpr std::int64_t kRowAlign = 8;
// A weight matrix with at least this many rows is cut into two blocks or more.
inline constexpr std::int64_t kSplitRows = 256;

std::vector<GradientBlock> plan_gradient_blocks(const ParameterLayout& layout, std::int64_t shards);

// The most weight floats (rows x out) of any block, to size the scratch.
std::int64_t largest_block_floats(const ParameterLayout& layout, const std::vector<GradientBlock>& blocks);

}  // namespace trenchcoat::nn::detail
