// The profiling toolkit driven as a user drives it: `trenchcoat peak`, `compare` and
// `scaling` on tiny settings write JSON with the documented fields (never checked as
// timings: only that the numbers exist and are positive), and bad inputs exit 2 with
// one line on stderr. Every run caches its ceilings in a scratch folder.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_process.hpp"
#include "support/usage_error.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using trenchcoat::testing::ProcessResult;
using trenchcoat::testing::expect_usage_error;
using trenchcoat::testing::read_text;

// Timing flags small enough for a busy machine: 3 rounds, no warm-up, one call a sample.
const std::vector<std::string> kQuick = {"--reps", "3", "--min-time", "0", "--warmup", "0"};

class ToolkitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tc_toolkit_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  ProcessResult run(std::vector<std::string> args, std::vector<std::string> extra = {}) const {
    args.insert(args.begin(), TRENCHCOAT_BINARY);
    args.insert(args.end(), extra.begin(), extra.end());
    return trenchcoat::testing::run_process(args, {{"TRENCHCOAT_CACHE_DIR", dir_.string()}, {"TRENCHCOAT_ISA", ""}},
                                            dir_);
  }
  json read_json(const std::string& name) const { return json::parse(read_text(dir_ / name)); }

  // A tiny peak measurement, cached in the scratch folder.
  ProcessResult peak(std::vector<std::string> extra = {}) const {
    return run({"peak", "--seconds", "0.005", "--stream-mib", "4"}, std::move(extra));
  }

  fs::path dir_;
};

void expect_machine(const json& m) {
  for (const char* key : {"cpu", "best_isa", "isa", "compiler", "flags"}) {
    ASSERT_TRUE(m.contains(key) && m[key].is_string()) << key << " in " << m.dump();
    EXPECT_FALSE(m[key].get<std::string>().empty()) << key;
  }
  EXPECT_GE(m.at("threads").get<int>(), 1);
  EXPECT_GE(m.at("cores").get<int>(), 1);
}

void expect_pair(const json& p, const std::string& what) {
  EXPECT_GT(p.at("one_core").get<double>(), 0.0) << what;
  EXPECT_GT(p.at("all_cores").get<double>(), 0.0) << what;
}

// The summary fields of one timed piece of work, `reps` samples.
void expect_timing(const json& r, std::size_t reps) {
  ASSERT_EQ(r.at("seconds").size(), reps) << r.dump();
  for (const json& s : r["seconds"]) EXPECT_GT(s.get<double>(), 0.0);
  EXPECT_GE(r.at("calls_per_sample").get<int>(), 1);
  const double median = r.at("median_seconds").get<double>();
  EXPECT_GE(median, r.at("min_seconds").get<double>());
  EXPECT_LE(median, r.at("max_seconds").get<double>());
  EXPECT_GE(r.at("cv").get<double>(), 0.0);
}

TEST_F(ToolkitTest, PeakWritesTheRooflineCachesItAndRemeasuresOnRequest) {
  const ProcessResult first = peak({"--json", path("peak.json")});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("roofline ridge points"), std::string::npos) << first.out;
  EXPECT_EQ(first.out.find("cached in"), std::string::npos) << first.out;
  const json j = read_json("peak.json");
  EXPECT_EQ(j.at("schema"), "trenchcoat-peak-1");
  expect_machine(j.at("machine"));
  EXPECT_FALSE(j.at("measured_at").get<std::string>().empty());
  ASSERT_FALSE(j.at("isas").empty());
  EXPECT_EQ(j["isas"][0].at("isa"), "scalar");
  for (const json& c : j["isas"]) {
    const std::string isa = c.at("isa");
    expect_pair(c.at("fma_gflops"), "fma " + isa);
    expect_pair(c.at("l1_gbps"), "l1 " + isa);
    expect_pair(c.at("l2_gbps"), "l2 " + isa);
  }
  expect_pair(j.at("stream_gbps"), "stream");
  EXPECT_GT(j.at("l2_block_bytes").get<std::size_t>(), j.at("l1_block_bytes").get<std::size_t>());
  ASSERT_TRUE(fs::exists(dir_ / "peak.json"));

  // The cache (TRENCHCOAT_CACHE_DIR/peak.json) answers the second run...
  const ProcessResult second = peak();
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("cached in"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("measuring"), std::string::npos) << second.out;
  // ...unless told to measure again.
  const ProcessResult third = peak({"--remeasure"});
  ASSERT_EQ(third.status, 0) << third.err;
  EXPECT_NE(third.out.find("measuring"), std::string::npos) << third.out;
}

