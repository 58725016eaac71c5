// Reproducibility: the data-parallel trainer gives bit-identical models for 1, 2, 3
// and 8 threads and for repeated runs; the op-parallel strategy is deterministic
// too and trains to the same accuracy within a stated tolerance; evaluation does
// not depend on the thread count.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/batch_pass.hpp"
#include "trenchcoat/nn/evaluate.hpp"
#include "trenchcoat/nn/idx_dataset.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

struct TrainedRun {
  std::vector<float> params;
  std::vector<EpochMetrics> history;
};

TrainedRun train(const Dataset& data, const std::string& layers, const std::string& act, int threads, Strategy strategy,
          OptimizerKind kind, std::int64_t batch, std::int64_t epochs, std::int64_t max_steps = -1) {
  Context ctx(ContextOptions{.threads = threads});
  Model m(parse_model_spec(layers, act), 17);
  TrainerConfig c;
  c.batch_size = batch;
  c.epochs = epochs;
  c.seed = 23;
  c.strategy = strategy;
  c.optimizer.kind = kind;
  c.optimizer.learning_rate = kind == OptimizerKind::adam ? 1e-3 : 0.05;
  c.optimizer.weight_decay = 1e-4;
  c.schedule.kind = ScheduleKind::cosine;
  Trainer t(ctx, m, c);
  TrainedRun r;
  std::int64_t steps = 0;
  r.history = t.fit(data, [&](const StepInfo&) { return max_steps < 0 || ++steps < max_steps; });
  r.params.assign(m.parameters().begin(), m.parameters().end());
  return r;
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Case {
  const char* layers;
  const char* act;
  OptimizerKind kind;
  std::int64_t batch;
};

class ThreadCounts : public ::testing::TestWithParam<Case> {};

TEST_P(ThreadCounts, DataParallelIsBitIdentical) {
  const Case k = GetParam();
  // 300 samples: with batch 100 every epoch ends on a full batch, with 128 on a
  // 44-row remainder (two shards, the second of 12 rows).
  const bool mnist_shaped = std::string(k.layers).rfind("784", 0) == 0;
  const Dataset small = mnist_shaped ? make_mnist_like(300, 3) : make_blobs(300, 20, 5, 0.6, 3);
  const TrainedRun base = train(small, k.layers, k.act, 1, Strategy::data_parallel, k.kind, k.batch, 2);
  for (int threads : {2, 3, 8}) {
    const TrainedRun other = train(small, k.layers, k.act, threads, Strategy::data_parallel, k.kind, k.batch, 2);
    EXPECT_TRUE(bit_identical(base.params, other.params)) << "threads " << threads;
    EXPECT_EQ(base.history.back().loss, other.history.back().loss) << "threads " << threads;
  }
  // And again with the same thread count.
  EXPECT_TRUE(bit_identical(base.params, train(small, k.layers, k.act, 1, Strategy::data_parallel, k.kind, k.batch, 2).params));
}

INSTANTIATE_TEST_SUITE_P(NnDeterminism, ThreadCounts,
                         ::testing::Values(Case{"784-64-10", "relu", OptimizerKind::nesterov, 128},
                                           Case{"784-64-10", "relu", OptimizerKind::momentum, 100},
                                           Case{"20-32-16-5", "tanh", OptimizerKind::adam, 77},
                                           Case{"20-32-5", "gelu", OptimizerKind::sgd, 40}),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return "case" + std::to_string(param.index);
                         });

TEST(NnDeterminism, OpParallelIsDeterministicAcrossThreads) {
  const Dataset data = make_blobs(400, 20, 5, 0.6, 4);
  const TrainedRun a = train(data, "20-48-5", "relu", 1, Strategy::op_parallel, OptimizerKind::momentum, 64, 2);
  const TrainedRun b = train(data, "20-48-5", "relu", 2, Strategy::op_parallel, OptimizerKind::momentum, 64, 2);
  const TrainedRun c = train(data, "20-48-5", "relu", 3, Strategy::op_parallel, OptimizerKind::momentum, 64, 2);
  EXPECT_TRUE(bit_identical(a.params, b.params));
  EXPECT_TRUE(bit_identical(a.params, c.params));
}

