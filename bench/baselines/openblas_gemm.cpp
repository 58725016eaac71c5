// OpenBLAS's cblas_sgemm as a GEMM baseline. bench_main.cpp makes it load its
// AVX-512 (Cooperlake) kernels on CPUs that have them; the context line
// "openblas_core" in the output says which kernels it used.

#include <cblas.h>

#include "baseline_gemm.hpp"

namespace trenchcoat::bench {
namespace {

const bool registered = register_baseline_gemm(
    "openblas", cpu_best_isa(),
    [](int threads, const GemmShape& s, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
       std::int64_t ldc) {
      openblas_set_num_threads(threads);
      cblas_sgemm(CblasRowMajor, s.ta == Trans::N ? CblasNoTrans : CblasTrans,
                  s.tb == Trans::N ? CblasNoTrans : CblasTrans, static_cast<blasint>(s.m), static_cast<blasint>(s.n),
                  static_cast<blasint>(s.k), 1.0f, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), 0.0f, c,
                  static_cast<blasint>(ldc));
    });

}  // namespace
}  // namespace trenchcoat::bench
