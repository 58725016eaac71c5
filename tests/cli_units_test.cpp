// The CLI's pure parts, without running a subcommand: the PGM reader, `train`'s flag
// handling (argv -> plan), the --data names, the confusion matrix.

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_common.hpp"
#include "confusion.hpp"
#include "data_source.hpp"
#include "pgm.hpp"
#include "train_options.hpp"
#include "trenchcoat/nn/model.hpp"

namespace {

using namespace trenchcoat::cli;
namespace nn = trenchcoat::nn;

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

TEST(Pgm, AsciiWithComments) {
  const GrayImage img = parse_pgm(bytes_of("P2\n# a comment\n3 # width\n2\n4\n0 1 2\n3 4 0\n"), "a.pgm");
  EXPECT_EQ(img.width, 3);
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.pixels, (std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 0.0f}));
}

TEST(Pgm, BinaryEightAndSixteenBit) {
  std::string p5 = "P5 2 1 255\n";
  p5 += static_cast<char>(0);
  p5 += static_cast<char>(255);
  EXPECT_EQ(parse_pgm(bytes_of(p5), "b.pgm").pixels, (std::vector<float>{0.0f, 1.0f}));
  std::string wide = "P5 1 1 65535\n";
  wide += static_cast<char>(0xFF);
  wide += static_cast<char>(0xFF);
  EXPECT_EQ(parse_pgm(bytes_of(wide), "w.pgm").pixels, (std::vector<float>{1.0f}));
}

