// AVX2 + FMA3 softmax kernels (compiled with -march=x86-64-v3).
#define TRENCHCOAT_KERNEL_NS softmax_avx2
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "softmax/softmax_kernels.hpp"

namespace trenchcoat::detail {

constinit const SoftmaxKernelSet kSoftmaxAvx2 =
    softmax_avx2::make_softmax_kernel_set<softmax_avx2::XsimdOps<xsimd::fma3<xsimd::avx2>>>();

}  // namespace trenchcoat::detail
