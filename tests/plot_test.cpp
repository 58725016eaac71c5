// tools/plot.py renders each kind of result it reads (Google Benchmark JSON, peak,
// scaling, an epoch profile, tools/scaling_model.py's predictions; fixtures in
// tests/fixtures/) into a non-empty PNG or SVG, and declines what it cannot plot
// with exit status 2 and one line. Skipped only when Debian's matplotlib is missing
// (tools/test.sh installs it).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace {

namespace fs = std::filesystem;
using trenchcoat::testing::ProcessResult;
using trenchcoat::testing::read_text;

// plot.py's exit status when matplotlib cannot be imported.
constexpr int kNoMatplotlib = 3;
// The interpreter Debian's python3-matplotlib is installed for (plot.py's shebang).
const char* const kPython = "/usr/bin/python3";

class PlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is missing";
    dir_ = fs::temp_directory_path() / ("tc_plot_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ProcessResult plot(const std::vector<std::string>& args) const { return tool("plot.py", args); }
  ProcessResult tool(const std::string& script, const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {kPython, std::string(TRENCHCOAT_SOURCE_DIR) + "/tools/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    return trenchcoat::testing::run_process(argv, {{"TRENCHCOAT_CACHE_DIR", dir_.string()}}, dir_);
  }
  static std::string fixture(const std::string& name) {
    return std::string(TRENCHCOAT_SOURCE_DIR) + "/tests/fixtures/" + name;
  }
  std::string out(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

void expect_image(const fs::path& p) {
  ASSERT_TRUE(fs::exists(p)) << p;
  ASSERT_GT(fs::file_size(p), 1000u) << p;
  const std::string head = read_text(p).substr(0, 512);
  if (p.extension() == ".png") {
    EXPECT_EQ(head.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << p;
  } else {
    EXPECT_NE(head.find("<svg"), std::string::npos) << p;
  }
}

TEST_F(PlotTest, RendersEveryKindOfResult) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{fixture("bench-gemm.json")}, "gemm.png"},
      {{fixture("bench-gemm.json"), "--peak", fixture("peak.json")}, "gemm-roofline.svg"},
      {{fixture("peak.json")}, "roofline.svg"},
      {{fixture("scaling.json")}, "scaling.png"},
      {{fixture("scaling.json"), fixture("scaling.json")}, "scaling-two.svg"},
      {{fixture("profile.json")}, "profile.png"},
  };
  for (const auto& [inputs, image] : cases) {
    std::vector<std::string> args = inputs;
    args.insert(args.end(), {"-o", out(image)});
    const ProcessResult r = plot(args);
    if (r.status == kNoMatplotlib) GTEST_SKIP() << "matplotlib is missing: " << r.err;
    ASSERT_EQ(r.status, 0) << image << ": " << r.err;
    expect_image(dir_ / image);
  }
}

// The nodes axis: scaling_model.py's JSON, made here from a fixture of the reduction
// benchmark (2 ranks on loopback), is what plot.py draws; a batch the model did not
// predict is declined.
TEST_F(PlotTest, RendersTheScalingModel) {
  const std::string model = out("model.json");
  const ProcessResult m = tool("scaling_model.py", {fixture("mpi-reduce.jsonl"), "--samples-per-second", "12381",
                                                    "--json", model});
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_NE(m.out.find("| 64 |"), std::string::npos) << "no row for 64 nodes: " << m.out;
  const std::string json = read_text(model);
  EXPECT_NE(json.find("\"schema\": \"trenchcoat-scaling-model-1\""), std::string::npos);
  for (const char* network : {"\"10 Gb/s\"", "\"100 Gb/s\""}) EXPECT_NE(json.find(network), std::string::npos);

  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--batch", "1024"}}) {
    std::vector<std::string> args = {model, "-o", out("model.png")};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProcessResult r = plot(args);
    if (r.status == kNoMatplotlib) GTEST_SKIP() << "matplotlib is missing: " << r.err;
    ASSERT_EQ(r.status, 0) << r.err;
    expect_image(dir_ / "model.png");
    fs::remove(dir_ / "model.png");
  }
  const ProcessResult bad = plot({model, "--batch", "77", "-o", out("x.png")});
  EXPECT_EQ(bad.status, 2) << bad.err;
  EXPECT_NE(bad.err.find("no predictions for global batch 77"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.png"));
}

TEST_F(PlotTest, DeclinesWhatItCannotPlotInOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {fixture("train-no-profile.json"), "-o", out("x.png")},
      {fixture("missing.json"), "-o", out("x.png")},
      {fixture("peak.json"), "-o", out("x.jpeg")},
      {fixture("peak.json"), fixture("scaling.json"), "-o", out("x.png")},
      {fixture("bench-gemm.json"), "--threads", "64", "-o", out("x.png")},
  };
  for (const auto& c : cases) {
    const ProcessResult r = plot(c);
    if (r.status == kNoMatplotlib) GTEST_SKIP() << "matplotlib is missing: " << r.err;
    EXPECT_EQ(r.status, 2) << c[0] << ": " << r.err;
    EXPECT_EQ(r.err.rfind("plot.py: ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "x.png"));
  }
}

}  // namespace
