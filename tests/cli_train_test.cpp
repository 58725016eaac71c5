// The `trenchcoat` binary driven as a user drives it: bad flags exit 2 with one line
// on stderr; --json holds what the README promises; --save then eval agree; a run
// stopped (by the hidden --stop-after-steps, or by SIGINT) and resumed ends with the
// very same checkpoint as an uninterrupted run.
//
// Every run points TRENCHCOAT_DATA_DIR at a scratch folder holding a small
// MNIST-shaped idx set, so nothing here reads or downloads the real MNIST.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/idx_fixtures.hpp"
#include "support/run_process.hpp"
#include "support/usage_error.hpp"

namespace {

namespace fs = std::filesystem;
using trenchcoat::testing::ProcessResult;
using trenchcoat::testing::expect_usage_error;
using trenchcoat::testing::read_text;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tc_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // MNIST's shape (28 x 28, 10 classes), few samples: a stand-in that loads in
    // milliseconds wherever a check would wrongly let a run start.
    trenchcoat::testing::write_idx_folder(dir_ / "data" / "mnist", 100, 20, 28, 28, 10);
    // A learnable toy set of 8 x 8 images in 4 classes, gzip'd.
    trenchcoat::testing::write_idx_folder(toy(), 256, 64, 8, 8, 4, true);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string toy() const { return (dir_ / "toy").string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), TRENCHCOAT_BINARY);
    return trenchcoat::testing::run_process(args, env(), dir_);
  }
  std::map<std::string, std::string> env() const {
    return {{"TRENCHCOAT_DATA_DIR", (dir_ / "data").string()}, {"TRENCHCOAT_ISA", ""}};
  }

  // A short toy run's flags.
  std::vector<std::string> toy_train(std::vector<std::string> extra) const {
    // --warmup 0: the default recipe warms up over 200 steps, longer than this whole
    // 24-step run, which would never reach its learning rate.
    std::vector<std::string> a = {"train", "--data", toy(), "--layers", "64-32-4", "--epochs", "3",
                                  "--batch", "32", "--lr", "0.05", "--warmup", "0", "--quiet"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  fs::path dir_;
};

TEST_F(CliTest, BadTrainFlagsExitTwoWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},
      {"--epochs", "0"},
      {"--epochs", "-1"},
      {"--epochs", "abc"},
      {"--epochs", "99999999999999999999"},
      {"--epochs", "1000000"},
      {"--batch", "0"},
      {"--batch", "-64"},
      {"--batch", "12.5"},
      {"--batch", "999999999"},
      {"--lr", "0"},
      {"--lr", "-0.1"},
      {"--lr", "nan"},
      {"--lr", "inf"},
      {"--lr", "fast"},
      {"--lr", "1e9"},
      {"--momentum", "1"},
      {"--momentum", "-0.5"},
      {"--weight-decay", "-1"},
      {"--seed", "-1"},
      {"--seed", "x"},
      {"--warmup", "-3"},
      {"--threads", "-1"},
      {"--threads", "99999"},
      {"--isa", "avx9000"},
      {"--layers", "784-128-12"},
      {"--layers", "100-128-10"},
      {"--layers", "784-0-10"},
      {"--layers", "784--10"},
      {"--layers", "seven"},
      {"--layers", ""},
      {"--activation", "swish2"},
      {"--optimizer", "lbfgs"},
      {"--schedule", "sawtooth"},
      {"--strategy", "model"},
      {"--data", ""},
      {"--data", "/nonexistent/trenchcoat/data"},
      {"--save", "/nonexistent/dir/model.tcnn"},
      {"--save", "/tmp"},
      {"--save", "x.tcnn", "--no-save"},
      {"--json", "/nonexistent/dir/run.json"},
      {"--resume", "/nonexistent/run.tcnn"},
      {"--epochs"},
      {"extra-positional"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"train"};
    args.insert(args.end(), c.begin(), c.end());
    std::string what = "train";
    for (const auto& a : c) what += " '" + a + "'";
    expect_usage_error(run(args), what);
  }
}

TEST_F(CliTest, FlagsThatNeedTheDataExitTwo) {
  expect_usage_error(run({"train", "--data", "xor", "--batch", "5", "--no-save"}), "batch larger than xor");
  expect_usage_error(run({"train", "--data", "xor", "--layers", "3-4-2", "--no-save"}), "xor inputs");
  expect_usage_error(run({"train", "--data", toy(), "--layers", "64-32-3", "--no-save"}), "toy classes");
  expect_usage_error(run({"train", "--data", toy(), "--layers", "63-32-4", "--no-save"}), "toy inputs");
}

