// Divergence and bad hyper-parameters: NaN / Inf / negative settings are refused
// before training starts; a loss or gradient that becomes NaN or Inf stops training
// with an error naming the epoch and the step, leaving the model at its last good
// state and the last checkpoint intact.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/checkpoint.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::string construction_error(const TrainerConfig& c) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  try {
    Trainer t(ctx, m, c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(NnDivergence, BadHyperParametersAreRefusedUpFront) {
  struct Case {
    TrainerConfig c;
    const char* fragment;
  };
  std::vector<Case> cases;
  auto add = [&](const char* fragment, auto&& edit) {
    TrainerConfig c;
    edit(c);
    cases.push_back({c, fragment});
  };
  add("learning rate must be a finite number, not nan", [](TrainerConfig& c) { c.optimizer.learning_rate = kNaN; });
  add("learning rate must be a finite number, not inf", [](TrainerConfig& c) { c.optimizer.learning_rate = kInf; });
  add("learning rate must be positive", [](TrainerConfig& c) { c.optimizer.learning_rate = -1; });
  add("weight decay must be >= 0", [](TrainerConfig& c) { c.optimizer.weight_decay = -0.1; });
  add("momentum must be a finite number, not nan", [](TrainerConfig& c) {
    c.optimizer.kind = OptimizerKind::momentum;
    c.optimizer.momentum = kNaN;
  });
  add("beta2 must be in [0, 1)", [](TrainerConfig& c) {
    c.optimizer.kind = OptimizerKind::adam;
    c.optimizer.beta2 = 1.0;
  });
  add("batch size must be at least 1, not 0", [](TrainerConfig& c) { c.batch_size = 0; });
  add("batch size must be at least 1, not -5", [](TrainerConfig& c) { c.batch_size = -5; });
  add("epochs must be >= 0, not -1", [](TrainerConfig& c) { c.epochs = -1; });
  add("gamma must be in (0, 1]", [](TrainerConfig& c) {
    c.schedule.kind = ScheduleKind::step;
    c.schedule.gamma = kInf;
  });
  add("warm-up steps must be >= 0", [](TrainerConfig& c) { c.schedule.warmup_steps = -3; });
  for (const Case& k : cases) {
    const std::string msg = construction_error(k.c);
    EXPECT_NE(msg.find(k.fragment), std::string::npos) << "expected \"" << k.fragment << "\", got \"" << msg << "\"";
  }
}

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A learning rate far too large makes the regression's loss explode; training must
// stop with TrainingDiverged, the model must hold the last good parameters, and the
// checkpoint saved before must be untouched.
TEST(NnDivergence, ExplodingLossStopsCleanly) {
  for (Strategy strategy : {Strategy::data_parallel, Strategy::op_parallel}) {
    SCOPED_TRACE(std::string(strategy_name(strategy)));
    const Dataset line = make_line(200, 3.0, 1.0, 0.1, 1);
    Context ctx(ContextOptions{.threads = 2});
    Model m(parse_model_spec("1-8-1", "identity", Head::mse), 1);
    TrainerConfig c;
    c.batch_size = 40;
    c.epochs = 100;
    c.strategy = strategy;
    c.optimizer = OptimizerConfig{.kind = OptimizerKind::momentum, .learning_rate = 50.0, .momentum = 0.9};
    Trainer t(ctx, m, c);
    const auto dir = std::filesystem::temp_directory_path() / ("trenchcoat-diverge-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "last-good.tcnn";
    save_checkpoint(file, t);
    const std::vector<std::uint8_t> saved = read_bytes(file);

    std::vector<float> last_good;
    std::int64_t last_step = 0;
    try {
      t.fit(line, [&](const StepInfo& s) {
        last_good.assign(m.parameters().begin(), m.parameters().end());
        last_step = s.global_step;
        return true;
      });
      ADD_FAILURE() << "training with learning rate 50 did not diverge";
    } catch (const TrainingDiverged& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("training diverged in epoch " + std::to_string(e.epoch() + 1)), std::string::npos) << what;
      EXPECT_NE(what.find("batch " + std::to_string(e.batch() + 1)), std::string::npos) << what;
      EXPECT_NE(what.find("step " + std::to_string(last_step + 1)), std::string::npos) << what;
      EXPECT_EQ(e.global_step(), last_step);
      EXPECT_GT(last_step, 0);
      // The failing step was not applied.
      ASSERT_EQ(last_good.size(), m.parameters().size());
      EXPECT_EQ(std::memcmp(last_good.data(), m.parameters().data(), m.parameters().size_bytes()), 0);
      EXPECT_EQ(t.progress().global_step, last_step);
    }
    EXPECT_EQ(read_bytes(file), saved);
    std::filesystem::remove_all(dir);
  }
}

// A finite loss whose gradient would overflow when summed (features of 1e21 and an
// error of the same size make |x| |dy| ~ 1e40): the step is refused before any
// gradient is applied, by either strategy.
TEST(NnDivergence, GradientTooLargeToSumStopsBeforeTheUpdate) {
  for (Strategy strategy : {Strategy::data_parallel, Strategy::op_parallel}) {
    Dataset d = Dataset::regression(64, 1, 1);
    for (std::int64_t i = 0; i < 64; ++i) {
      d.x[static_cast<std::size_t>(i)] = 1e21f;
      d.targets[static_cast<std::size_t>(i)] = 1.0f;
    }
    Context ctx(ContextOptions{.threads = 2});
    Model m(parse_model_spec("1-1", "identity", Head::mse), 1);
    const std::vector<float> before(m.parameters().begin(), m.parameters().end());
    TrainerConfig c;
    c.batch_size = 64;
    c.strategy = strategy;
    Trainer t(ctx, m, c);
    try {
      t.train_epoch(d);
      ADD_FAILURE() << strategy_name(strategy) << ": an overflowing gradient was applied";
    } catch (const TrainingDiverged& e) {
      EXPECT_NE(std::string(e.what()).find("too large to sum"), std::string::npos) << e.what();
    }
    EXPECT_EQ(std::memcmp(before.data(), m.parameters().data(), m.parameters().size_bytes()), 0);
    EXPECT_EQ(t.progress().global_step, 0);
  }
}

TEST(NnDivergence, NonFiniteDataIsRefusedOrStopsTraining) {
  Context ctx(ContextOptions{.threads = 1});
  // A feature that is not finite: refused before the first step, naming it.
  Dataset blobs = make_blobs(64, 4, 2, 0.5, 1);
  blobs.x[70] = std::numeric_limits<float>::infinity();
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  TrainerConfig c;
  c.batch_size = 32;
  c.shuffle = false;
  Trainer t(ctx, m, c);
  try {
    t.train_epoch(blobs);
    ADD_FAILURE() << "an infinite feature was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("feature 2 of sample 17 is not finite"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t.progress().global_step, 0);

  // A target that is not finite makes the loss NaN in the second batch: the first
  // step is taken, the second stops training.
  Dataset line = make_line(64, 1.0, 0.0, 0.1, 1);
  line.targets[40] = std::numeric_limits<float>::quiet_NaN();
  Model r(parse_model_spec("1-4-1", "tanh", Head::mse), 1);
  Trainer tr(ctx, r, c);
  try {
    tr.train_epoch(line);
    ADD_FAILURE() << "a NaN target did not stop training";
  } catch (const TrainingDiverged& e) {
    EXPECT_EQ(e.batch(), 1);
    EXPECT_NE(std::string(e.what()).find("the loss is nan"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tr.progress().global_step, 1);
}

}  // namespace
}  // namespace trenchcoat::nn
