#include "trenchcoat/nn/gradient_exchange.hpp"

#include <bit>
#include <stdexcept>
#include <string>

namespace trenchcoat::nn {
namespace {

// The left child of a tree node of `size` >= 2 shards holds the largest power of two
// below `size` (sharding.cpp's tree_block, which the single-process sum runs).
std::int64_t left_size(std::int64_t size) {
  return static_cast<std::int64_t>(std::bit_floor(static_cast<std::uint64_t>(size - 1)));
}

void check_parts(int parts) {
  if (parts < 1) throw std::invalid_argument("a batch is shared among at least 1 rank, not " + std::to_string(parts));
}

// Finishes the tree over node [lo, hi): returns the rank that holds its sum.
int merge_node(std::int64_t lo, std::int64_t hi, std::span<const ShardRange> cut, std::vector<TreeMerge>& out) {
  for (std::size_t i = 0; i < cut.size(); ++i) {
    if (cut[i].begin == lo && cut[i].end == hi) return static_cast<int>(i);
  }
  if (hi - lo < 2) throw std::invalid_argument("the shard ranges are not a cut of the sharding tree");
  const std::int64_t mid = lo + left_size(hi - lo);
  const int left = merge_node(lo, mid, cut, out);
  const int right = merge_node(mid, hi, cut, out);
  out.push_back(TreeMerge{right, left});
  return left;
}

}  // namespace

std::vector<ShardRange> tree_cut(std::int64_t shards, int parts) {
  check_parts(parts);
  std::vector<ShardRange> cut{ShardRange{0, shards}};
  while (static_cast<int>(cut.size()) < parts) {
    std::size_t widest = 0;
    for (std::size_t i = 1; i < cut.size(); ++i) {
      if (cut[i].size() > cut[widest].size()) widest = i;
    }
    const ShardRange node = cut[widest];
    if (node.size() < 2) break;  // every shard has its own rank
    const std::int64_t mid = node.begin + left_size(node.size());
    cut[widest] = ShardRange{node.begin, mid};
    cut.insert(cut.begin() + static_cast<std::ptrdiff_t>(widest) + 1, ShardRange{mid, node.end});
  }
  while (static_cast<int>(cut.size()) < parts) cut.push_back(ShardRange{shards, shards});
  return cut;
}

std::vector<ShardRange> even_split(std::int64_t shards, int parts) {
  check_parts(parts);
  std::vector<ShardRange> split;
  split.reserve(static_cast<std::size_t>(parts));
  for (int r = 0; r < parts; ++r) {
    split.push_back(ShardRange{shards * r / parts, shards * (r + 1) / parts});
  }
  return split;
}

std::vector<TreeMerge> tree_merges(std::int64_t shards, std::span<const ShardRange> cut) {
  std::vector<TreeMerge> merges;
  if (shards <= 0) return merges;
  merge_node(0, shards, cut, merges);
  return merges;
}

ShardRange GradientExchange::local_shards(std::int64_t shards) const {
  const std::vector<ShardRange> split =
      mode() == ReduceMode::reproducible ? tree_cut(shards, ranks()) : even_split(shards, ranks());
  return split[static_cast<std::size_t>(rank())];
}

}  // namespace trenchcoat::nn