TEST_F(CliTest, BadEvalAndPredictFlagsExitTwo) {
  ASSERT_EQ(run(toy_train({"--save", path("m.tcnn")})).status, 0);
  const std::vector<std::vector<std::string>> cases = {
      {"eval"},
      {"eval", "--model", path("missing.tcnn")},
      {"eval", "--model", path("m.tcnn"), "--data", "mnist"},  // 64 inputs vs 784 features
      {"eval", "--model", path("m.tcnn"), "--data", toy(), "--json", "/nonexistent/e.json"},
      {"predict", "--model", path("m.tcnn")},
      {"predict", "--model", path("m.tcnn"), "--data", toy(), "--index", "-1"},
      {"predict", "--model", path("m.tcnn"), "--data", toy(), "--index", "64"},
      {"predict", "--model", path("m.tcnn"), "--data", toy(), "--index", "1", path("x.pgm")},
      {"predict", "--model", path("m.tcnn"), "--data", toy(), "--index", "1", "--invert", "sometimes"},
      {"bogus-command"},
  };
  for (const auto& c : cases) {
    std::string what;
    for (const auto& a : c) what += " '" + a + "'";
    expect_usage_error(run(c), what);
  }
}

TEST_F(CliTest, HelpExitsZero) {
  const ProcessResult r = run({"train", "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--data", "--layers", "--activation", "--epochs", "--batch", "--optimizer", "--lr",
                           "--momentum", "--weight-decay", "--schedule", "--threads", "--seed", "--strategy", "--isa",
                           "--save", "--resume", "--json", "--quiet"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(r.out.find("--stop-after-steps"), std::string::npos) << "the test-only flag is hidden";
}

TEST_F(CliTest, ProfilePrintsEveryPhaseAndWritesItsJson) {
  for (const char* strategy : {"data", "op"}) {
    const ProcessResult r =
        run(toy_train({"--no-save", "--profile", "--strategy", strategy, "--json", path("profile.json")}));
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char* row : {"forward L1 (64x32)", "weight_gradient L2 (32x4)", "optimizer", "gather", "total profiled"}) {
      EXPECT_NE(r.out.find(row), std::string::npos) << strategy << ": " << row << "\n" << r.out;
    }
    const nlohmann::json j = nlohmann::json::parse(read_text(path("profile.json")));
    const auto& totals = j["profile_totals"];
    EXPECT_EQ(totals["timing"], std::string(strategy) == "data" ? "thread_seconds" : "wall_seconds");
    EXPECT_GT(totals["steps"].get<int>(), 0);
    double percent = 0.0;
    bool first_gemm = false;
    for (const auto& e : j["profile"]) {
      EXPECT_GE(e["seconds"].get<double>(), 0.0);
      percent += e["percent"].get<double>();
      if (e["phase"] == "forward" && e["layer"] == 1) first_gemm = e["gflops"].is_number();
    }
    EXPECT_NEAR(percent, 100.0, 1e-6) << strategy;
    EXPECT_TRUE(first_gemm) << strategy << ": the first layer's forward GEMM has a GFLOP/s figure";
  }
}

TEST_F(CliTest, JsonHoldsConfigurationMachineEpochsAndFinal) {
  const ProcessResult r = run(toy_train({"--save", path("m.tcnn"), "--json", path("run.json")}));
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_text(path("run.json")));
  EXPECT_EQ(j["schema"], "trenchcoat-train-1");
  const auto& c = j["configuration"];
  EXPECT_EQ(c["layers"], "64-32-4");
  EXPECT_EQ(c["activation"], "relu");
  EXPECT_EQ(c["epochs"], 3);
  EXPECT_EQ(c["batch"], 32);
  EXPECT_EQ(c["optimizer"], "nesterov");
  EXPECT_EQ(c["learning_rate"], 0.05);
  EXPECT_EQ(c["schedule"], "cosine");
  EXPECT_EQ(c["strategy"], "data");
  EXPECT_EQ(c["train_samples"], 256);
  EXPECT_EQ(c["test_samples"], 64);
  EXPECT_EQ(c["parameters"], 64 * 32 + 32 + 32 * 4 + 4);
  const auto& m = j["machine"];
  EXPECT_FALSE(m["cpu"].get<std::string>().empty());
  EXPECT_TRUE(m["isa"] == "scalar" || m["isa"] == "avx2" || m["isa"] == "avx512") << m["isa"];
  EXPECT_GE(m["threads"].get<int>(), 1);
  ASSERT_EQ(j["epochs"].size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    const auto& ep = j["epochs"][e];
    EXPECT_EQ(ep["epoch"], e + 1);
    EXPECT_GE(ep["test_accuracy"].get<double>(), 0.0);
    EXPECT_LE(ep["test_accuracy"].get<double>(), 1.0);
    EXPECT_GT(ep["seconds"].get<double>(), 0.0);
    EXPECT_GT(ep["train_loss"].get<double>(), 0.0);
  }
  const auto& f = j["final"];
  const double acc = f["test_accuracy"].get<double>();
  EXPECT_GE(acc, 0.9) << "the toy problem is easy";
  EXPECT_LE(acc, 1.0);
  EXPECT_EQ(acc, j["epochs"][2]["test_accuracy"].get<double>());
  EXPECT_GT(f["train_seconds"].get<double>(), 0.0);
  EXPECT_GE(f["data_seconds"].get<double>(), 0.0);
  EXPECT_EQ(f["epochs"], 3);
  EXPECT_EQ(f["steps"], 3 * 8);
  EXPECT_EQ(f["interrupted"], false);
  EXPECT_EQ(f["model_file"], path("m.tcnn"));
  EXPECT_EQ(f["confusion"]["matrix"].size(), 4u);
  long total = 0;
  for (const auto& row : f["confusion"]["matrix"]) {
    for (const auto& v : row) total += v.get<long>();
  }
  EXPECT_EQ(total, 64);
  // The text report says the same.
  EXPECT_NE(r.out.find("test accuracy"), std::string::npos) << r.out;
}

