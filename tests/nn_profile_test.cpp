// The step profiler (nn/step_profile.hpp): it records every phase of a step with the
// exact GEMM work of the model, and it changes no result.

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/step_profile.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

constexpr std::int64_t kSamples = 200;  // batches of 64, 64, 64 and 8
constexpr std::int64_t kBatch = 64;

std::vector<float> train(Strategy strategy, int threads, StepProfiler* profiler) {
  const Dataset data = make_mnist_like(kSamples, 5);
  Context ctx(ContextOptions{.threads = threads});
  Model m(parse_model_spec("784-32-10", "relu"), 3);
  TrainerConfig c;
  c.batch_size = kBatch;
  c.epochs = 2;
  c.strategy = strategy;
  c.optimizer.kind = OptimizerKind::momentum;
  c.optimizer.learning_rate = 0.05;
  Trainer t(ctx, m, c);
  t.set_profiler(profiler);
  t.fit(data);
  return {m.parameters().begin(), m.parameters().end()};
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

using Key = std::pair<StepPhase, int>;

std::map<Key, ProfileEntry> by_key(const StepProfiler& p) {
  std::map<Key, ProfileEntry> m;
  for (const ProfileEntry& e : p.entries()) m[{e.phase, e.layer}] = e;
  return m;
}

class StepProfileTest : public ::testing::TestWithParam<std::pair<Strategy, int>> {};

TEST_P(StepProfileTest, RecordsEveryPhaseWithTheModelsGemmWorkAndChangesNothing) {
  const auto [strategy, threads] = GetParam();
  StepProfiler profiler;
  const std::vector<float> profiled = train(strategy, threads, &profiler);
  EXPECT_TRUE(bit_identical(profiled, train(strategy, threads, nullptr)));

  // 200 samples in batches of 64: 3 full batches and one of 8, over 2 epochs.
  constexpr std::int64_t kStepsPerEpoch = 4;
  EXPECT_EQ(profiler.steps(), 2 * kStepsPerEpoch);
  EXPECT_GT(profiler.wall_seconds(), 0.0);
  const std::map<Key, ProfileEntry> e = by_key(profiler);
  // Every sample goes once per epoch through each GEMM: 2 * rows * in * out FLOPs.
  const double rows = 2.0 * kSamples;
  const double fwd1 = 2.0 * rows * 784 * 32, fwd2 = 2.0 * rows * 32 * 10;
  ASSERT_TRUE(e.contains({StepPhase::forward, 0}));
  ASSERT_TRUE(e.contains({StepPhase::forward, 1}));
  EXPECT_DOUBLE_EQ(e.at({StepPhase::forward, 0}).flops, fwd1);
  EXPECT_DOUBLE_EQ(e.at({StepPhase::forward, 1}).flops, fwd2);
  EXPECT_DOUBLE_EQ(e.at({StepPhase::weight_gradient, 0}).flops, fwd1);
  EXPECT_DOUBLE_EQ(e.at({StepPhase::weight_gradient, 1}).flops, fwd2);
  // The input gradient of the first layer is never computed; the second's is.
  EXPECT_FALSE(e.contains({StepPhase::input_gradient, 0}));
  EXPECT_DOUBLE_EQ(e.at({StepPhase::input_gradient, 1}).flops, fwd2);
  for (StepPhase p : {StepPhase::shuffle, StepPhase::gather, StepPhase::loss, StepPhase::gradient_check}) {
    ASSERT_TRUE(e.contains({p, -1})) << step_phase_name(p);
    EXPECT_GT(e.at({p, -1}).calls, 0) << step_phase_name(p);
  }
  EXPECT_EQ(e.at({StepPhase::shuffle, -1}).calls, 2);  // once per epoch
  const bool data_parallel = strategy == Strategy::data_parallel;
  EXPECT_EQ(e.contains({StepPhase::reduction, 0}), data_parallel);
  EXPECT_TRUE(e.contains({StepPhase::optimizer, data_parallel ? 0 : -1}));
  double seconds = 0.0;
  for (const auto& [key, entry] : e) {
    EXPECT_GE(entry.seconds, 0.0);
    seconds += entry.seconds;
  }
  EXPECT_GT(seconds, 0.0);

  profiler.reset();
  EXPECT_TRUE(profiler.entries().empty());
  EXPECT_EQ(profiler.steps(), 0);
}

INSTANTIATE_TEST_SUITE_P(Strategies, StepProfileTest,
                         ::testing::Values(std::pair{Strategy::data_parallel, 1}, std::pair{Strategy::data_parallel, 2},
                                           std::pair{Strategy::op_parallel, 1}, std::pair{Strategy::op_parallel, 2}));

TEST(StepProfiler, NamesEveryPhase) {
  for (int p = 0; p < static_cast<int>(StepPhase::count); ++p) {
    EXPECT_NE(step_phase_name(static_cast<StepPhase>(p)), "unknown");
  }
}

}  // namespace
}  // namespace trenchcoat::nn