TEST_F(ToolkitTest, CompareTwoGemmVariantsWritesBothSummariesAndAVerdict) {
  ASSERT_EQ(peak().status, 0);  // so that % of peak can be given
  const ProcessResult r = run({"compare", "--kernel", "gemm", "--a", "reference", "--b", "blocked", "--shape",
                               "24x20x16", "--threads", "1", "--json", path("cmp.json")},
                              kQuick);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("speedup of B over A"), std::string::npos) << r.out;
  const json j = read_json("cmp.json");
  EXPECT_EQ(j.at("schema"), "trenchcoat-compare-1");
  expect_machine(j.at("machine"));
  EXPECT_EQ(j.at("settings").at("threads"), 1);
  ASSERT_EQ(j.at("results").size(), 2u);
  EXPECT_EQ(j["results"][0].at("variant"), "reference");
  EXPECT_EQ(j["results"][1].at("variant"), "blocked");
  for (const json& res : j["results"]) {
    expect_timing(res, 3);
    EXPECT_GT(res.at("gflops").get<double>(), 0.0);
    EXPECT_GT(res.at("peak_pct").get<double>(), 0.0);  // the cached ceilings were found
    EXPECT_TRUE(res.at("counters").is_null());
  }
  const json& c = j.at("comparison");
  EXPECT_GT(c.at("speedup_b_over_a").get<double>(), 0.0);
  EXPECT_TRUE(c.at("within_noise").is_boolean());
  EXPECT_GT(c.at("sign_test_p").get<double>(), 0.0);
}

TEST_F(ToolkitTest, CompareRunsEveryKernelFamilyOfTheRegistry) {
  // One kernel of each non-GEMM family, its scalar variant against its reference.
  for (const char* kernel : {"softmax", "log_softmax", "xent", "mse", "gelu_fwd", "tanh_bwd", "bias_add", "bias_bwd"}) {
    const ProcessResult r = run({"compare", "--kernel", kernel, "--a", "reference", "--b", "scalar", "--shape", "8x10",
                                 "--threads", "1", "--json", path("cmp.json")},
                                kQuick);
    ASSERT_EQ(r.status, 0) << kernel << ": " << r.err;
    const json j = read_json("cmp.json");
    ASSERT_EQ(j.at("results").size(), 2u) << kernel;
    for (const json& res : j["results"]) {
      expect_timing(res, 3);
      EXPECT_TRUE(res.at("gflops").is_null()) << kernel << ": memory-bound kernels report GB/s";
      EXPECT_GT(res.at("gbps").get<double>(), 0.0) << kernel;
    }
  }
}

TEST_F(ToolkitTest, CountersAreReportedOrDeclinedInOneLine) {
  const ProcessResult r = run({"compare", "--kernel", "gemm", "--a", "blocked", "--b", "blocked", "--shape", "16x16x16",
                               "--counters", "--json", path("cmp.json")},
                              kQuick);
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = read_json("cmp.json");
  const json& counters = j.at("results").at(0).at("counters");
  ASSERT_TRUE(counters.is_object()) << j.dump();
  // Hardware counters where the OS exposes them; otherwise one line says so and they are null.
  const bool hardware = !counters.at("cycles").is_null();
  EXPECT_EQ(r.out.find("hardware counters are not available") != std::string::npos, !hardware) << r.out;
  if (hardware) {
    EXPECT_GT(counters.at("instructions").get<double>(), 0.0);
    EXPECT_GT(counters.at("ipc").get<double>(), 0.0);
  }
  // The kernel's software counters work in VMs too.
  EXPECT_GT(counters.at("cpu_seconds").get<double>(), 0.0);
}