// The two strategies sum the same products in different orders (shards + tree
// versus one long dot product), so they agree to rounding, not to the bit. The
// stated tolerance: after 20 steps every parameter within 1e-4 of the other
// strategy's (relative to the largest weight, 1e-4 x max|w|), and after full training
// the same accuracy within 1 percentage point.
TEST(NnDeterminism, DataAndOpParallelAgree) {
  const Dataset data = make_mnist_like(2000, 8);
  const TrainedRun dp = train(data, "784-64-10", "relu", 2, Strategy::data_parallel, OptimizerKind::nesterov, 128, 1, 20);
  const TrainedRun op = train(data, "784-64-10", "relu", 2, Strategy::op_parallel, OptimizerKind::nesterov, 128, 1, 20);
  float largest = 0, diff = 0;
  for (std::size_t i = 0; i < dp.params.size(); ++i) {
    largest = std::max(largest, std::abs(dp.params[i]));
    diff = std::max(diff, std::abs(dp.params[i] - op.params[i]));
  }
  EXPECT_FALSE(bit_identical(dp.params, op.params));
  EXPECT_LE(diff, 1e-4f * largest) << "max difference " << diff << ", largest weight " << largest;

  Context ctx(ContextOptions{.threads = 2});
  const Dataset test = make_mnist_like(1000, 8, /*sample_seed=*/1);
  double accuracy[2];
  for (Strategy s : {Strategy::data_parallel, Strategy::op_parallel}) {
    Model m(parse_model_spec("784-64-10", "relu"), 17);
    TrainerConfig c;
    c.batch_size = 128;
    c.epochs = 3;
    c.strategy = s;
    c.optimizer = OptimizerConfig{.kind = OptimizerKind::nesterov, .learning_rate = 0.05};
    Trainer t(ctx, m, c);
    t.fit(data);
    accuracy[static_cast<int>(s)] = evaluate(ctx, m, test).accuracy;
  }
  EXPECT_GT(accuracy[0], 0.9);
  EXPECT_NEAR(accuracy[0], accuracy[1], 0.01);
}

// Flush-to-zero / denormals-are-zero hold on every thread of a step, not only the
// calling one: with parameters that are denormal, an update that treats them as
// zero on one thread and not on another would make the result depend on which
// thread updated which block.
TEST(NnDeterminism, DenormalsAreTreatedAlikeOnEveryThread) {
  const Dataset data = make_blobs(256, 20, 5, 0.6, 4);
  auto trained = [&](int threads, Strategy strategy) {
    Context ctx(ContextOptions{.threads = threads});
    Model m(parse_model_spec("20-300-5", "relu"), 1);
    for (float& w : m.parameters()) w = 1e-39f;  // denormal
    TrainerConfig c;
    c.batch_size = 128;
    c.strategy = strategy;
    c.optimizer.kind = OptimizerKind::momentum;
    Trainer t(ctx, m, c);
    t.train_epoch(data);
    return std::vector<float>(m.parameters().begin(), m.parameters().end());
  };
  for (Strategy strategy : {Strategy::data_parallel, Strategy::op_parallel}) {
    const std::vector<float> one = trained(1, strategy);
    for (int threads : {2, 3}) {
      EXPECT_TRUE(bit_identical(one, trained(threads, strategy)))
          << strategy_name(strategy) << " with " << threads << " threads";
    }
  }
}

TEST(NnDeterminism, EvaluationIgnoresThreadCount) {
  const Dataset data = make_mnist_like(1000, 5);
  Model m(parse_model_spec("784-32-10", "relu"), 2);
  std::vector<std::int32_t> p1(1000), p3(1000);
  Context one(ContextOptions{.threads = 1}), three(ContextOptions{.threads = 3});
  const EvalMetrics a = evaluate(one, m, data, p1);
  const EvalMetrics b = evaluate(three, m, data, p3);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(p1, p3);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < p1.size(); ++i) right += p1[i] == data.labels[i] ? 1 : 0;
  EXPECT_DOUBLE_EQ(a.accuracy, static_cast<double>(right) / 1000.0);
}

// Features held as bytes too (Dataset::x_bytes, as MNIST loads): training gathers
// its batches from the bytes, and must train exactly the model the floats train.
Dataset with_byte_copy(Dataset d, float divisor = 37.0f) {
  d.x_bytes.resize(d.x.size());
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const float v = std::clamp(std::round((d.x[i] + 3.0f) * 40.0f), 0.0f, 255.0f);
    d.x_bytes[i] = static_cast<std::uint8_t>(v);
    d.x[i] = v / divisor;
  }
  d.byte_divisor = divisor;
  return d;
}

