// AVX-512 element-wise kernels: the templates instantiated for 512-bit vectors.
// Compiled with -march=x86-64-v4 (see kernels/CMakeLists.txt) and called only after
// the CPU check in the registry.
#define TRENCHCOAT_KERNEL_NS eltwise_avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "eltwise/eltwise_kernels.hpp"

namespace trenchcoat::detail {

constinit const EltwiseKernelSet kEltwiseAvx512 =
    eltwise_avx512::make_eltwise_kernel_set<eltwise_avx512::XsimdOps<xsimd::avx512bw>>();

}  // namespace trenchcoat::detail
