// The softmax and loss oracles: max, exponentials and sums in double precision, with
// the documented results for awkward rows spelled out case by case.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "reference.hpp"

namespace trenchcoat::reference {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The distribution of one row, in double: p[j] and log p[j].
struct RowDistribution {
  std::vector<double> p, log_p;
};

RowDistribution distribution(const float* x, std::int64_t n) {
  RowDistribution d;
  d.p.assign(static_cast<std::size_t>(n), kNaN);
  d.log_p.assign(static_cast<std::size_t>(n), kNaN);
  bool nan = false;
  double m = -kInf;
  for (std::int64_t j = 0; j < n; ++j) {
    if (std::isnan(x[j])) nan = true;
    else m = std::max(m, static_cast<double>(x[j]));
  }
  if (nan || m == -kInf) return d;  // a NaN, or no finite maximum: no distribution
  if (m == kInf) {                   // the +inf entries share the mass equally
    double k = 0;
    for (std::int64_t j = 0; j < n; ++j) k += x[j] == kInf ? 1.0 : 0.0;
    for (std::int64_t j = 0; j < n; ++j) {
      d.p[static_cast<std::size_t>(j)] = x[j] == kInf ? 1.0 / k : 0.0;
      d.log_p[static_cast<std::size_t>(j)] = x[j] == kInf ? -std::log(k) : -kInf;
    }
    return d;
  }
  double s = 0.0;
  for (std::int64_t j = 0; j < n; ++j) s += std::exp(x[j] - m);
  // s >= 1 here (the maximum contributes exp(0)); cppcheck misses the early returns.
  // cppcheck-suppress invalidFunctionArg ; see above: never log(0)
  const double log_s = std::log(s);
  for (std::int64_t j = 0; j < n; ++j) {
    d.p[static_cast<std::size_t>(j)] = std::exp(x[j] - m) / s;
    d.log_p[static_cast<std::size_t>(j)] = (x[j] - m) - log_s;
  }
  return d;
}

}  // namespace

void softmax(Context& /*ctx*/, ConstMatrixView x, MatrixView y) {
  for (std::int64_t r = 0; r < x.rows; ++r) {
    const RowDistribution d = distribution(x.row(r), x.cols);
    for (std::int64_t j = 0; j < x.cols; ++j) y.row(r)[j] = static_cast<float>(d.p[static_cast<std::size_t>(j)]);
  }
}

void log_softmax(Context& /*ctx*/, ConstMatrixView x, MatrixView y) {
  for (std::int64_t r = 0; r < x.rows; ++r) {
    const RowDistribution d = distribution(x.row(r), x.cols);
    for (std::int64_t j = 0; j < x.cols; ++j) y.row(r)[j] = static_cast<float>(d.log_p[static_cast<std::size_t>(j)]);
  }
}

double softmax_cross_entropy(Context& /*ctx*/, ConstMatrixView logits, std::span<const std::int32_t> labels,
                             MatrixView grad, float grad_scale) {
  double total = 0.0;
  for (std::int64_t r = 0; r < logits.rows; ++r) {
    const RowDistribution d = distribution(logits.row(r), logits.cols);
    const auto label = static_cast<std::size_t>(labels[static_cast<std::size_t>(r)]);
    total += -d.log_p[label];
    if (grad.data == nullptr) continue;
    for (std::int64_t j = 0; j < logits.cols; ++j) {
      const double onehot = static_cast<std::size_t>(j) == label ? 1.0 : 0.0;
      grad.row(r)[j] = static_cast<float>((d.p[static_cast<std::size_t>(j)] - onehot) * grad_scale);
    }
  }
  return total;
}

double squared_error(Context& /*ctx*/, ConstMatrixView pred, ConstMatrixView target, MatrixView grad,
                     float grad_scale) {
  double total = 0.0;
  for (std::int64_t r = 0; r < pred.rows; ++r) {
    for (std::int64_t j = 0; j < pred.cols; ++j) {
      const double diff = static_cast<double>(pred.row(r)[j]) - target.row(r)[j];
      total += diff * diff;
      if (grad.data != nullptr) grad.row(r)[j] = static_cast<float>(2.0 * diff * grad_scale);
    }
  }
  return total;
}

}  // namespace trenchcoat::reference
