// The loss family's threading and fixed-order sums, written once for every ISA
// (compiled for the x86-64 baseline).
//
// Cross-entropy: rows are independent; each row's loss is a double computed from that
// row alone, and the total adds them in row order to 0.0 (the kernel does exactly that
// when one thread runs everything; with several, each task stores its rows' losses
// and the same additions follow in the same order). Squared error: the same with
// "units" (a row, or a kSegment-column piece of a long row) in place of rows.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/parallel.hpp"
#include "loss/loss_kernel_set.hpp"
#include "softmax/softmax_kernel_set.hpp"

namespace trenchcoat::detail {
namespace {

// The squared error is memory-bound (a subtraction and a square per element); below
// this many elements it runs on the calling thread. Measured as in eltwise_driver.cpp:
// serial 8.6 us at 64 Ki elements, 19 us at 128 Ki. (The cross-entropy does a
// softmax's work per row and uses softmax_parallel_min_elements().)
constexpr std::int64_t kSquaredErrorParallelMin = std::int64_t{1} << 17;

// Elements per task unit.
constexpr std::int64_t kTaskElements = std::int64_t{1} << 13;

// Columns per unit of the squared-error sum: long rows are cut so that one row can
// still use several threads. Depends on nothing but this constant and the shape.
constexpr std::int64_t kSegment = std::int64_t{1} << 14;

double sum_in_order(const std::vector<double>& v) {
  double total = 0.0;
  for (double x : v) total += x;
  return total;
}

}  // namespace

double run_softmax_cross_entropy(const LossKernelSet& k, Context& ctx, ConstMatrixView logits,
                                 std::span<const std::int32_t> labels, MatrixView grad, float grad_scale) {
  if (logits.rows == 0) return 0.0;
  const std::int32_t* lab = labels.data();
  float* g = grad.data;
  const std::int64_t g_stride = grad.stride;
  double total = 0.0;
  if (ctx.threads() == 1 || logits.rows < 2 || logits.rows * logits.cols < softmax_parallel_min_elements()) {
    run_here([&] {
      total = k.xent_rows(logits.data, logits.stride, lab, g, g_stride, logits.rows, logits.cols, grad_scale, nullptr);
    });
    return total;
  }
  std::vector<double> row_loss(static_cast<std::size_t>(logits.rows));
  const std::int64_t rows_per_task = std::max<std::int64_t>(1, kTaskElements / logits.cols);
  run_tasks(ctx, div_up(logits.rows, rows_per_task), [&](std::int64_t t0, std::int64_t t1) {
    const std::int64_t r0 = t0 * rows_per_task, r1 = std::min(logits.rows, t1 * rows_per_task);
    k.xent_rows(logits.row(r0), logits.stride, lab + r0, g == nullptr ? nullptr : g + r0 * g_stride, g_stride,
                r1 - r0, logits.cols, grad_scale, row_loss.data() + r0);
  });
  run_here([&] { total = sum_in_order(row_loss); });
  return total;
}

double run_squared_error(const LossKernelSet& k, Context& ctx, ConstMatrixView pred, ConstMatrixView target,
                         MatrixView grad, float grad_scale) {
  if (pred.empty()) return 0.0;
  const std::int64_t segments = div_up(pred.cols, kSegment);
  const std::int64_t units = pred.rows * segments;
  const float two_scale = 2.0f * grad_scale;
  auto unit = [&](std::int64_t u) {
    const std::int64_t r = u / segments, c0 = (u % segments) * kSegment;
    float* g = grad.data == nullptr ? nullptr : grad.row(r) + c0;
    return k.squared_error(pred.row(r) + c0, target.row(r) + c0, g, std::min(kSegment, pred.cols - c0), two_scale);
  };
  double total = 0.0;
  if (ctx.threads() == 1 || units < 2 || pred.rows * pred.cols < kSquaredErrorParallelMin) {
    run_here([&] {
      for (std::int64_t u = 0; u < units; ++u) total += unit(u);
    });
    return total;
  }
  std::vector<double> unit_sum(static_cast<std::size_t>(units));
  const std::int64_t units_per_task = std::max<std::int64_t>(1, kTaskElements / std::min(pred.cols, kSegment));
  run_tasks(ctx, div_up(units, units_per_task), [&](std::int64_t t0, std::int64_t t1) {
    const std::int64_t u1 = std::min(units, t1 * units_per_task);
    for (std::int64_t u = t0 * units_per_task; u < u1; ++u) unit_sum[static_cast<std::size_t>(u)] = unit(u);
  });
  run_here([&] { total = sum_in_order(unit_sum); });
  return total;
}

}  // namespace trenchcoat::detail
