// The softmax family's threading, written once for every ISA (compiled for the x86-64
// baseline): whole rows are handed out, never split, so the thread count cannot
// change a result.

#include <algorithm>
#include <cstdint>

#include "common/parallel.hpp"
#include "softmax/softmax_kernel_set.hpp"

namespace trenchcoat::detail {
namespace {

// Below this many elements the rows run on the calling thread. Measured as for the
// element-wise family (eltwise_driver.cpp): serial softmax took 6.8 us at 16 Ki
// elements (rows of 100) and 13 us at 32 Ki; with a worker free, threads:2 ran 1.95x
// faster at 1 Mi. The threshold puts the serial time at ~13 us, past twice the cost of
// waking and joining a worker; a 128x10 batch stays on the calling thread.
constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 15;

// Elements per task unit (whole rows, at least one).
constexpr std::int64_t kTaskElements = std::int64_t{1} << 13;

}  // namespace

std::int64_t softmax_parallel_min_elements() noexcept { return kParallelMinElements; }

void run_softmax(const SoftmaxKernelSet& k, Context& ctx, ConstMatrixView x, MatrixView y, bool log) {
  if (x.empty()) return;
  const auto rows_fn = log ? k.log_softmax_rows : k.softmax_rows;
  if (ctx.threads() == 1 || x.rows < 2 || x.rows * x.cols < kParallelMinElements) {
    run_here([&] { rows_fn(x.data, x.stride, y.data, y.stride, x.rows, x.cols); });
    return;
  }
  const std::int64_t rows_per_task = std::max<std::int64_t>(1, kTaskElements / x.cols);
  run_tasks(ctx, div_up(x.rows, rows_per_task), [&](std::int64_t t0, std::int64_t t1) {
    const std::int64_t r0 = t0 * rows_per_task, r1 = std::min(x.rows, t1 * rows_per_task);
    rows_fn(x.row(r0), x.stride, y.row(r0), y.stride, r1 - r0, x.cols);
  });
}

}  // namespace trenchcoat::detail