TEST(NnDeterminism, GatheringFromBytesTrainsTheSameModel) {
  const Dataset bytes = with_byte_copy(make_mnist_like(300, 3));
  Dataset floats = bytes;
  floats.x_bytes.clear();
  ASSERT_NO_THROW(bytes.validate());
  for (Strategy strategy : {Strategy::data_parallel, Strategy::op_parallel}) {
    const TrainedRun a = train(bytes, "784-64-10", "relu", 2, strategy, OptimizerKind::nesterov, 128, 2);
    const TrainedRun b = train(floats, "784-64-10", "relu", 2, strategy, OptimizerKind::nesterov, 128, 2);
    EXPECT_TRUE(bit_identical(a.params, b.params)) << strategy_name(strategy);
    EXPECT_EQ(a.history.back().loss, b.history.back().loss) << strategy_name(strategy);
  }
}

TEST(NnDeterminism, ByteGatherGivesTheFloatsOfEveryRowWhateverItsWidth) {
  // Widths around the 16-float vector step (no full vector, exactly one, one plus a
  // tail, two, two plus a tail) and divisors that are not whole or not 255.
  for (const auto& [features, divisor] : {std::pair<std::int64_t, float>{10, 1.0f}, {16, 2.5f}, {20, 37.0f},
                                         {32, 255.0f}, {37, 0.1f}}) {
    const Dataset d = with_byte_copy(make_blobs(50, features, 3, 0.6, 5), divisor);
    ASSERT_NO_THROW(d.validate());
    const std::vector<std::int64_t> rows = {49, 0, 17, 17, 3, 48};
    BatchPass from_bytes(parse_model_spec(std::to_string(features) + "-4-3", "relu"), 8);
    BatchPass from_floats(parse_model_spec(std::to_string(features) + "-4-3", "relu"), 8);
    from_bytes.gather_rows(d, rows, 0, 6, true);
    from_floats.gather_rows(d, rows, 0, 6, false);
    const Batch a = from_bytes.gathered(d, 6), b = from_floats.gathered(d, 6);
    for (std::int64_t r = 0; r < 6; ++r) {
      EXPECT_EQ(std::memcmp(a.x.row(r), d.sample(rows[static_cast<std::size_t>(r)]), features * sizeof(float)), 0)
          << features << " features, row " << r;
      EXPECT_EQ(std::memcmp(b.x.row(r), a.x.row(r), features * sizeof(float)), 0) << features << " features, row " << r;
    }
  }
}

// The trainer checks a dataset once, then trusts it while its storage, sizes and
// divisor stay the same. Features changed between epochs the documented ways
// (standardize(), which drops the byte copy; or x_bytes.clear(), which keeps its
// storage, then x edited) must be noticed, and the next epoch trained on them.
TEST(NnDeterminism, FeaturesChangedBetweenEpochsAreTrainedOn) {
  const std::function<void(Dataset&)> changes[] = {
      [](Dataset& d) { standardize(d, standardization(d)); },
      [](Dataset& d) {
        d.x_bytes.clear();
        for (float& v : d.x) v *= 0.5f;
      },
  };
  for (std::size_t k = 0; k < std::size(changes); ++k) {
    Dataset bytes = with_byte_copy(make_mnist_like(300, 3));
    Dataset floats = bytes;
    floats.x_bytes.clear();
    std::vector<float> params[2];
    for (Dataset* d : {&bytes, &floats}) {
      Context ctx(ContextOptions{.threads = 2});
      Model m(parse_model_spec("784-64-10", "relu"), 17);
      TrainerConfig c;
      c.batch_size = 128;
      c.epochs = 2;
      Trainer t(ctx, m, c);
      t.train_epoch(*d);
      changes[k](*d);
      t.train_epoch(*d);
      params[d == &floats ? 1 : 0].assign(m.parameters().begin(), m.parameters().end());
    }
    EXPECT_TRUE(bytes.x_bytes.empty()) << "change " << k;
    EXPECT_TRUE(bit_identical(params[0], params[1])) << "change " << k;
  }
}

TEST(NnDeterminism, TrainingRefusesBytesThatNoLongerDecodeToTheFeatures) {
  Dataset d = with_byte_copy(make_mnist_like(300, 3));
  d.x[5 * 784 + 7] += 1.0f;  // changed after loading, byte copy kept
  try {
    train(d, "784-64-10", "relu", 1, Strategy::op_parallel, OptimizerKind::sgd, 128, 1);
    FAIL() << "trained on a byte copy that disagrees with x";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("feature 7 of sample 5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("without clearing x_bytes"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trenchcoat::nn
