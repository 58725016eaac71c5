// Hostile inputs at the network layer's public entry points that the per-area tests
// do not already cover: files that are not files (directories, paths through a
// regular file, empty files), a save that runs out of space, datasets whose sizes
// are empty, inconsistent or overflowing, batches larger than the data, predictions
// of the wrong shape, and names that are not names. Every refusal must be an
// exception (in every build type) whose message names the offending value.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/nn/checkpoint.hpp"
#include "trenchcoat/nn/dataset.hpp"
#include "trenchcoat/nn/evaluate.hpp"
#include "trenchcoat/nn/synthetic.hpp"
#include "trenchcoat/nn/trainer.hpp"

namespace trenchcoat::nn {
namespace {

namespace fs = std::filesystem;

// The message of the exception of type E that `f` throws; fails the test when it
// throws nothing (or something else, which escapes to gtest as an error).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

#define EXPECT_MESSAGE_HAS(message, text) \
  EXPECT_NE((message).find(text), std::string::npos) << "message: '" << (message) << "'"

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("trenchcoat-hostile-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(NnHostileFiles, LoadingSomethingThatIsNotACheckpointFile) {
  TempDir dir;
  // A directory where a file is expected.
  const std::string as_dir = message_of<CheckpointError>([&] { load_checkpoint(dir.path()); });
  EXPECT_MESSAGE_HAS(as_dir, dir.path().string());
  // A path that runs through a regular file.
  const fs::path plain = dir.path() / "plain";
  std::ofstream(plain) << "not a checkpoint";
  const std::string through = message_of<CheckpointError>([&] { load_checkpoint(plain / "model.tcnn"); });
  EXPECT_MESSAGE_HAS(through, "plain/model.tcnn");
  // A file that is not a checkpoint, and an empty one.
  EXPECT_MESSAGE_HAS(message_of<CheckpointError>([&] { load_checkpoint(plain); }), "bad magic");
  const fs::path empty = dir.path() / "empty.tcnn";
  std::ofstream(empty).flush();
  EXPECT_MESSAGE_HAS(message_of<CheckpointError>([&] { load_checkpoint(empty); }), "0 bytes");
  // Not a path at all.
  EXPECT_THROW(load_checkpoint(""), CheckpointError);
}

TEST(NnHostileFiles, SavingIntoAPathThatCannotHoldAFile) {
  TempDir dir;
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  const fs::path plain = dir.path() / "plain";
  std::ofstream(plain) << "x";
  EXPECT_MESSAGE_HAS(message_of<std::runtime_error>([&] { save_model(plain / "model.tcnn", m); }),
                     "plain/model.tcnn");
  EXPECT_MESSAGE_HAS(message_of<std::runtime_error>([&] { save_model("", m); }), "names no file");
  EXPECT_MESSAGE_HAS(message_of<std::runtime_error>([&] { save_model(dir.path() / "sub/", m); }), "names no file");
}

// Lowers this process's file-size limit for its lifetime, with SIGXFSZ ignored, so a
// write past the limit fails with EFBIG like a write to a full disk fails with ENOSPC
// (what a test can provoke without privileges or a special file system). Each ctest
// test is its own process, and the limit is restored on the way out.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = SIG_DFL;
  bool ok_ = false;
};

TEST(NnHostileFiles, AFullDiskOnSaveKeepsThePreviousCheckpoint) {
  TempDir dir;
  const fs::path file = dir.path() / "run.tcnn";
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("8-16-4", "relu"), 1);
  TrainerConfig config;
  config.batch_size = 16;
  config.epochs = 2;
  config.optimizer.kind = OptimizerKind::adam;
  Trainer trainer(ctx, m, config);
  const Dataset data = make_blobs(64, 8, 4, 0.3, 1);
  trainer.train_epoch(data);
  save_checkpoint(file, trainer);
  const std::vector<std::uint8_t> before = read_bytes(file);
  ASSERT_GT(before.size(), 1024u);

  trainer.train_epoch(data);  // a newer state, which the failed save must not leave behind
  {
    FileSizeLimit limit(512);  // room for the header and part of the payload only
    ASSERT_TRUE(limit.ok());
    const std::string msg = message_of<std::runtime_error>([&] { save_checkpoint(file, trainer); });
    EXPECT_MESSAGE_HAS(msg, file.string());
    EXPECT_MESSAGE_HAS(msg, "File too large");
  }
  EXPECT_EQ(read_bytes(file), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.tcnn"});  // no temporary file left behind
  const Checkpoint ck = load_checkpoint(file);
  ASSERT_TRUE(ck.training.has_value());
  EXPECT_EQ(ck.training->progress.epoch, 1);
}

TEST(NnHostileData, EmptyDatasetsAreRefused) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  Trainer t(ctx, m, TrainerConfig{});
  const Dataset empty;
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { t.train_epoch(empty); }), "empty");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { evaluate(ctx, m, empty); }), "empty");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { empty.validate(); }), "0 samples");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Dataset::classification(0, 4, 2); }), "0 x 4");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Dataset::classification(-3, 4, 2); }), "-3 x 4");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Dataset::classification(5, 4, 1); }), "not 1");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Dataset::regression(5, 4, 0); }), "5 x 0");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Dataset::regression(std::int64_t{1} << 40, 1 << 30, 1); }),
                     "too large");
  const Dataset blobs = make_blobs(10, 4, 2, 0.5, 1);
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { blobs.slice(4, 4); }), "[4, 4)");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { blobs.slice(-1, 3); }), "[-1, 3)");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { blobs.slice(0, 11); }), "[0, 11)");
  EXPECT_EQ(t.progress().global_step, 0);
}

