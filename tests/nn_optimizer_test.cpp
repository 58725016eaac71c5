// Optimizer updates against double-precision transcriptions of their definitions,
// hyper-parameter validation, learning-rate schedules, the shard rule and the
// pairwise reduction tree, and the seeded random streams.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "support/random_fill.hpp"
#include "trenchcoat/nn/optimizer.hpp"
#include "trenchcoat/nn/random.hpp"
#include "trenchcoat/nn/schedule.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::nn {
namespace {

// Reference updates in double, straight from PyTorch's documentation.
struct Reference {
  OptimizerConfig c;
  std::vector<double> w, m, v;
  int t = 0;
  void step(const std::vector<double>& grad, double lr) {
    ++t;
    for (std::size_t i = 0; i < w.size(); ++i) {
      double g = grad[i];
      switch (c.kind) {
        case OptimizerKind::sgd:
          w[i] -= lr * (g + c.weight_decay * w[i]);
          break;
        case OptimizerKind::momentum:
          g += c.weight_decay * w[i];
          m[i] = c.momentum * m[i] + g;
          w[i] -= lr * m[i];
          break;
        case OptimizerKind::nesterov:
          g += c.weight_decay * w[i];
          m[i] = c.momentum * m[i] + g;
          w[i] -= lr * (g + c.momentum * m[i]);
          break;
        case OptimizerKind::adam:
        case OptimizerKind::adamw: {
          if (c.kind == OptimizerKind::adamw) {
            w[i] *= 1 - lr * c.weight_decay;
          } else {
            g += c.weight_decay * w[i];
          }
          m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
          v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
          const double mhat = m[i] / (1 - std::pow(c.beta1, t));
          const double vhat = v[i] / (1 - std::pow(c.beta2, t));
          w[i] -= lr * mhat / (std::sqrt(vhat) + c.epsilon);
          break;
        }
      }
    }
  }
};

class EveryOptimizer : public ::testing::TestWithParam<OptimizerKind> {};

// The configuration both tests below run: every term of the update non-zero.
OptimizerConfig test_config(OptimizerKind kind) {
  OptimizerConfig c;
  c.kind = kind;
  c.learning_rate = 0.05;
  c.momentum = 0.8;
  c.weight_decay = 0.01;
  return c;
}

TEST_P(EveryOptimizer, MatchesTheDefinition) {
  const OptimizerConfig c = test_config(GetParam());
  constexpr std::size_t n = 1000;
  const auto w0 = testing::random_floats(n, 1);
  Optimizer opt(c, n);
  std::vector<float> w(w0);
  Reference ref{c, std::vector<double>(w0.begin(), w0.end()), std::vector<double>(n), std::vector<double>(n)};
  for (int step = 0; step < 5; ++step) {
    const auto g = testing::random_floats(n, 10 + static_cast<std::uint32_t>(step));
    const double lr = c.learning_rate * (1.0 - 0.1 * step);
    const UpdateCoefficients k = opt.coefficients(lr);
    // In uneven blocks, as the threads would split it.
    opt.update(k, w, g, 0, 37);
    opt.update(k, w, g, 37, 600);
    opt.update(k, w, g, 600, n);
    opt.finish_step();
    ref.step(std::vector<double>(g.begin(), g.end()), lr);
  }
  EXPECT_EQ(opt.steps(), 5);
  for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(w[i], ref.w[i], 2e-5 * (1 + std::abs(ref.w[i]))) << i;
}

// The sweep's vector code (AVX-512 where the CPU has it) against its own scalar
// code: a one-element block runs only the loop's scalar remainder. Bit-identical,
// since nn is compiled without FMA contraction and each operation rounds the same
// at any vector width; so results never depend on which copy the CPU selected.
TEST_P(EveryOptimizer, ElementByElementEqualsOneSweep) {
  const OptimizerConfig c = test_config(GetParam());
  constexpr std::size_t n = 1003;  // not a multiple of any vector width
  Optimizer whole(c, n);
  Optimizer single(c, n);
  std::vector<float> w_whole = testing::random_floats(n, 3);
  std::vector<float> w_single = w_whole;
  for (int step = 0; step < 4; ++step) {
    const auto g = testing::random_floats(n, 20 + static_cast<std::uint32_t>(step));
    const UpdateCoefficients k = whole.coefficients(c.learning_rate);
    whole.update(k, w_whole, g, 0, n);
    for (std::size_t i = 0; i < n; ++i) {
      single.update(k, w_single, g, static_cast<std::int64_t>(i), static_cast<std::int64_t>(i) + 1);
    }
    whole.finish_step();
    single.finish_step();
  }
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(w_whole[i]), std::bit_cast<std::uint32_t>(w_single[i])) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(NnOptimizer, EveryOptimizer,
                         ::testing::Values(OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::nesterov,
                                           OptimizerKind::adam, OptimizerKind::adamw),
                         [](const ::testing::TestParamInfo<OptimizerKind>& param) {
                           return std::string(optimizer_name(param.param));
                         });

TEST(NnOptimizer, RejectsBadHyperParameters) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    OptimizerConfig c;
    const char* fragment;
  };
  auto with = [](OptimizerKind k, auto&& edit) {
    OptimizerConfig c;
    c.kind = k;
    edit(c);
    return c;
  };
  const Case cases[] = {
      {with(OptimizerKind::sgd, [&](auto& c) { c.learning_rate = nan; }), "learning rate must be a finite number, not nan"},
      {with(OptimizerKind::sgd, [&](auto& c) { c.learning_rate = inf; }), "learning rate must be a finite number, not inf"},
      {with(OptimizerKind::sgd, [&](auto& c) { c.learning_rate = -0.1; }), "learning rate must be positive"},
      {with(OptimizerKind::sgd, [&](auto& c) { c.learning_rate = 0; }), "learning rate must be positive"},
      {with(OptimizerKind::sgd, [&](auto& c) { c.weight_decay = -1e-4; }), "weight decay must be >= 0"},
      {with(OptimizerKind::sgd, [&](auto& c) { c.weight_decay = nan; }), "weight decay must be a finite number"},
      {with(OptimizerKind::momentum, [&](auto& c) { c.momentum = 1.0; }), "momentum must be in [0, 1)"},
      {with(OptimizerKind::nesterov, [&](auto& c) { c.momentum = -0.5; }), "momentum must be in [0, 1)"},
      {with(OptimizerKind::nesterov, [&](auto& c) { c.momentum = nan; }), "momentum must be a finite number"},
      {with(OptimizerKind::adam, [&](auto& c) { c.beta1 = 1.5; }), "beta1 must be in [0, 1)"},
      {with(OptimizerKind::adamw, [&](auto& c) { c.beta2 = inf; }), "beta2 must be a finite number"},
      {with(OptimizerKind::adam, [&](auto& c) { c.epsilon = 0; }), "epsilon must be positive"},
  };
  for (const Case& k : cases) {
    try {
      k.c.validate();
      ADD_FAILURE() << "accepted: " << k.fragment;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(k.fragment), std::string::npos) << e.what();
    }
  }
  // A momentum value means nothing to plain SGD, so it is not checked there.
  EXPECT_NO_THROW(with(OptimizerKind::sgd, [&](auto& c) { c.momentum = nan; }).validate());
  EXPECT_EQ(parse_optimizer("nesterov"), OptimizerKind::nesterov);
  EXPECT_THROW(parse_optimizer("adagrad"), std::invalid_argument);
}