TEST_F(CliTest, SaveThenEvalGivesTheSameAccuracy) {
  ASSERT_EQ(run(toy_train({"--save", path("m.tcnn"), "--json", path("train.json")})).status, 0);
  const ProcessResult e = run({"eval", "--model", path("m.tcnn"), "--data", toy(), "--json", path("eval.json")});
  ASSERT_EQ(e.status, 0) << e.err;
  const nlohmann::json t = nlohmann::json::parse(read_text(path("train.json")));
  const nlohmann::json v = nlohmann::json::parse(read_text(path("eval.json")));
  EXPECT_EQ(v["accuracy"].get<double>(), t["final"]["test_accuracy"].get<double>());
  EXPECT_EQ(v["loss"].get<double>(), t["final"]["test_loss"].get<double>());
  EXPECT_EQ(v["confusion"]["matrix"], t["final"]["confusion"]["matrix"]);
  EXPECT_NE(e.out.find("per-class accuracy"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("confusion matrix"), std::string::npos) << e.out;
}

TEST_F(CliTest, StoppedAndResumedEqualsUninterrupted) {
  // Uninterrupted on one thread; stopped mid-epoch and resumed on two: the same bytes
  // (data-parallel training does not depend on the thread count).
  ASSERT_EQ(run(toy_train({"--save", path("full.tcnn"), "--threads", "1"})).status, 0);
  const ProcessResult stopped = run(toy_train({"--save", path("part.tcnn"), "--threads", "2", "--stop-after-steps", "13"}));
  ASSERT_EQ(stopped.status, 130) << stopped.err;
  EXPECT_NE(read_text(path("part.tcnn")), read_text(path("full.tcnn")));
  const ProcessResult resumed = run({"train", "--data", toy(), "--resume", path("part.tcnn"), "--threads", "2",
                                     "--json", path("resumed.json"), "--quiet"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(read_text(path("part.tcnn")), read_text(path("full.tcnn")));
  const nlohmann::json j = nlohmann::json::parse(read_text(path("resumed.json")));
  EXPECT_EQ(j["configuration"]["resumed_from"], path("part.tcnn"));
  EXPECT_EQ(j["final"]["epochs"], 3);

  // Resuming a finished run, or with a flag that contradicts the checkpoint, is a usage error.
  expect_usage_error(run({"train", "--data", toy(), "--resume", path("part.tcnn")}), "finished");
  ASSERT_EQ(run(toy_train({"--save", path("part2.tcnn"), "--stop-after-steps", "5"})).status, 130);
  expect_usage_error(run({"train", "--data", toy(), "--resume", path("part2.tcnn"), "--lr", "0.2"}), "--lr differs");
  expect_usage_error(run({"train", "--data", toy(), "--resume", path("part2.tcnn"), "--layers", "64-16-4"}),
                     "--layers differs");
  // Repeating the original flags is fine.
  EXPECT_EQ(run(toy_train({"--resume", path("part2.tcnn"), "--save", path("part2.tcnn")})).status, 0);
  EXPECT_EQ(read_text(path("part2.tcnn")), read_text(path("full.tcnn")));
}

TEST_F(CliTest, CtrlCSavesAResumableCheckpoint) {
  // Long enough that SIGINT lands mid-run; wherever it lands, the resumed run must end
  // exactly where the uninterrupted one does.
  // 1000 tiny epochs: about half a second in a Release build, several seconds under
  // ASan, against a few milliseconds between polls.
  const std::vector<std::string> flags = {"train", "--data", toy(), "--layers", "64-32-4", "--epochs", "1000",
                                          "--batch", "64", "--lr", "0.01", "--schedule", "constant"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = flags;
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.begin(), TRENCHCOAT_BINARY);
    return a;
  };
  trenchcoat::testing::Process p(with({"--save", path("sig.tcnn")}), env(), dir_);
  // The first epoch line means the handler is installed and training is under way.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (p.stdout_so_far().find("\nepoch ") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(p.pid(), SIGINT);
  const ProcessResult r = p.wait();
  if (r.status == 0) GTEST_SKIP() << "the run finished before SIGINT arrived";
  ASSERT_EQ(r.status, 130) << r.err;
  EXPECT_NE(r.out.find("checkpoint saved to"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("resume with: trenchcoat train --resume"), std::string::npos) << r.out;

  const ProcessResult resumed = run({"train", "--data", toy(), "--resume", path("sig.tcnn"), "--quiet"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const ProcessResult full = trenchcoat::testing::run_process(with({"--save", path("full.tcnn"), "--quiet"}), env(), dir_);
  ASSERT_EQ(full.status, 0) << full.err;
  EXPECT_EQ(read_text(path("sig.tcnn")), read_text(path("full.tcnn")));
}

TEST_F(CliTest, PredictDrawsAndClassifies) {
  ASSERT_EQ(run(toy_train({"--save", path("m.tcnn")})).status, 0);
  const ProcessResult byindex = run({"predict", "--model", path("m.tcnn"), "--data", toy(), "--index", "3"});
  ASSERT_EQ(byindex.status, 0) << byindex.err;
  EXPECT_NE(byindex.out.find("prediction: 3"), std::string::npos) << byindex.out;  // sample 3 has label 3
  EXPECT_NE(byindex.out.find("true label: 3"), std::string::npos) << byindex.out;

  // Class 1 of the toy set lights the second quarter of the pixels (rows 2-3).
  std::string p2 = "P2\n# class 1\n8 8\n255\n";
  for (int i = 0; i < 64; ++i) p2 += (i >= 16 && i < 32 ? "220 " : "10 ");
  std::ofstream(path("one.pgm")) << p2;
  const ProcessResult img = run({"predict", "--model", path("m.tcnn"), path("one.pgm")});
  ASSERT_EQ(img.status, 0) << img.err;
  EXPECT_NE(img.out.find("prediction: 1"), std::string::npos) << img.out;

  std::string nine = "P2\n9 9\n255\n";
  for (int i = 0; i < 81; ++i) nine += "0 ";
  std::ofstream(path("big.pgm")) << nine;
  expect_usage_error(run({"predict", "--model", path("m.tcnn"), path("big.pgm")}), "wrong image size");
  std::ofstream(path("bad.pgm")) << "P2\n8 8\n255\n1 2 3";
  const ProcessResult bad = run({"predict", "--model", path("m.tcnn"), path("bad.pgm")});
  EXPECT_EQ(bad.status, 1) << bad.err;
  EXPECT_NE(bad.err.find("truncated"), std::string::npos) << bad.err;
}

TEST_F(CliTest, CorruptDataIsARuntimeErrorNamingTheFile) {
  trenchcoat::testing::write_bytes(dir_ / "toy" / "t10k-labels-idx1-ubyte.gz", {0x1f, 0x8b, 8, 0, 1, 2, 3});
  const ProcessResult r = run(toy_train({"--no-save"}));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("t10k-labels-idx1-ubyte.gz"), std::string::npos) << r.err;
}

}  // namespace
