// Training across processes, the parts that need no MPI: how the shards of a batch
// are shared among ranks (tree_cut() must hand out nodes of the sharding tree, and
// tree_merges() must finish that tree exactly), and the distributed code path of
// the trainer with one rank, which must give the single-process model bit for bit.
// The multi-process runs are in tests/mpi/ (built when MPI is found).

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/gradient_exchange.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/sharding.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

using Cut = std::vector<ShardRange>;

TEST(TreeCut, HandsOutNodesOfTheShardingTree) {
  EXPECT_EQ(tree_cut(4, 1), (Cut{{0, 4}}));
  EXPECT_EQ(tree_cut(4, 2), (Cut{{0, 2}, {2, 4}}));
  EXPECT_EQ(tree_cut(4, 3), (Cut{{0, 1}, {1, 2}, {2, 4}}));
  EXPECT_EQ(tree_cut(4, 4), (Cut{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));
  EXPECT_EQ(tree_cut(6, 2), (Cut{{0, 4}, {4, 6}}));        // the tree's own split, unequal
  EXPECT_EQ(tree_cut(3, 2), (Cut{{0, 2}, {2, 3}}));
  EXPECT_EQ(tree_cut(2, 4), (Cut{{0, 1}, {1, 2}, {2, 2}, {2, 2}}));  // ranks past the shards idle
  EXPECT_THROW(tree_cut(4, 0), std::invalid_argument);
}

TEST(EvenSplit, IsContiguousAndBalanced) {
  EXPECT_EQ(even_split(6, 4), (Cut{{0, 1}, {1, 3}, {3, 4}, {4, 6}}));
  EXPECT_EQ(even_split(4, 3), (Cut{{0, 1}, {1, 2}, {2, 4}}));
}

// The merges, replayed on numbers whose sums round differently in every order,
// must give exactly what the single-process tree gives.
TEST(TreeMerges, FinishTheTreeBitForBit) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1e3f, 1e3f);
  for (std::int64_t shards = 1; shards <= 13; ++shards) {
    constexpr std::int64_t kLen = 64;
    std::vector<std::vector<float>> leaves(static_cast<std::size_t>(shards), std::vector<float>(kLen));
    for (auto& l : leaves) {
      for (float& v : l) v = dist(rng) * std::ldexp(1.0f, static_cast<int>(rng() % 20) - 10);
    }
    std::vector<const float*> all;
    all.reserve(leaves.size());
    for (const auto& l : leaves) all.push_back(l.data());
    std::vector<float> expected(kLen);
    tree_sum(all, 0, kLen, expected.data());
    for (int ranks = 1; ranks <= 6; ++ranks) {
      const Cut cut = tree_cut(shards, ranks);
      std::vector<std::vector<float>> partial(static_cast<std::size_t>(ranks), std::vector<float>(kLen, 0.0f));
      for (int r = 0; r < ranks; ++r) {
        const ShardRange s = cut[static_cast<std::size_t>(r)];
        if (s.size() == 0) continue;
        tree_sum(std::span<const float* const>(all.data() + s.begin, static_cast<std::size_t>(s.size())), 0, kLen,
                 partial[static_cast<std::size_t>(r)].data());
      }
      for (const TreeMerge& m : tree_merges(shards, cut)) {
        ASSERT_LT(m.from, ranks);
        ASSERT_LT(m.to, m.from);  // the left node's owner keeps the sum
        for (std::int64_t i = 0; i < kLen; ++i) {
          partial[static_cast<std::size_t>(m.to)][static_cast<std::size_t>(i)] +=
              partial[static_cast<std::size_t>(m.from)][static_cast<std::size_t>(i)];
        }
      }
      // The bytes, on purpose: bit-identity is the claim (and -0.0 vs 0.0 or two NaNs
      // would compare equal or unequal by value).
      // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison): see above
      EXPECT_EQ(std::memcmp(expected.data(), partial[0].data(), kLen * sizeof(float)), 0)
          << shards << " shards over " << ranks << " ranks";
    }
  }
}

TEST(TreeMerges, EveryRankSendsOnceAfterItsReceives) {
  for (std::int64_t shards = 1; shards <= 9; ++shards) {
    for (int ranks = 1; ranks <= 5; ++ranks) {
      const Cut cut = tree_cut(shards, ranks);
      std::vector<int> sent(static_cast<std::size_t>(ranks), 0);
      for (const TreeMerge& m : tree_merges(shards, cut)) {
        EXPECT_EQ(sent[static_cast<std::size_t>(m.to)], 0) << "rank " << m.to << " receives after sending";
        EXPECT_EQ(sent[static_cast<std::size_t>(m.from)]++, 0) << "rank " << m.from << " sends twice";
      }
    }
  }
}

std::vector<float> train(const Dataset& data, std::int64_t batch, GradientExchange* exchange, int threads) {
  Context ctx(ContextOptions{.threads = threads});
  Model m(parse_model_spec("784-48-10", "relu"), 3);
  TrainerConfig c;
  c.batch_size = batch;
  c.epochs = 2;
  c.seed = 9;
  c.optimizer = {.kind = OptimizerKind::nesterov, .learning_rate = 0.05, .momentum = 0.9};
  c.schedule.kind = ScheduleKind::cosine;
  if (exchange != nullptr) {
    Trainer t(ctx, m, c, *exchange);
    t.fit(data);
  } else {
    Trainer t(ctx, m, c);
    t.fit(data);
  }
  return {m.parameters().begin(), m.parameters().end()};
}

// One rank through the exchange path: the same model as the plain trainer, for a
// batch of whole shards and one whose epochs end on a short remainder.
TEST(ExchangedTraining, OneRankMatchesTheSingleProcessTrainer) {
  const Dataset data = make_mnist_like(300, 4);
  for (std::int64_t batch : {128, 100}) {
    const std::vector<float> plain = train(data, batch, nullptr, 2);
    for (ReduceMode mode : {ReduceMode::reproducible, ReduceMode::fast}) {
      SingleProcessExchange solo(mode);
      for (int threads : {1, 2}) {
        const std::vector<float> got = train(data, batch, &solo, threads);
        ASSERT_EQ(got.size(), plain.size());
        EXPECT_EQ(std::memcmp(got.data(), plain.data(), got.size() * sizeof(float)), 0)
            << "batch " << batch << ", threads " << threads;
      }
    }
  }
}

TEST(ExchangedTraining, NeedsTheDataParallelStrategy) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3", "relu"), 1);
  TrainerConfig c;
  c.strategy = Strategy::op_parallel;
  SingleProcessExchange solo;
  EXPECT_THROW(Trainer(ctx, m, c, solo), std::invalid_argument);
}

}  // namespace
}  // namespace trenchcoat::nn