// Sizes whose product overflows must be refused by the checks, not wrap around to a
// small number that happens to match the (empty) storage.
TEST(NnHostileData, SizesWhoseProductOverflowsAreRefused) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3-4", "relu", Head::mse), 1);
  Trainer t(ctx, m, TrainerConfig{});
  Dataset huge;
  huge.samples = std::int64_t{1} << 62;  // x 4 features wraps to 0 in 64 bits
  huge.features = 4;
  huge.target_width = 4;
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { huge.validate(); }), "feature matrix");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { t.train_epoch(huge); }), "matrix");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { evaluate(ctx, m, huge); }), "matrix");
  EXPECT_EQ(t.progress().global_step, 0);
}

TEST(NnHostileData, InconsistentHandMadeDatasets) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  Trainer t(ctx, m, TrainerConfig{});
  Dataset short_x = make_blobs(10, 4, 2, 0.5, 1);
  short_x.x.pop_back();
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { short_x.validate(); }), "39 floats");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { t.train_epoch(short_x); }), "feature matrix");
  Dataset short_labels = make_blobs(10, 4, 2, 0.5, 1);
  short_labels.labels.resize(9);
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { t.train_epoch(short_labels); }), "9 labels");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { evaluate(ctx, m, short_labels); }), "9 labels");
  Dataset negative_label = make_blobs(10, 4, 2, 0.5, 1);
  negative_label.labels[3] = -1;
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { t.train_epoch(negative_label); }), "label -1 of sample 3");
  Dataset inf_feature = make_blobs(10, 4, 2, 0.5, 1);
  inf_feature.x[9] = std::numeric_limits<float>::infinity();
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { inf_feature.validate(); }), "feature 1 of sample 2");
  EXPECT_EQ(t.progress().global_step, 0);
}

TEST(NnHostileData, ABatchLargerThanTheDataIsOneBatch) {
  Context ctx(ContextOptions{.threads = 2});
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  TrainerConfig config;
  config.batch_size = 1000;
  config.epochs = 2;
  Trainer t(ctx, m, config);
  const Dataset small = make_blobs(7, 4, 2, 0.5, 1);
  const EpochMetrics first = t.train_epoch(small);
  EXPECT_EQ(first.steps, 1);
  EXPECT_EQ(first.samples, 7);
  EXPECT_TRUE(std::isfinite(first.loss));
  EXPECT_EQ(t.progress().global_step, 1);
}

TEST(NnHostileData, PredictionsOfTheWrongShape) {
  Context ctx(ContextOptions{.threads = 1});
  Model m(parse_model_spec("4-3-2", "relu"), 1);
  const Dataset data = make_blobs(10, 4, 2, 0.5, 1);
  std::vector<std::int32_t> nine(9);
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { evaluate(ctx, m, data, nine); }), "not 9");
  std::vector<float> in(40), out(20);
  EXPECT_MESSAGE_HAS(
      message_of<std::invalid_argument>([&] { predict(ctx, m, dense(in.data(), 10, 4), dense(out.data(), 10, 3)); }),
      "10 x 3");
  EXPECT_MESSAGE_HAS(
      message_of<std::invalid_argument>([&] { predict(ctx, m, dense(in.data(), 10, 5), dense(out.data(), 10, 2)); }),
      "10 x 5");
  EXPECT_MESSAGE_HAS(
      message_of<std::invalid_argument>([&] { predict(ctx, m, dense(in.data(), 0, 4), dense(out.data(), 0, 2)); }),
      "0 x 4");
  // Null storage behind a non-empty view: refused by the kernels' own checks.
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>(
                         [&] { predict(ctx, m, dense(static_cast<const float*>(nullptr), 10, 4), dense(out.data(), 10, 2)); }),
                     "null");
}

TEST(NnHostileData, HandMadeSpecsAndNames) {
  ModelSpec spec = parse_model_spec("4-3-2", "relu");
  spec.layers[0].units = -7;
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Model(spec, 1); }), "-7");
  spec = parse_model_spec("4-3-2", "relu");
  spec.inputs = 0;
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { Model(spec, 1); }), '0');
  spec = parse_model_spec("4-3-2", "relu");
  spec.layers[1].activation.kind = static_cast<Activation>(99);
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { spec.validate(); }), "99");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { parse_head("softmax"); }), "\"softmax\"");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { parse_init(""); }), "\"\"");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { parse_strategy("both"); }), "\"both\"");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { parse_activation("ReLU"); }), "ReLU");
  EXPECT_MESSAGE_HAS(message_of<std::invalid_argument>([&] { parse_model_spec("4-3-2", "relu\n"); }), "relu");
}

}  // namespace
}  // namespace trenchcoat::nn