TEST(NnSchedule, Values) {
  ScheduleConfig s;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 0, 100, 10), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 99, 100, 10), 0.1);

  s.kind = ScheduleKind::step;
  s.step_epochs = 2;
  s.gamma = 0.5;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 19, 100, 10), 0.1);     // epoch 1
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 20, 100, 10), 0.05);    // epoch 2
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 45, 100, 10), 0.025);   // epoch 4

  s = ScheduleConfig{};
  s.kind = ScheduleKind::cosine;
  s.min_lr = 0.01;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 0, 100, 10), 0.1);
  EXPECT_NEAR(learning_rate_at(s, 0.1, 50, 100, 10), 0.055, 1e-12);
  EXPECT_GT(learning_rate_at(s, 0.1, 99, 100, 10), 0.01);
  EXPECT_LT(learning_rate_at(s, 0.1, 99, 100, 10), 0.0101);

  s.warmup_steps = 10;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 0, 110, 10), 0.1 * 1 / 10);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 4, 110, 10), 0.1 * 5 / 10);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 10, 110, 10), 0.1);  // the cosine starts after the warm-up
  s.kind = ScheduleKind::constant;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.1, 9, 110, 10), 0.1);

  ScheduleConfig bad;
  bad.warmup_steps = -1;
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = ScheduleConfig{.kind = ScheduleKind::step, .gamma = 0.0};
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = ScheduleConfig{.kind = ScheduleKind::step, .step_epochs = 0};
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = ScheduleConfig{.kind = ScheduleKind::cosine, .min_lr = std::nan("")};
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  EXPECT_EQ(parse_schedule("cosine"), ScheduleKind::cosine);
  EXPECT_THROW(parse_schedule("linear"), std::invalid_argument);
}

