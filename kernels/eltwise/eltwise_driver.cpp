// The element-wise family's threading, written once for every ISA (compiled for the
// x86-64 baseline; everything ISA-specific is behind the EltwiseKernelSet pointers).
//
// Element-wise maps are pure functions of each element, so any split gives the same
// bits. The one reduction, bias_backward's column sums, is cut into blocks of
// kSumRows rows whatever the thread count; each block is summed in row order and the
// block sums are combined by a fixed pairwise tree, so the order of every addition
// depends on the shape alone.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/parallel.hpp"
#include "eltwise/eltwise_kernel_set.hpp"

namespace trenchcoat::detail {
namespace {

// Below these many elements an operation runs on the calling thread: waking a worker
// and joining it costs more than the second core saves. Measured on the 2-core Zen 5
// with the thresholds forced to 0 (threads:1 vs threads:2, best of 300-3000 calls):
// serial ReLU took 2.6 us at 64 Ki elements and 7.8 us at 128 Ki, GELU 3.3 us at 16 Ki
// and 6.6 us at 32 Ki; the threaded path added 0.2-0.7 us when the worker could not
// run, and ran 1.9x faster at 1 Mi elements when it could. The machine was shared
// (load average ~12 on 2 cores) so the crossover itself was not observable; the
// thresholds sit where the serial time reaches ~8-10 us, about twice the cost of
// waking a sleeping oneTBB worker and joining it. A 128x10 batch (1280 elements) is
// far below both.
constexpr std::int64_t kCheapParallelMin = std::int64_t{1} << 17;  // identity, ReLU, leaky, bias
constexpr std::int64_t kMathParallelMin = std::int64_t{1} << 15;   // sigmoid, tanh, GELU, softplus

// Elements per task unit (32 KiB of floats): small enough to balance, large enough
// that the per-task overhead vanishes. oneTBB's partitioner groups units further.
constexpr std::int64_t kChunk = std::int64_t{1} << 13;

// Column bands for matrices with long rows, so a few rows still split across threads.
constexpr std::int64_t kBand = std::int64_t{1} << 14;

// Rows per block of bias_backward: the rounding error of a column sum grows with the
// rows summed in sequence (~kSumRows + log2(blocks) roundings instead of ~rows).
constexpr std::int64_t kSumRows = 128;

bool is_cheap(Activation a) {
  return a == Activation::identity || a == Activation::relu || a == Activation::leaky_relu;
}

bool worth_threads(const Context& ctx, std::int64_t elements, std::int64_t min_elements) {
  return ctx.threads() > 1 && elements >= min_elements;
}

// f(first, last) over [0, n), split into kChunk pieces when worth it.
template <class F>
void over_elements(Context& ctx, std::int64_t n, std::int64_t min_elements, F f) {
  if (!worth_threads(ctx, n, min_elements)) {
    run_here([&] { f(0, n); });
    return;
  }
  run_tasks(ctx, div_up(n, kChunk), [&](std::int64_t t0, std::int64_t t1) {
    f(t0 * kChunk, std::min(n, t1 * kChunk));
  });
}

// A rows x cols matrix cut into blocks of whole rows and column bands.
struct Tiling {
  std::int64_t row_step, col_step, row_blocks, col_bands;
  std::int64_t tasks() const { return row_blocks * col_bands; }
};

Tiling tile_rows_and_bands(std::int64_t rows, std::int64_t cols, std::int64_t row_step) {
  const std::int64_t col_step = std::min(cols, kBand);
  return Tiling{row_step, col_step, div_up(rows, row_step), div_up(cols, col_step)};
}

}  // namespace

void run_activation_forward(const EltwiseKernelSet& k, Context& ctx, ActivationParams act,
                            std::span<const float> x, std::span<float> y) {
  const auto n = static_cast<std::int64_t>(x.size());
  if (n == 0) return;
  const float* xp = x.data();
  float* yp = y.data();
  over_elements(ctx, n, is_cheap(act.kind) ? kCheapParallelMin : kMathParallelMin,
                [&](std::int64_t lo, std::int64_t hi) { k.forward(act, xp + lo, yp + lo, hi - lo); });
}

void run_activation_backward(const EltwiseKernelSet& k, Context& ctx, ActivationParams act,
                             std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                             std::span<float> dx) {
  const auto n = static_cast<std::int64_t>(dy.size());
  if (n == 0) return;
  const BackwardInput which = backward_input(act.kind);
  const float* in = which == BackwardInput::input ? x.data() : which == BackwardInput::output ? y.data() : nullptr;
  const float* dyp = dy.data();
  float* dxp = dx.data();
  over_elements(ctx, n, is_cheap(act.kind) ? kCheapParallelMin : kMathParallelMin,
                [&](std::int64_t lo, std::int64_t hi) {
                  k.backward(act, in == nullptr ? nullptr : in + lo, dyp + lo, dxp + lo, hi - lo);
                });
}

void run_bias_add(const EltwiseKernelSet& k, Context& ctx, MatrixView y, std::span<const float> bias) {
  if (y.empty()) return;
  const float* b = bias.data();
  if (!worth_threads(ctx, y.rows * y.cols, kCheapParallelMin)) {
    run_here([&] { k.bias_add(y.data, y.stride, y.rows, y.cols, b); });
    return;
  }
  const std::int64_t col_step = std::min(y.cols, kBand);
  const Tiling t = tile_rows_and_bands(y.rows, y.cols, std::max<std::int64_t>(1, kChunk / col_step));
  run_tasks(ctx, t.tasks(), [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t task = t0; task < t1; ++task) {
      const std::int64_t r0 = (task / t.col_bands) * t.row_step, c0 = (task % t.col_bands) * t.col_step;
      k.bias_add(y.data + r0 * y.stride + c0, y.stride, std::min(t.row_step, y.rows - r0),
                 std::min(t.col_step, y.cols - c0), b + c0);
    }
  });
}

