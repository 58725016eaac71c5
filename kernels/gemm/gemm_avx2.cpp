// AVX2 + FMA3 GEMM kernels: the tiled templates instantiated for 256-bit vectors.
// Compiled with -march=x86-64-v3 (see kernels/CMakeLists.txt).
#define TRENCHCOAT_KERNEL_NS avx2
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "vector_policy.hpp"
#include "gemm_tiled.hpp"

namespace trenchcoat::detail {

// 6 x 16 tile: 12 ymm accumulators + 2 for B + 1 broadcast = 15 of 16 registers.
constinit const GemmKernelSet kGemmAvx2 =
    avx2::make_kernel_set<avx2::XsimdVec<xsimd::fma3<xsimd::avx2>>, 6, 2>(/*mc=*/144, /*kc=*/256,
                                                                         /*nc=*/2048);

// 4 x 24 tile: 12 accumulators + 3 for B + 1 broadcast = all 16 registers, 7 loads
// per 12 FMAs instead of 8. Faster on large problems and slower on the MLP's, so the
// avx2 variant picks it by shape (gemm_variants.cpp). Measured on the 2-core Zen 5
// (bench/gemm_bench.cpp, 1 thread unless noted, medians of 5 per run, runs
// interleaved with the 6 x 16 build, medians over the runs): 1024^3 88.4 -> 96.2
// GFLOP/s and in a later, slower phase of the host 89.3 -> 93.4 (6 runs each);
// 2048^3 96.5 -> 98.9 and 88.5 -> 90.1; 1024^3 on 2 threads 180.5 -> 188.1. Below
// 512 (3 runs of 3): 256^3 96.4 -> 95.5, 128x128x784 88.1 -> 86.0, 784x128x128
// (T, N) 94.4 -> 91.6, 128x10x128 60.4 -> 55.7. Same blocking, so every element is
// the same sum in the same order as with 6 x 16 (tests/gemm_test.cpp checks it).
constinit const GemmKernelSet kGemmAvx2Wide =
    avx2::make_kernel_set<avx2::XsimdVec<xsimd::fma3<xsimd::avx2>>, 4, 3>(/*mc=*/144, /*kc=*/256,
                                                                         /*nc=*/2048);

}  // namespace trenchcoat::detail