TEST(NnSharding, ShardsDependOnTheBatchOnly) {
  EXPECT_EQ(shard_count(0), 0);
  EXPECT_EQ(shard_count(1), 1);
  EXPECT_EQ(shard_count(32), 1);
  EXPECT_EQ(shard_count(33), 2);
  EXPECT_EQ(shard_count(128), 4);
  EXPECT_EQ(shard_count(100), 4);
  EXPECT_EQ(shard_bounds(100, 3).begin, 96);
  EXPECT_EQ(shard_bounds(100, 3).end, 100);
  EXPECT_EQ(shard_bounds(128, 1).rows(), 32);
}

TEST(NnSharding, PairwiseTreeOrder) {
  // With values whose sums round differently in different orders, the tree's result
  // must equal ((g0 + g1) + (g2 + g3)) + g4 exactly.
  const std::vector<float> vals = {1.0f, 1e8f, -1e8f, 1.0f, 0.5f};  // tree 0.5, left to right 1.5
  std::vector<std::vector<float>> bufs;
  bufs.reserve(vals.size());
  for (float v : vals) bufs.emplace_back(3, v);  // 3 copies of v
  std::vector<float*> ptrs;
  ptrs.reserve(bufs.size());
  for (auto& b : bufs) ptrs.push_back(b.data());
  pairwise_sum(ptrs, 0, 3);
  const float expected = ((vals[0] + vals[1]) + (vals[2] + vals[3])) + vals[4];
  for (float x : bufs[0]) EXPECT_EQ(x, expected);
  EXPECT_EQ(expected, 0.5f);
  // Summing in two blocks gives the same as one.
  std::vector<std::vector<float>> again;
  again.reserve(vals.size());
  for (float v : vals) again.emplace_back(3, v);
  std::vector<float*> p2;
  p2.reserve(again.size());
  for (auto& b : again) p2.push_back(b.data());
  pairwise_sum(p2, 0, 1);
  pairwise_sum(p2, 1, 3);
  EXPECT_EQ(again[0], bufs[0]);
}

TEST(NnRandom, StreamsAreFixedBySeed) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  // mt19937_64's output is fixed by the standard: its 10000th value for the
  // default seed is 9981545732273789042.
  Rng d(5489);
  std::uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = d.next_u64();
  EXPECT_EQ(v, 9981545732273789042ull);
  // below() stays in range and hits every value.
  Rng r(1);
  std::vector<int> hits(7);
  for (int i = 0; i < 7000; ++i) ++hits[r.below(7)];
  for (int h : hits) EXPECT_GT(h, 800);
  // normal(): mean 0, variance 1.
  double s = 0, sq = 0;
  for (int i = 0; i < 100000; ++i) {
    const double x = r.normal();
    s += x;
    sq += x * x;
  }
  EXPECT_NEAR(s / 1e5, 0.0, 0.02);
  EXPECT_NEAR(sq / 1e5, 1.0, 0.02);
  // Epoch orders are permutations, differ between epochs, repeat for the same epoch.
  std::vector<std::int64_t> o1(1000), o2(1000), o3(1000);
  epoch_order(9, 0, o1);
  epoch_order(9, 1, o2);
  epoch_order(9, 0, o3);
  EXPECT_EQ(o1, o3);
  EXPECT_NE(o1, o2);
  std::vector<std::int64_t> sorted(o1);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(sorted[i], static_cast<std::int64_t>(i));
}

}  // namespace
}  // namespace trenchcoat::nn
