// trenchcoat-bench places its results against `trenchcoat peak`'s cache when the cache
// was measured on this CPU model with this core count, and says so in the context's
// `peak_source`; without a cache (or with another machine's) it measures the ceilings
// itself and says that instead. Never checked as timings: only which ceiling
// peak_pct was computed against.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using trenchcoat::testing::ProcessResult;
using trenchcoat::testing::read_text;

class BenchPeakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tc_bench_peak_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProcessResult run(const std::vector<std::string>& argv) const {
    return trenchcoat::testing::run_process(argv, {{"TRENCHCOAT_CACHE_DIR", dir_.string()}, {"TRENCHCOAT_ISA", ""}},
                                            dir_);
  }
  // One tiny memory-bound benchmark, as Google Benchmark JSON.
  json bench() const {
    const ProcessResult r =
        run({TRENCHCOAT_BENCH_BINARY, "--benchmark_filter=^act/relu_fwd/scalar/128x10/threads:1/",
             "--benchmark_min_time=0.001", "--benchmark_format=json"});
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out);
  }

  fs::path dir_;
};

TEST_F(BenchPeakTest, UsesTheCachedPeakOfThisMachineAndSaysSo) {
  const json measured = bench();
  EXPECT_EQ(measured.at("context").at("peak_source").get<std::string>().rfind("measured by this run", 0), 0u)
      << measured.at("context").dump();

  const ProcessResult peak = run({TRENCHCOAT_BINARY, "peak", "--seconds", "0.005", "--stream-mib", "4"});
  ASSERT_EQ(peak.status, 0) << peak.err;
  const fs::path cache = dir_ / "peak.json";
  json cached = json::parse(read_text(cache));
  const json with_cache = bench();
  EXPECT_EQ(with_cache.at("context").at("peak_source").get<std::string>(),
            "trenchcoat peak cache " + cache.string() + " (measured " + cached.at("measured_at").get<std::string>() +
                ")");
  ASSERT_EQ(with_cache.at("benchmarks").size(), 1u);
  const json& b = with_cache["benchmarks"][0];
  // peak_pct = 100 x GBps / the cache's one-core streaming bandwidth.
  EXPECT_NEAR(100.0 * b.at("GBps").get<double>() / b.at("peak_pct").get<double>(),
              cached.at("stream_gbps").at("one_core").get<double>(),
              1e-9 * cached.at("stream_gbps").at("one_core").get<double>());

  cached["cpu"] = "another CPU";
  std::ofstream(cache) << cached.dump();
  EXPECT_EQ(bench().at("context").at("peak_source").get<std::string>().rfind("measured by this run", 0), 0u);
}

}  // namespace