TEST_F(ToolkitTest, CompareReadsTwoResultFiles) {
  // Two compare results (before / after) and a Google Benchmark file.
  for (const char* name : {"a.json", "b.json"}) {
    ASSERT_EQ(run({"compare", "--kernel", "relu_fwd", "--a", "reference", "--b", "scalar", "--shape", "4x32", "--json",
                   path(name)},
                  kQuick)
                  .status,
              0);
  }
  const ProcessResult r = run({"compare", path("a.json"), path("b.json"), "--json", path("files.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("relu_fwd/scalar/4x32"), std::string::npos) << r.out;
  const json j = read_json("files.json");
  EXPECT_EQ(j.at("schema"), "trenchcoat-compare-files-1");
  expect_machine(j.at("machine"));
  ASSERT_EQ(j.at("rows").size(), 2u);
  for (const json& row : j["rows"]) {
    EXPECT_EQ(row.at("a").at("n"), 3);
    EXPECT_GT(row.at("speedup_b_over_a").get<double>(), 0.0);
    EXPECT_TRUE(row.at("within_noise").is_boolean());
  }

  std::ofstream(dir_ / "gb.json") << R"({"context": {}, "benchmarks": [
    {"name": "gemm/avx2/NN_256x256x256/threads:1", "run_name": "gemm/avx2/NN_256x256x256/threads:1",
     "run_type": "iteration", "real_time": 1000.0, "time_unit": "us"},
    {"name": "gemm/avx2/NN_256x256x256/threads:1", "run_name": "gemm/avx2/NN_256x256x256/threads:1",
     "run_type": "iteration", "real_time": 1100.0, "time_unit": "us"},
    {"name": "gemm/avx2/NN_256x256x256/threads:1_mean", "run_name": "gemm/avx2/NN_256x256x256/threads:1",
     "run_type": "aggregate", "aggregate_name": "mean", "real_time": 1050.0, "time_unit": "us"}]})";
  const ProcessResult gb = run({"compare", path("gb.json"), path("gb.json"), "--json", path("gb-files.json")});
  ASSERT_EQ(gb.status, 0) << gb.err;
  const json g = read_json("gb-files.json");
  ASSERT_EQ(g.at("rows").size(), 1u);
  EXPECT_EQ(g["rows"][0].at("a").at("n"), 2) << "the aggregate is not a sample";
  EXPECT_DOUBLE_EQ(g["rows"][0].at("a").at("median").get<double>(), 1.05e-3);
  EXPECT_TRUE(g["rows"][0].at("within_noise").get<bool>()) << "identical files differ by nothing";
}

TEST_F(ToolkitTest, ScalingSweepsThreadCountsForAKernel) {
  const ProcessResult r = run({"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "32x32x32", "--threads",
                               "1,2", "--pin", "--json", path("scaling.json")},
                              kQuick);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("pinning"), std::string::npos) << r.out;
  const json j = read_json("scaling.json");
  EXPECT_EQ(j.at("schema"), "trenchcoat-scaling-1");
  expect_machine(j.at("machine"));
  EXPECT_EQ(j.at("settings").at("kind"), "kernel");
  EXPECT_TRUE(j.at("settings").at("pinned").is_boolean());
  ASSERT_EQ(j.at("results").size(), 2u);
  EXPECT_EQ(j["results"][0].at("threads"), 1);
  EXPECT_EQ(j["results"][1].at("threads"), 2);
  EXPECT_DOUBLE_EQ(j["results"][0].at("speedup").get<double>(), 1.0);  // against itself
  for (const json& res : j["results"]) {
    expect_timing(res, 3);
    EXPECT_GT(res.at("speedup").get<double>(), 0.0);
    EXPECT_GT(res.at("efficiency").get<double>(), 0.0);
    EXPECT_GT(res.at("gflops").get<double>(), 0.0);
  }
}