void run_bias_backward(const EltwiseKernelSet& k, Context& ctx, ConstMatrixView dy, std::span<float> db) {
  const std::int64_t cols = dy.cols;
  if (cols == 0) return;
  float* out = db.data();
  if (dy.rows == 0) {
    std::fill(out, out + cols, 0.0f);
    return;
  }
  const std::int64_t blocks = div_up(dy.rows, kSumRows);
  // Block b's column sums go to row b of `partial` (to db itself when there is one).
  std::vector<float> partial_storage;
  float* partial = out;
  if (blocks > 1) {
    partial_storage.resize(static_cast<std::size_t>(blocks * cols));
    partial = partial_storage.data();
  }
  const Tiling t = tile_rows_and_bands(dy.rows, cols, kSumRows);
  auto sum_tasks = [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t task = t0; task < t1; ++task) {
      const std::int64_t block = task / t.col_bands, c0 = (task % t.col_bands) * t.col_step;
      const std::int64_t r0 = block * kSumRows;
      k.column_sums(dy.data + r0 * dy.stride + c0, dy.stride, std::min(kSumRows, dy.rows - r0),
                    std::min(t.col_step, cols - c0), partial + block * cols + c0);
    }
  };
  // Pairwise tree over the blocks: step 1 adds block 1 into 0, 3 into 2, ...; step 2
  // adds 2 into 0, ...: the same tree for a given block count, whoever computed them.
  auto combine = [&] {
    for (std::int64_t step = 1; step < blocks; step *= 2) {
      for (std::int64_t b = 0; b + step < blocks; b += 2 * step) {
        float* dst = partial + b * cols;
        const float* src = partial + (b + step) * cols;
        for (std::int64_t c = 0; c < cols; ++c) dst[c] += src[c];
      }
    }
    if (partial != out) std::copy(partial, partial + cols, out);
  };
  if (!worth_threads(ctx, dy.rows * cols, kCheapParallelMin)) {
    run_here([&] {
      sum_tasks(0, t.tasks());
      combine();
    });
    return;
  }
  run_tasks(ctx, t.tasks(), sum_tasks);
  run_here(combine);
}

}  // namespace trenchcoat::detail
