#pragma once
// The contract between the portable element-wise driver (eltwise_driver.cpp: threading,
// the reduction tree of bias_backward) and one ISA's compiled kernels
// (eltwise_<isa>.cpp). Only plain function pointers cross it, so nothing compiled with
// AVX-512 flags can be picked by the linker for code that runs on other CPUs.
//
// Every kernel works on a range the driver hands it and is a pure function of the
// elements in that range: where a range starts or ends never changes a result bit.

#include <cstdint>

#include "trenchcoat/kernels/activation.hpp"

namespace trenchcoat::detail {

struct EltwiseKernelSet {
  // y[i] = f(x[i]) for i < n; y == x allowed.
  void (*forward)(ActivationParams act, const float* x, float* y, std::int64_t n);
  // dx[i] = dy[i] * f'(.) from `in`, which is x or y as backward_input(act.kind) says
  // (unused for identity); dx == dy allowed.
  void (*backward)(ActivationParams act, const float* in, const float* dy, float* dx, std::int64_t n);
  // y[r, c] += bias[c] for r < rows, c < cols (y's rows `stride` floats apart).
  void (*bias_add)(float* y, std::int64_t stride, std::int64_t rows, std::int64_t cols, const float* bias);
  // out[c] = dy[0, c] + dy[1, c] + ... + dy[rows-1, c], added in row order, c < cols.
  void (*column_sums)(const float* dy, std::int64_t stride, std::int64_t rows, std::int64_t cols, float* out);
};

// The family's operations run with one ISA's kernels, threaded when it pays.
void run_activation_forward(const EltwiseKernelSet& k, Context& ctx, ActivationParams act,
                            std::span<const float> x, std::span<float> y);
void run_activation_backward(const EltwiseKernelSet& k, Context& ctx, ActivationParams act,
                             std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                             std::span<float> dx);
void run_bias_add(const EltwiseKernelSet& k, Context& ctx, MatrixView y, std::span<const float> bias);
void run_bias_backward(const EltwiseKernelSet& k, Context& ctx, ConstMatrixView dy, std::span<float> db);

extern const EltwiseKernelSet kEltwiseScalar;
#if defined(TRENCHCOAT_HAVE_AVX2)
extern const EltwiseKernelSet kEltwiseAvx2;
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
extern const EltwiseKernelSet kEltwiseAvx512;
#endif

}  // namespace trenchcoat::detail
