// Training end to end on problems with known answers: XOR (which a single-layer
// perceptron cannot represent), the textbook straight-line regression, a small
// non-linear regression, and every optimizer on an easy classification.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/evaluate.hpp"
#include "trenchcoat/nn/model.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

TrainerConfig sgd_config(double lr, std::int64_t batch, std::int64_t epochs) {
  TrainerConfig c;
  c.batch_size = batch;
  c.epochs = epochs;
  c.seed = 11;
  c.optimizer.kind = OptimizerKind::sgd;
  c.optimizer.learning_rate = lr;
  return c;
}

TEST(NnTraining, XorNeedsAHiddenLayer) {
  Context ctx(ContextOptions{.threads = 1});
  const Dataset xor_data = make_xor();

  // A single-layer perceptron draws one straight boundary: at most 3 of 4 rows.
  Model perceptron(parse_model_spec("2-2", "identity"), 3);
  Trainer t1(ctx, perceptron, sgd_config(0.5, 4, 2000));
  t1.fit(xor_data);
  const EvalMetrics linear = evaluate(ctx, perceptron, xor_data);
  EXPECT_LT(linear.accuracy, 1.0);
  EXPECT_LE(linear.accuracy, 0.75);

  // Two hidden tanh units are enough, trained by plain SGD from a fixed seed.
  Model mlp(parse_model_spec("2-2-2", "tanh"), 3);
  Trainer t2(ctx, mlp, sgd_config(0.5, 4, 2000));
  const std::vector<EpochMetrics> history = t2.fit(xor_data);
  const EvalMetrics hidden = evaluate(ctx, mlp, xor_data);
  EXPECT_EQ(hidden.accuracy, 1.0);
  EXPECT_LT(hidden.loss, 0.1);
  EXPECT_LT(history.back().loss, history.front().loss);
}

TEST(NnTraining, XorWithReluAndMomentum) {
  Context ctx(ContextOptions{.threads = 1});
  const Dataset xor_data = make_xor();
  Model mlp(parse_model_spec("2-8-2", "relu"), 1);
  TrainerConfig c = sgd_config(0.1, 4, 500);
  c.optimizer.kind = OptimizerKind::momentum;
  Trainer t(ctx, mlp, c);
  t.fit(xor_data);
  EXPECT_EQ(evaluate(ctx, mlp, xor_data).accuracy, 1.0);
}

TEST(NnTraining, StraightLineRegressionRecoversSlopeAndIntercept) {
  Context ctx(ContextOptions{.threads = 2});
  const double slope = 2.5, intercept = -0.7;
  const Dataset line = make_line(400, slope, intercept, 0.1, 5);
  // The least-squares answer for these noisy points, which gradient descent must find.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::int64_t i = 0; i < line.samples; ++i) {
    const double x = line.x[static_cast<std::size_t>(i)], y = line.targets[static_cast<std::size_t>(i)];
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const auto n = static_cast<double>(line.samples);
  const double ls_slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double ls_intercept = (sy - ls_slope * sx) / n;

  // Plain (full-batch) gradient descent converges to the least-squares fit itself.
  Model m(parse_model_spec("1-1", "identity", Head::mse), 2);
  Trainer t(ctx, m, sgd_config(0.5, line.samples, 300));
  t.fit(line);
  const float learned_slope = m.dense(0).weights.row(0)[0];
  const float learned_intercept = m.dense(0).bias[0];
  EXPECT_NEAR(learned_slope, ls_slope, 1e-4);
  EXPECT_NEAR(learned_intercept, ls_intercept, 1e-4);
  EXPECT_NEAR(learned_slope, slope, 0.05);
  EXPECT_NEAR(learned_intercept, intercept, 0.05);
  // The remaining loss is the noise: MSE ~ 0.1^2.
  EXPECT_NEAR(evaluate(ctx, m, line).loss, 0.01, 0.004);
}

