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

}  // namespace trenchcoat::detail
