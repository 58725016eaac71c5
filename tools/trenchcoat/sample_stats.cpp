#include "sample_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace trenchcoat::cli {

Summary summarize(std::span<const double> samples) {
  if (samples.empty()) throw std::invalid_argument("no samples to summarize");
  std::vector<double> s(samples.begin(), samples.end());
  std::sort(s.begin(), s.end());
  Summary r;
  r.n = s.size();
  r.min = s.front();
  r.max = s.back();
  r.median = r.n % 2 == 1 ? s[r.n / 2] : 0.5 * (s[r.n / 2 - 1] + s[r.n / 2]);
  r.mean = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(r.n);
  if (r.n >= 2 && r.mean != 0.0) {
    double ss = 0.0;
    for (double v : s) ss += (v - r.mean) * (v - r.mean);
    r.cv = std::sqrt(ss / static_cast<double>(r.n - 1)) / std::fabs(r.mean);
  }
  return r;
}

namespace {
// lgamma_r, not std::lgamma: the latter writes the global signgam (not thread safe).
double log_gamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}
}  // namespace

double sign_test_p(std::size_t wins, std::size_t n) {
  if (n == 0) return 1.0;
  const std::size_t extreme = std::min(wins, n - wins);
  // P(X <= extreme) for X ~ Binomial(n, 1/2), doubled; log-space keeps large n finite.
  double tail = 0.0;
  for (std::size_t k = 0; k <= extreme; ++k) {
    const double log_choose = log_gamma(static_cast<double>(n) + 1) - log_gamma(static_cast<double>(k) + 1) -
                              log_gamma(static_cast<double>(n - k) + 1);
    tail += std::exp(log_choose - static_cast<double>(n) * std::log(2.0));
  }
  return std::min(1.0, 2.0 * tail);
}

Verdict judge(const Summary& a, const Summary& b, std::optional<double> paired_p) {
  Verdict v;
  v.ratio = b.median != 0.0 ? a.median / b.median : 1.0;
  if (a.n < 2 || b.n < 2) {
    v.why = "one run: noise unknown";
    return v;
  }
  const double noise = 2.0 * std::max(a.cv, b.cv);
  const double difference = std::fabs(v.ratio - 1.0);
  if (difference <= noise) {
    v.why = fmt::format("{:.1f}% <= 2 x CV {:.1f}%", 100.0 * difference, 50.0 * noise);
    return v;
  }
  if (paired_p && *paired_p >= 0.05) {
    v.why = fmt::format("sign test p = {:.2f}", *paired_p);
    return v;
  }
  v.within_noise = false;
  return v;
}

}  // namespace trenchcoat::cli
