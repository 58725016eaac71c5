// oneDNN's dnnl_sgemm as a GEMM baseline (Debian's oneDNN 2.6 uses OpenMP threads).

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <stdexcept>

#include "baseline_gemm.hpp"

namespace trenchcoat::bench {
namespace {

const bool registered = register_baseline_gemm(
    "onednn", cpu_best_isa(),
    [](int threads, const GemmShape& s, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
       std::int64_t ldc) {
      omp_set_num_threads(threads);
      const dnnl_status_t st = dnnl_sgemm(s.ta == Trans::N ? 'N' : 'T', s.tb == Trans::N ? 'N' : 'T', s.m, s.n, s.k,
                                          1.0f, a, lda, b, ldb, 0.0f, c, ldc);
      if (st != dnnl_success) throw std::runtime_error("dnnl_sgemm failed");
    });

}  // namespace
}  // namespace trenchcoat::bench
