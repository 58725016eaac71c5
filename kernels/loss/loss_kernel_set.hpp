#pragma once
// The contract between the portable loss driver (loss_driver.cpp: threading and the
// fixed-order sums) and one ISA's compiled kernels (loss_<isa>.cpp), as plain
// function pointers (see gemm_kernel_set.hpp for why).

#include <cstdint>

#include "trenchcoat/kernels/loss.hpp"

namespace trenchcoat::detail {

struct LossKernelSet {
  // Rows [0, rows) of the logits (cols wide, labels already checked): returns the sum
  // of the rows' losses -log softmax(x[r])[labels[r]], added in row order to 0.0, and
  // when row_loss is non-null also stores each one. When g is non-null it receives
  // (softmax(x[r]) - onehot(labels[r])) * scale; g may be x.
  double (*xent_rows)(const float* x, std::int64_t x_stride, const std::int32_t* labels, float* g,
                      std::int64_t g_stride, std::int64_t rows, std::int64_t cols, float scale, double* row_loss);
  // Sum of (p[i] - t[i])^2 for i < n, in double, in an order fixed by n; when g is
  // non-null also g[i] = (p[i] - t[i]) * two_scale. g may be p or t.
  double (*squared_error)(const float* p, const float* t, float* g, std::int64_t n, float two_scale);
};

double run_softmax_cross_entropy(const LossKernelSet& k, Context& ctx, ConstMatrixView logits,
                                 std::span<const std::int32_t> labels, MatrixView grad, float grad_scale);
double run_squared_error(const LossKernelSet& k, Context& ctx, ConstMatrixView pred, ConstMatrixView target,
                         MatrixView grad, float grad_scale);

extern const LossKernelSet kLossScalar;
#if defined(TRENCHCOAT_HAVE_AVX2)
extern const LossKernelSet kLossAvx2;
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
extern const LossKernelSet kLossAvx512;
#endif

}  // namespace trenchcoat::detail