TEST(NnTraining, SineRegressionConverges) {
  Context ctx(ContextOptions{.threads = 2});
  const Dataset sine = make_sine(512, 0.05, 9);
  Model m(parse_model_spec("1-32-32-1", "tanh", Head::mse), 4);
  TrainerConfig c;
  c.batch_size = 32;
  c.epochs = 300;
  c.optimizer.kind = OptimizerKind::adam;
  c.optimizer.learning_rate = 0.01;
  c.schedule.kind = ScheduleKind::cosine;
  const double before = evaluate(ctx, m, sine).loss;
  Trainer t(ctx, m, c);
  t.fit(sine);
  const double after = evaluate(ctx, m, sine).loss;
  EXPECT_GT(before, 0.2);   // sin(pi x) has variance 1/2
  EXPECT_LT(after, 0.01);   // noise floor 0.0025
}

class EveryOptimizer : public ::testing::TestWithParam<OptimizerKind> {};

TEST_P(EveryOptimizer, LearnsSeparableBlobs) {
  Context ctx(ContextOptions{.threads = 2});
  const Dataset blobs = make_blobs(600, 8, 3, 0.3, 21);
  Model m(parse_model_spec("8-16-3", "relu"), 6);
  TrainerConfig c;
  c.batch_size = 50;
  c.epochs = 20;
  c.optimizer.kind = GetParam();
  const bool adaptive = GetParam() == OptimizerKind::adam || GetParam() == OptimizerKind::adamw;
  c.optimizer.learning_rate = adaptive ? 0.01 : 0.05;
  c.optimizer.weight_decay = 1e-4;
  c.schedule.warmup_steps = 10;
  Trainer t(ctx, m, c);
  const std::vector<EpochMetrics> h = t.fit(blobs);
  ASSERT_EQ(h.size(), 20u);
  EXPECT_TRUE(h.back().complete);
  EXPECT_EQ(h.back().samples, 600);
  EXPECT_EQ(h.back().steps, 12);
  EXPECT_LT(h.back().loss, h.front().loss);
  EXPECT_GE(evaluate(ctx, m, blobs).accuracy, 0.97);
}

INSTANTIATE_TEST_SUITE_P(NnTraining, EveryOptimizer,
                         ::testing::Values(OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::nesterov,
                                           OptimizerKind::adam, OptimizerKind::adamw),
                         [](const ::testing::TestParamInfo<OptimizerKind>& param) {
                           return std::string(optimizer_name(param.param));
                         });

TEST(NnTraining, LastPartialBatchIsUsed) {
  Context ctx(ContextOptions{.threads = 2});
  const Dataset blobs = make_blobs(103, 4, 2, 0.5, 2);
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  std::vector<std::int64_t> rows;
  Trainer t(ctx, m, sgd_config(0.1, 25, 1));
  const EpochMetrics e = t.train_epoch(blobs, [&](const StepInfo& s) {
    rows.push_back(s.rows);
    return true;
  });
  EXPECT_EQ(rows, (std::vector<std::int64_t>{25, 25, 25, 25, 3}));
  EXPECT_EQ(e.samples, 103);
  EXPECT_EQ(e.steps, 5);
  EXPECT_TRUE(t.finished());
  EXPECT_THROW(t.train_epoch(blobs), std::logic_error);
}

TEST(NnTraining, DatasetMustFitTheModel) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  Trainer t(ctx, m, sgd_config(0.1, 8, 1));
  auto message = [&](const Dataset& d) {
    try {
      t.train_epoch(d);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(make_blobs(20, 5, 2, 0.5, 1)).find("5 features"), std::string::npos);
  EXPECT_NE(message(make_blobs(20, 4, 3, 0.5, 1)).find("3 classes"), std::string::npos);
  EXPECT_NE(message(Dataset::regression(20, 4, 2)).find("regression targets"), std::string::npos);
  Dataset bad = make_blobs(20, 4, 2, 0.5, 1);
  bad.labels[7] = 2;
  EXPECT_NE(message(bad).find("label 2 of sample 7"), std::string::npos);
  EXPECT_EQ(t.progress().global_step, 0);
}

}  // namespace
}  // namespace trenchcoat::nn
