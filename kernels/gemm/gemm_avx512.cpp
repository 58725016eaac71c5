// AVX-512 GEMM kernels: the tiled templates instantiated for 512-bit vectors.
// Compiled with -march=x86-64-v4 (see kernels/CMakeLists.txt) and called only after
// the CPU check in the registry.
#define TRENCHCOAT_KERNEL_NS avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "vector_policy.hpp"
#include "gemm_tiled.hpp"

namespace trenchcoat::detail {

// 8 x 48 tile: 24 zmm accumulators + 3 for B + 1 broadcast of A = 28 of 32 registers;
// 24 independent FMAs per depth step cover Zen 5's 2 pipes x 4-cycle latency 3 times
// over, and each step needs 3 vector loads + 8 broadcasts for 24 FMAs. Measured
// against 14x32, 12x32, 9x48 and 6x64 (bench/gemm_bench.cpp, MLP shapes and 1024^3):
// best on every one, and 8 rows divide the MLP's batch and shard sizes.
// KC = 192: the 192 x 48 panel of B (36 KiB) stays in L1 with the A panel streaming;
// MC = 256: a 256 x 192 block of A (192 KiB) sits in L2.
constinit const GemmKernelSet kGemmAvx512 =
    avx512::make_kernel_set<avx512::XsimdVec<xsimd::avx512bw>, 8, 3>(/*mc=*/256, /*kc=*/192, /*nc=*/2048);

}  // namespace trenchcoat::detail
