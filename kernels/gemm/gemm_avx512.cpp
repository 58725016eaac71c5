// AVX-512 GEMM kernels: the tiled templates instantiated for 512-bit vectors.
// Compiled with -march=x86-64-v4 (see kernels/CMakeLists.txt) and called only after
// the CPU check in the registry.
#define TRENCHCOAT_KERNEL_NS avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "vector_policy.hpp"
#include "gemm_tiled.hpp"

namespace trenchcoat::detail {

// 14 x 32 tile: 28 zmm accumulators + 2 for B + 1 broadcast of A = 31 of 32 registers;
// 28 independent FMAs per depth step cover Zen 5's 2 pipes x 4-cycle latency.
// KC x 32 floats of B (32 KiB at KC = 256) stay in L1 while MC x KC of A (up to
// 168 x 256 x 4 = 168 KiB) streams from L2.
constinit const GemmKernelSet kGemmAvx512 =
    avx512::make_kernel_set<avx512::XsimdVec<xsimd::avx512bw>, 14, 2>(/*mc=*/168, /*kc=*/256,
                                                                     /*nc=*/2048);

}  // namespace trenchcoat::detail
