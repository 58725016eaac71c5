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
// KC = 512, MC = 128: a micro-kernel call streams both of its panels from L2 (8 x 512
// of A, 16 KiB; 512 x 48 of B, 96 KiB): 224 bytes per 12 cycles of FMAs, a third of
// what Zen 5's L2 delivers. The 128 x 512 block of A (256 KiB) sits in L2. The deeper
// block matters more than keeping B in L1: C is read and written once per depth block,
// and k = 784 (the MLP's first layer) becomes 2 blocks of 392 instead of 5 of 157.
// Measured (bench/gemm_bench.cpp, 1 thread, interleaved, helpers paused) against
// KC = 192 / MC = 256: 32x128x784 126 -> 185 GFLOP/s median, its weight gradient
// 784x128x32 116 -> 181, 128x128x784 158 -> 155-160 (within noise), 1024^3 and
// 2048^3 166-167 -> 182.
constinit const GemmKernelSet kGemmAvx512 =
    avx512::make_kernel_set<avx512::XsimdVec<xsimd::avx512bw>, 8, 3>(/*mc=*/128, /*kc=*/512, /*nc=*/2048);

}  // namespace trenchcoat::detail
