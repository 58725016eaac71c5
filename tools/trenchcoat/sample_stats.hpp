#pragma once
// Summaries of repeated timings and the verdict on a difference between two of them:
// on a shared, frequency-scaling machine a difference smaller than the spread of the
// runs is not a result, and the tools say so instead of printing a speedup.

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace trenchcoat::cli {

struct Summary {
  std::size_t n = 0;
  double median = 0.0, mean = 0.0, min = 0.0, max = 0.0;
  double cv = 0.0;  // coefficient of variation: sample standard deviation / mean (0 when n < 2)
};

// Throws std::invalid_argument for an empty sample.
Summary summarize(std::span<const double> samples);

// A coefficient of variation above this draws a warning: 5% is far beyond what a quiet
// machine gives for the same call, and hides any difference of that order.
inline constexpr double kHighSpread = 0.05;

// Two-sided p-value of the sign test: the probability, were both sides equally fast,
// of a split at least as lopsided as `wins` of `n` paired runs.
double sign_test_p(std::size_t wins, std::size_t n);

struct Verdict {
  double ratio = 1.0;  // a.median / b.median
  bool within_noise = true;
  std::string why;     // when within_noise: which test the difference failed
};

// The difference between the medians of a and b is real when it exceeds twice the
// larger coefficient of variation and, for paired (interleaved) runs, when the sign
// test over the pairs gives p < 0.05. With fewer than two samples on a side the noise
// is unknown and the difference counts as within it.
Verdict judge(const Summary& a, const Summary& b, std::optional<double> paired_p = std::nullopt);

}  // namespace trenchcoat::cli