void expect_pgm_error(const std::string& text, const std::string& part) {
  try {
    parse_pgm(bytes_of(text), "x.pgm");
    FAIL() << "accepted " << text;
  } catch (const PgmError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("x.pgm: ", 0), 0u) << what;
    EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

TEST(Pgm, RejectsBadImages) {
  expect_pgm_error("", "not a PGM");
  expect_pgm_error("P6 1 1 255\n\x01\x02\x03", "not a PGM");
  expect_pgm_error("P2", "truncated");
  expect_pgm_error("P2 0 1 255", "width is 0");
  expect_pgm_error("P2 2 2 255 1 2 3", "truncated");
  expect_pgm_error("P2 1 1 255 256", "exceeds 255");
  expect_pgm_error("P2 1 1 0 0", "maximum value is 0");
  expect_pgm_error("P2 1 1 70000 0", "exceeds 65535");
  expect_pgm_error("P2 99999999999999999999999 1 255", "exceeds");
  expect_pgm_error("P2 100000 100000 255", "over the limit");
  expect_pgm_error("P2 1 1 255 7x", "unexpected character");
  expect_pgm_error("P2 1 1 255 7 8", "unexpected data");
  expect_pgm_error("P5 4 4 255\n\x01\x02", "truncated");
  expect_pgm_error("P5 1 1 15\n\x10", "above the maximum value");
}

TrainFlags parse_train(std::vector<std::string> args) {
  CLI::App app;
  TrainFlags f;
  add_train_flags(app, f);
  std::reverse(args.begin(), args.end());  // CLI11 takes argv reversed from a vector
  app.parse(args);
  return f;
}

TEST(TrainOptions, DefaultRecipeForMnist) {
  const TrainPlan p = plan_training(parse_train({}), DataKind::mnist, 784, 10);
  EXPECT_EQ(p.layers, "784-128-10");
  EXPECT_EQ(p.activation, "relu");
  EXPECT_EQ(p.spec, nn::parse_model_spec("784-128-10", "relu"));
  EXPECT_EQ(p.config.optimizer.kind, nn::OptimizerKind::nesterov);
  EXPECT_EQ(p.config.schedule.kind, nn::ScheduleKind::cosine);
  EXPECT_EQ(p.config.batch_size, 128);
  // Op-parallel was the faster strategy on MNIST; a folder and an MPI job get data-parallel.
  EXPECT_EQ(p.config.strategy, nn::Strategy::op_parallel);
  EXPECT_EQ(plan_training(parse_train({}), DataKind::folder, 784, 10).config.strategy, nn::Strategy::data_parallel);
  TrainFlags distributed = parse_train({});
  distributed.distributed = true;
  EXPECT_EQ(plan_training(distributed, DataKind::mnist, 784, 10).config.strategy, nn::Strategy::data_parallel);
  EXPECT_EQ(plan_training(parse_train({"--strategy", "data"}), DataKind::mnist, 784, 10).config.strategy,
            nn::Strategy::data_parallel);
}

TEST(TrainOptions, FlagsOverrideTheRecipe) {
  const TrainPlan p = plan_training(parse_train({"--layers", "784-16-10", "--epochs", "7", "--batch", "100", "--lr",
                                                 "0.3", "--optimizer", "adam", "--schedule", "step", "--seed", "9",
                                                 "--strategy", "op", "--weight-decay", "0.001", "--warmup", "50"}),
                                    DataKind::mnist, 784, 10);
  EXPECT_EQ(p.layers, "784-16-10");
  EXPECT_EQ(p.config.epochs, 7);
  EXPECT_EQ(p.config.batch_size, 100);
  EXPECT_EQ(p.config.optimizer.learning_rate, 0.3);
  EXPECT_EQ(p.config.optimizer.kind, nn::OptimizerKind::adam);
  EXPECT_EQ(p.config.optimizer.weight_decay, 0.001);
  EXPECT_EQ(p.config.schedule.kind, nn::ScheduleKind::step);
  EXPECT_EQ(p.config.schedule.warmup_steps, 50);
  EXPECT_EQ(p.config.seed, 9u);
  EXPECT_EQ(p.model_seed, 9u);
  EXPECT_EQ(p.config.strategy, nn::Strategy::op_parallel);
}

TEST(TrainOptions, LayerSpecMustMatchTheData) {
  EXPECT_THROW(plan_training(parse_train({"--layers", "784-128-9"}), DataKind::mnist, 784, 10), UsageError);
  EXPECT_THROW(plan_training(parse_train({"--layers", "783-128-10"}), DataKind::mnist, 784, 10), UsageError);
  EXPECT_THROW(plan_training(parse_train({"--layers", ""}), DataKind::mnist, 784, 10), UsageError);
  // A folder's shape is unknown before loading: only the spec's own validity is checked.
  EXPECT_NO_THROW(plan_training(parse_train({"--layers", "5-3-2"}), DataKind::folder, 0, 0));
  EXPECT_THROW(plan_training(parse_train({"--layers", "5-x-2"}), DataKind::folder, 0, 0), UsageError);
  EXPECT_THROW(plan_training(parse_train({"--activation", "nope"}), DataKind::folder, 0, 0), UsageError);
}

TEST(TrainOptions, BadValuesAreUsageErrors) {
  EXPECT_THROW(plan_training(parse_train({"--lr", "nan"}), DataKind::mnist, 784, 10), UsageError);
  EXPECT_THROW(plan_training(parse_train({"--lr", "0"}), DataKind::mnist, 784, 10), UsageError);
  EXPECT_THROW(plan_training(parse_train({"--momentum", "1"}), DataKind::mnist, 784, 10), UsageError);
  EXPECT_THROW(plan_training(parse_train({"--optimizer", "x"}), DataKind::mnist, 784, 10), UsageError);
  EXPECT_THROW(parse_train({"--epochs", "0"}), CLI::ParseError);
  EXPECT_THROW(parse_train({"--batch", "-1"}), CLI::ParseError);
  EXPECT_THROW(parse_train({"--nope"}), CLI::ParseError);
}

TEST(TrainOptions, ResumeKeepsTheSavedConfiguration) {
  nn::Checkpoint ck;
  ck.spec = nn::parse_model_spec("784-32-10", "relu");
  nn::TrainingState st;
  st.config.epochs = 5;
  st.config.batch_size = 64;
  st.config.optimizer.kind = nn::OptimizerKind::nesterov;
  st.config.optimizer.learning_rate = 0.1;
  st.progress.epoch = 2;
  ck.training = st;
  const TrainPlan p = plan_resume(parse_train({}), ck, 784, 10);
  EXPECT_EQ(p.layers, "784-32-10");
  EXPECT_EQ(p.config, st.config);
  EXPECT_NO_THROW(plan_resume(parse_train({"--epochs", "5", "--lr", "0.1", "--layers", "784-32-10"}), ck, 784, 10));
  EXPECT_THROW(plan_resume(parse_train({"--epochs", "6"}), ck, 784, 10), UsageError);
  EXPECT_THROW(plan_resume(parse_train({"--lr", "0.2"}), ck, 784, 10), UsageError);
  EXPECT_THROW(plan_resume(parse_train({"--layers", "784-64-10"}), ck, 784, 10), UsageError);
  EXPECT_THROW(plan_resume(parse_train({}), ck, 100, 10), UsageError);
  ck.training->progress.epoch = 5;
  EXPECT_THROW(plan_resume(parse_train({}), ck, 784, 10), UsageError);
  ck.training.reset();
  EXPECT_THROW(plan_resume(parse_train({}), ck, 784, 10), UsageError);
}

TEST(DataChoice, NamesAndFolders) {
  EXPECT_EQ(parse_data_choice("mnist").kind, DataKind::mnist);
  EXPECT_EQ(parse_data_choice("fashion-mnist").kind, DataKind::fashion_mnist);
  EXPECT_EQ(parse_data_choice("xor").kind, DataKind::xor_table);
  const DataChoice d = parse_data_choice("some/dir");
  EXPECT_EQ(d.kind, DataKind::folder);
  EXPECT_EQ(d.dir, "some/dir");
  EXPECT_THROW(parse_data_choice(""), UsageError);
}

TEST(Confusion, CountsAndPerClassAccuracy) {
  const std::vector<std::int32_t> labels = {0, 0, 1, 1, 1, 2};
  const std::vector<std::int32_t> predicted = {0, 1, 1, 1, 0, 2};
  const Confusion c = confusion_matrix(labels, predicted, 3);
  EXPECT_EQ(c.at(0, 0), 1);
  EXPECT_EQ(c.at(0, 1), 1);
  EXPECT_EQ(c.at(1, 0), 1);
  EXPECT_EQ(c.at(1, 1), 2);
  EXPECT_EQ(c.support(1), 3);
  EXPECT_DOUBLE_EQ(c.class_accuracy(1), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.class_accuracy(2), 1.0);
  const std::string text = format_confusion(c);
  EXPECT_NE(text.find("true\\pred"), std::string::npos) << text;
}

}  // namespace
