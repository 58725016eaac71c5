// AVX2 + FMA3 element-wise kernels: the templates instantiated for 256-bit vectors.
// Compiled with -march=x86-64-v3 (see kernels/CMakeLists.txt).
#define TRENCHCOAT_KERNEL_NS eltwise_avx2
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "eltwise/eltwise_kernels.hpp"

namespace trenchcoat::detail {

constinit const EltwiseKernelSet kEltwiseAvx2 =
    eltwise_avx2::make_eltwise_kernel_set<eltwise_avx2::XsimdOps<xsimd::fma3<xsimd::avx2>>>();

}  // namespace trenchcoat::detail
