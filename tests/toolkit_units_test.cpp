// The toolkit's pure parts: the statistics behind compare's verdict, shape parsing,
// and reading result files into series.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "cli_common.hpp"
#include "kernel_case.hpp"
#include "result_series.hpp"
#include "sample_stats.hpp"

namespace {

using namespace trenchcoat::cli;

TEST(SampleStats, SummarizesMedianSpreadAndRange) {
  const std::vector<double> odd = {3.0, 1.0, 2.0};
  const Summary a = summarize(odd);
  EXPECT_EQ(a.n, 3u);
  EXPECT_DOUBLE_EQ(a.median, 2.0);
  EXPECT_DOUBLE_EQ(a.min, 1.0);
  EXPECT_DOUBLE_EQ(a.max, 3.0);
  EXPECT_DOUBLE_EQ(a.cv, 0.5);  // sample standard deviation 1, mean 2
  const std::vector<double> even = {4.0, 1.0, 2.0, 3.0};
  EXPECT_DOUBLE_EQ(summarize(even).median, 2.5);
  const std::vector<double> one = {7.0};
  EXPECT_DOUBLE_EQ(summarize(one).cv, 0.0);
  EXPECT_THROW(summarize(std::vector<double>{}), std::invalid_argument);
}

TEST(SampleStats, SignTestIsTheTwoSidedBinomialTail) {
  EXPECT_DOUBLE_EQ(sign_test_p(0, 6), 2.0 / 64.0);
  EXPECT_DOUBLE_EQ(sign_test_p(6, 6), 2.0 / 64.0);
  EXPECT_DOUBLE_EQ(sign_test_p(0, 5), 2.0 / 32.0);  // 5 rounds can never reach p < 0.05
  EXPECT_DOUBLE_EQ(sign_test_p(3, 6), 1.0);
  EXPECT_NEAR(sign_test_p(1, 10), 2.0 * 11.0 / 1024.0, 1e-12);
}

TEST(SampleStats, ADifferenceCountsOnlyBeyondTheNoise) {
  const Summary slow = summarize(std::vector<double>{2.0, 2.02, 1.98, 2.01, 1.99, 2.0});
  const Summary fast = summarize(std::vector<double>{1.0, 1.01, 0.99, 1.0, 1.02, 0.98});
  const Verdict clear = judge(slow, fast, sign_test_p(6, 6));
  EXPECT_FALSE(clear.within_noise) << clear.why;
  EXPECT_NEAR(clear.ratio, 2.0, 1e-12);
  // The same medians, but the rounds split evenly: not a result.
  EXPECT_TRUE(judge(slow, fast, sign_test_p(3, 6)).within_noise);
  // A 1% difference under a 10% spread is noise.
  const Summary noisy = summarize(std::vector<double>{1.0, 1.2, 0.8, 1.1, 0.9, 1.01});
  const Summary close = summarize(std::vector<double>{1.0, 1.0, 1.0, 1.0, 1.0, 1.0});
  EXPECT_TRUE(judge(noisy, close, 0.001).within_noise);
  // One sample a side: the noise is unknown.
  const Summary single = summarize(std::vector<double>{1.0});
  const Verdict unknown = judge(single, summarize(std::vector<double>{3.0}));
  EXPECT_TRUE(unknown.within_noise);
  EXPECT_FALSE(unknown.why.empty());
}

TEST(KernelCase, ShapesParseOrNameTheProblem) {
  EXPECT_EQ(parse_shape("2x3x4", 3), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(parse_shape("5x6", 2), (std::vector<std::int64_t>{5, 6}));
  for (const char* bad : {"", "x", "2x", "x2", "2xx3", "2x3x", "0x3", "-2x3", "2.5x3", "2x3x4", "ax3", "2 x3",
                          "1048577x1", "1048576x1048576"}) {
    EXPECT_THROW(parse_shape(bad, 2), UsageError) << bad;
  }
}

TEST(KernelCase, EveryRegistryFamilyHasAKernelName) {
  const std::vector<std::string> names = kernel_names();
  for (const char* expected : {"gemm", "softmax", "log_softmax", "xent", "mse", "bias_add", "bias_bwd", "relu_fwd",
                               "gelu_bwd"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST(ResultSeries, GoogleBenchmarkRepetitionsAreSamplesAndAggregatesAreNot) {
  const auto doc = nlohmann::json::parse(R"({"benchmarks": [
      {"name": "a/x", "run_name": "a/x", "run_type": "iteration", "real_time": 2.0, "time_unit": "ms"},
      {"name": "a/x", "run_name": "a/x", "run_type": "iteration", "real_time": 4.0, "time_unit": "ms"},
      {"name": "a/x_mean", "run_name": "a/x", "run_type": "aggregate", "real_time": 3.0, "time_unit": "ms"},
      {"name": "b/y", "run_type": "iteration", "real_time": 5.0, "time_unit": "ns"},
      {"name": "c/z", "run_type": "iteration", "error_occurred": true, "real_time": 1.0}]})");
  const std::vector<Series> s = result_series(doc, "doc");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].name, "a/x");
  EXPECT_EQ(s[0].samples, (std::vector<double>{2e-3, 4e-3}));
  EXPECT_EQ(s[1].samples, (std::vector<double>{5e-9}));
  EXPECT_TRUE(s[0].lower_is_better);
}

TEST(ResultSeries, TrainingResultsGiveEpochTimesRatesAndAccuracy) {
  const auto doc = nlohmann::json::parse(R"({"schema": "trenchcoat-train-1",
      "epochs": [{"seconds": 1.0, "samples_per_second": 60.0, "complete": true},
                 {"seconds": 2.0, "samples_per_second": 30.0, "complete": true},
                 {"seconds": 0.1, "samples_per_second": 99.0, "complete": false}],
      "final": {"test_accuracy": 0.98}})");
  const std::vector<Series> s = result_series(doc, "doc");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].samples, (std::vector<double>{1.0, 2.0}));  // the interrupted epoch is not a sample
  EXPECT_FALSE(s[1].lower_is_better);
  EXPECT_EQ(s[2].name, "final test accuracy");
  EXPECT_EQ(s[2].samples, (std::vector<double>{0.98}));
}

TEST(ResultSeries, OtherDocumentsAreUsageErrors) {
  for (const char* text : {R"({"schema": "something-else"})", R"([1, 2])", R"({"schema": "trenchcoat-scaling-1"})",
                           R"({"schema": "trenchcoat-train-1", "epochs": 3})"}) {
    EXPECT_THROW(result_series(nlohmann::json::parse(text), "doc"), UsageError) << text;
  }
}

}  // namespace
