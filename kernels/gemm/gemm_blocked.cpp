// Portable cache-blocked GEMM: the same packing and loops as the SIMD variants, with
// a plain-array "vector" the compiler vectorises for the x86-64 baseline (SSE2).
#define TRENCHCOAT_KERNEL_NS portable
#include "vector_policy.hpp"
#include "gemm_tiled.hpp"

namespace trenchcoat::detail {

// 4 x 8 tile: 8 xmm accumulators, leaving room for B and the broadcast in SSE's 16.
constinit const GemmKernelSet kGemmBlocked =
    portable::make_kernel_set<portable::ArrayVec<8>, 4, 1>(/*mc=*/128, /*kc=*/256, /*nc=*/2048);

}  // namespace trenchcoat::detail