TEST_F(ToolkitTest, ScalingSweepsATrainingEpoch) {
  const ProcessResult r = run({"scaling", "--epoch", "--samples", "256", "--batch", "64", "--max-threads", "2",
                               "--counters", "--json", path("scaling.json")},
                              {"--reps", "2", "--min-time", "0", "--warmup", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = read_json("scaling.json");
  EXPECT_EQ(j.at("settings").at("kind"), "epoch");
  EXPECT_EQ(j.at("settings").at("batch"), 64);
  EXPECT_EQ(j.at("settings").at("samples"), 256);
  const std::string strategy = j.at("settings").at("strategy");  // the MNIST recipe's
  EXPECT_TRUE(strategy == "data" || strategy == "op") << strategy;
  ASSERT_EQ(j.at("results").size(), 2u);
  for (const json& res : j["results"]) {
    expect_timing(res, 2);
    EXPECT_GT(res.at("samples_per_s").get<double>(), 0.0);
    EXPECT_TRUE(res.at("counters").is_object());
  }
}

// `train --profile --counters`: the counters of the training steps in one line and in
// the JSON's profile_totals, with the hardware ones declined in one line where the
// OS exposes no PMU (as on this VM) and the software ones there regardless.
TEST_F(ToolkitTest, TrainProfileCountersAreReportedOrDeclinedInOneLine) {
  const ProcessResult r = run({"train", "--data", "xor", "--epochs", "3", "--no-save", "--profile", "--counters",
                               "--json", path("train.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = read_json("train.json");
  const json& counters = j.at("profile_totals").at("counters");
  ASSERT_TRUE(counters.is_object()) << j.dump();
  const bool hardware = !counters.at("cycles").is_null();
  EXPECT_EQ(r.out.find("hardware counters are not available") != std::string::npos, !hardware) << r.out;
  EXPECT_NE(r.out.find("counters (training steps, all threads, per step): "), std::string::npos) << r.out;
  if (hardware) {
    EXPECT_GT(counters.at("instructions").get<double>(), 0.0);
    EXPECT_GT(counters.at("ipc").get<double>(), 0.0);
  }
  EXPECT_GT(counters.at("cpu_seconds").get<double>(), 0.0);
  EXPECT_GE(counters.at("context_switches").get<double>(), 0.0);
  EXPECT_FALSE(j.at("profile").empty());  // the profile itself is still there

  expect_usage_error(run({"train", "--data", "xor", "--epochs", "1", "--no-save", "--counters"}),
                     "--counters without --profile");
}

TEST_F(ToolkitTest, BadInputsExitTwoWithOneLine) {
  std::ofstream(dir_ / "not.json") << "{ this is not json";
  std::ofstream(dir_ / "other.json") << R"({"hello": "world"})";
  std::ofstream(dir_ / "gb.json") << R"({"benchmarks": []})";
  const std::vector<std::string> g = {"compare", "--kernel", "gemm", "--a", "blocked", "--b", "reference"};
  auto gemm_shape = [&](const std::string& shape) {
    std::vector<std::string> a = g;
    a.insert(a.end(), {"--shape", shape});
    return a;
  };
  const std::vector<std::vector<std::string>> cases = {
      {"compare", "--kernel", "gemmm", "--a", "blocked", "--b", "reference", "--shape", "8x8x8"},
      {"compare", "--kernel", "gemm", "--a", "avx9000", "--b", "reference", "--shape", "8x8x8"},
      {"compare", "--kernel", "nope_fwd", "--a", "scalar", "--b", "reference", "--shape", "8x8"},
      gemm_shape("12x"),
      gemm_shape("8x8"),
      gemm_shape("0x8x8"),
      gemm_shape("-1x8x8"),
      gemm_shape("axbxc"),
      gemm_shape("8x8x8x8"),
      gemm_shape("99999999999999999999x8x8"),
      gemm_shape("1048576x1048576x1"),
      {"compare", "--kernel", "softmax", "--a", "scalar", "--b", "reference", "--shape", "8x8x8"},
      {"compare", "--kernel", "gemm", "--a", "blocked"},
      {"compare", path("not.json"), path("not.json")},
      {"compare", path("missing.json"), path("missing.json")},
      {"compare", path("other.json"), path("other.json")},
      {"compare", path("gb.json"), path("gb.json")},
      {"compare", path("gb.json")},
      {"compare", path("gb.json"), path("gb.json"), "--kernel", "gemm"},
      {"compare", "--kernel", "gemm", "--a", "blocked", "--b", "reference", "--shape", "8x8x8", "--threads", "100000"},
      {"compare", "--kernel", "gemm", "--a", "blocked", "--b", "reference", "--shape", "8x8x8", "--reps", "0"},
      {"compare", "--kernel", "gemm", "--a", "blocked", "--b", "reference", "--shape", "8x8x8", "--json",
       path("no/such/dir/x.json")},
      {"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "8x8x8", "--threads", "0"},
      {"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "8x8x8", "--threads", "1,100000"},
      {"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "8x8x8", "--threads", "two"},
      {"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "8x8x8", "--max-threads", "0"},
      {"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "8x8x8", "--max-threads", "99999"},
      {"scaling", "--kernel", "gemm", "--variant", "blocked"},
      {"scaling", "--kernel", "gemm", "--variant", "blocked", "--shape", "8x8x8", "--epoch"},
      {"scaling"},
      {"scaling", "--epoch", "--layers", "784-abc-10"},
      {"scaling", "--epoch", "--layers", "10-10"},
      {"scaling", "--epoch", "--strategy", "sideways"},
      {"scaling", "--epoch", "--samples", "10", "--batch", "64"},
      {"peak", "--seconds", "0"},
      {"peak", "--json", path("no/such/dir/x.json")},
  };
  for (const auto& c : cases) {
    std::string what;
    for (const auto& a : c) what += a + " ";
    expect_usage_error(run(c), what);
  }
}

}  // namespace
