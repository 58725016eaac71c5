#pragma once
// Data-parallel training across processes: how a mini-batch's shards are shared
// out among R processes ("ranks"), and the interface through which the trainer
// combines the ranks' partial gradients. Nothing here depends on MPI; the MPI
// implementation is nn/mpi/include/trenchcoat/nn/mpi_exchange.hpp (built only when MPI
// is found), and a Trainer given no exchange trains in one process as before.
//
// Why the reproducible split gives bit-identical models: the single-process trainer
// sums the shards' gradients by the fixed tree of sharding.hpp, whose every node is
// the sum of a contiguous range of shards. tree_cut() hands each rank one node of
// that tree (a contiguous shard range); the rank sums its shards by the same tree
// (a subtree is summed exactly as inside the whole tree), and the ranks then add
// their nodes' sums in the tree's own order above the cut. Every parameter's
// gradient is therefore the same sum of the same shard gradients in the same order
// as in one process, for ANY rank count (ranks past the shard count idle). The
// price is balance: the cut's nodes are equal when the shard count is a power of
// two divisible by R (batch 128 = 4 shards on 1, 2 or 4 ranks), unequal otherwise
// (4 shards on 3 ranks: 1 + 1 + 2; 6 shards on 2 ranks: 4 + 2).

#include <cstdint>
#include <span>
#include <vector>

namespace trenchcoat::nn {

// Shards [begin, end) of one mini-batch (indices as in sharding.hpp).
struct ShardRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const noexcept { return end - begin; }
  friend bool operator==(const ShardRange&, const ShardRange&) = default;
};

enum class ReduceMode : std::uint8_t {
  reproducible,  // tree_cut() + the sharding tree continued across ranks: bit-identical to one process
  fast,          // even_split() + MPI_Allreduce: the library's own order, deterministic only per (R, library)
};

// The ranks' shares for the reproducible mode: `parts` nodes of the sharding tree
// over `shards` leaves that together cover every shard, in shard order. Starting
// from the root, the node with the most shards (the leftmost on a tie) is split
// into its two children until there are `parts` nodes. With fewer shards than
// parts, the ranks past the shard count get empty ranges (they idle that step).
// 4 shards over 2 ranks: [0,2) [2,4); over 3 ranks: [0,1) [1,2) [2,4);
// 6 shards over 2 ranks: [0,4) [4,6) (the tree's own split: unequal).
std::vector<ShardRange> tree_cut(std::int64_t shards, int parts);

// The ranks' shares for the fast mode: contiguous and as equal as possible.
std::vector<ShardRange> even_split(std::int64_t shards, int parts);

// One step of the cross-rank tree sum above a cut: rank `to` adds rank `from`'s
// partial sum to its own (to's node is the left one, so the sum is to + from).
struct TreeMerge {
  int from = 0;
  int to = 0;
  friend bool operator==(const TreeMerge&, const TreeMerge&) = default;
};

// The merges that finish the sharding tree over `shards` leaves from the cut's
// nodes (rank i holding the sum of cut[i]), in an order where every rank's sum is
// complete before it is sent: a rank receives all its merges before its single
// send. Rank 0 ends up with the whole sum. Ranks with empty ranges take no part.
std::vector<TreeMerge> tree_merges(std::int64_t shards, std::span<const ShardRange> cut);

// What each shard's forward/backward found: shared among the ranks so that every
// rank knows the whole batch's loss, accuracy and finiteness, summed in shard
// order exactly as one process sums them.
struct ShardStats {
  double loss = 0.0;          // the head's loss summed over the shard's rows
  double bound = 0.0;         // GradientBound::per_row
  std::int64_t correct = 0;   // rows classified correctly
  std::int64_t finite = 1;    // 1: every activation and gradient seen was finite
};

// The trainer's view of the other processes. Every rank calls the same methods in
// the same order with the same sizes (the trainer's steps are in lockstep).
class GradientExchange {
 public:
  virtual ~GradientExchange() = default;
  virtual int rank() const noexcept = 0;
  virtual int ranks() const noexcept = 0;
  virtual ReduceMode mode() const noexcept = 0;

  // The shards of a batch of `shards` shards this rank computes (tree_cut() or
  // even_split() by the mode).
  ShardRange local_shards(std::int64_t shards) const;

  // `all` has one entry per shard of the batch; on entry this rank's own entries
  // (local_shards()) are filled in, on return every entry is.
  virtual void share_stats(std::span<ShardStats> all) = 0;

  // `gradient` (the model's parameter buffer layout) holds on entry the sum of this
  // rank's shards' gradients by the sharding tree (zeros for a rank without
  // shards); on return, the whole batch's gradient, identical on every rank.
  virtual void combine_gradient(std::span<float> gradient, std::int64_t shards) = 0;

  // The same in pieces, for overlapping communication with computation: the trainer
  // begins combining one segment of the gradient (one layer's weights and bias) as
  // soon as this rank has summed it, goes on computing the next layer's, and ends
  // all combines before it updates. Segments are disjoint and begun in the same
  // order on every rank; end_combines() leaves each one as combine_gradient() would
  // (the sums are element-wise, so splitting changes no bit). This default combines
  // at once, without overlap.
  virtual void begin_combine(std::span<float> segment, std::int64_t shards) { combine_gradient(segment, shards); }
  virtual void end_combines() {}

  // Whether any rank wants to stop (Ctrl-C, a step limit): true on every rank when
  // one passed true, so all stop after the same step.
  virtual bool any(bool local) = 0;
};

// The exchange of a run with one rank: every shard is local and there is nothing
// to combine. A Trainer given it computes what one without an exchange computes,
// through the distributed code path (tests compare the two).
class SingleProcessExchange final : public GradientExchange {
 public:
  explicit SingleProcessExchange(ReduceMode mode = ReduceMode::reproducible) noexcept : mode_(mode) {}
  int rank() const noexcept override { return 0; }
  int ranks() const noexcept override { return 1; }
  ReduceMode mode() const noexcept override { return mode_; }
  void share_stats(std::span<ShardStats> /*all*/) override {}
  void combine_gradient(std::span<float> /*gradient*/, std::int64_t /*shards*/) override {}
  bool any(bool local) override { return local; }

 private:
  ReduceMode mode_;
};

}  // namespace trenchcoat::nn
