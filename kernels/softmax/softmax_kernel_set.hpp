#pragma once
// The contract between the portable softmax driver (softmax_driver.cpp: threading
// over rows) and one ISA's compiled kernels (softmax_<isa>.cpp), as plain function
// pointers (see gemm_kernel_set.hpp for why). A row's result depends on that row
// alone, so the driver may split the rows anyhow.

#include <cstdint>

#include "trenchcoat/kernels/softmax.hpp"

namespace trenchcoat::detail {

struct SoftmaxKernelSet {
  // Rows [0, rows) of x (cols wide, x_stride apart) into y; y may be x.
  void (*softmax_rows)(const float* x, std::int64_t x_stride, float* y, std::int64_t y_stride, std::int64_t rows,
                       std::int64_t cols);
  void (*log_softmax_rows)(const float* x, std::int64_t x_stride, float* y, std::int64_t y_stride,
                           std::int64_t rows, std::int64_t cols);
};

// Rows of at least this many elements in all are worth splitting across threads;
// shared with the fused softmax + cross-entropy, which does the same work per row.
std::int64_t softmax_parallel_min_elements() noexcept;

void run_softmax(const SoftmaxKernelSet& k, Context& ctx, ConstMatrixView x, MatrixView y, bool log);

extern const SoftmaxKernelSet kSoftmaxScalar;
#if defined(TRENCHCOAT_HAVE_AVX2)
extern const SoftmaxKernelSet kSoftmaxAvx2;
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
extern const SoftmaxKernelSet kSoftmaxAvx512;
#endif

}  // namespace trenchcoat::detail
