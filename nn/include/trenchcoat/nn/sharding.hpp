#pragma once
// How a mini-batch is cut into shards, and the fixed tree that sums the shards'
// gradients. Both depend on the batch size alone — never on the thread count — which
// is what makes data-parallel training bit-identical for any number of threads: each
// shard's gradient is computed by the same kernel calls on the same rows whoever
// runs it, and every parameter's gradient is then summed in the same order.
//
// The shard rule: shards of kShardRows = 32 consecutive rows of the batch, the last
// one smaller when the batch is not a multiple of 32 (batch 100 = 32 + 32 + 32 + 4).
// Why 32: it is a multiple of 8 and 16 (GEMM micro-tiles and vector widths like such
// row counts); a 128-row batch gets 4 shards, enough to keep up to 4 threads (or
// MPI ranks) busy and to balance 2; and a shard's activations stay in L2 (32 rows of
// 784 + 512 + 512 floats are 230 KiB). The price of small shards: each shard's
// weight gradient is its own GEMM with k = 32 (shallower than one over the whole
// batch), and the tree has one leaf more per 32 rows.
//
// How the trainer uses them (two phases, see nn/src/batch_gradient.hpp): the shards
// run forward and backward concurrently; then fixed blocks of parameter rows run
// concurrently, each computing every shard's gradient of its rows and summing them
// by the tree below before updating them. Neither the shards nor the blocks depend
// on the thread count.
//
// The reduction tree: shard gradients g_0 .. g_{n-1} are summed pairwise, level by
// level — g_i += g_{i+1} for even i, then g_i += g_{i+2} for i divisible by 4, and
// so on — leaving ((g0 + g1) + (g2 + g3)) + ... in g_0. Any aligned power-of-two
// group of consecutive shards forms a complete subtree, so the sum can be continued
// across processes (MPI) from partial sums of such groups with identical results.

#include <cstdint>
#include <span>

namespace trenchcoat::nn {

inline constexpr std::int64_t kShardRows = 32;

struct Shard {
  std::int64_t begin = 0;  // first row of the batch
  std::int64_t end = 0;    // one past the last
  std::int64_t rows() const noexcept { return end - begin; }
};

// Shards a batch of `batch_rows` rows is cut into (0 for an empty batch).
std::int64_t shard_count(std::int64_t batch_rows) noexcept;
// Rows of shard `index` (< shard_count(batch_rows)).
Shard shard_bounds(std::int64_t batch_rows, std::int64_t index) noexcept;

// The tree sum above of elements [begin, end) of `buffers` into out[0, end - begin).
// `out` may be buffers[0] + begin (summing in place); it must not overlap the others.
// Elements are independent, so a range can be split into blocks across threads.
void tree_sum(std::span<const float* const> buffers, std::int64_t begin, std::int64_t end, float* out) noexcept;

// The same, in place: the sum is left in buffers[0][begin, end).
void pairwise_sum(std::span<float* const> buffers, std::int64_t begin, std::int64_t end) noexcept;

}  // namespace trenchcoat::nn
