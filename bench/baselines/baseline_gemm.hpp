#pragma once
// Registers a third-party SGEMM under gemm/<name>/<shape>/threads:<T>, on the same
// shapes and with the same counters as our variants, so one run shows the ratios.

#include <functional>
#include <string>

#include "../gemm_shapes.hpp"

namespace trenchcoat::bench {

// Row-major C = A op B, alpha = 1, beta = 0; the callee sets its own thread count.
using BaselineGemm = std::function<void(int threads, const GemmShape& s, const float* a, std::int64_t lda,
                                        const float* b, std::int64_t ldb, float* c, std::int64_t ldc)>;

bool register_baseline_gemm(const std::string& name, Isa isa, const BaselineGemm& fn);

}  // namespace trenchcoat::bench
