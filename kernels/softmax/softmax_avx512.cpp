// AVX-512 softmax kernels (compiled with -march=x86-64-v4; called only after the CPU check).
#define TRENCHCOAT_KERNEL_NS softmax_avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "softmax/softmax_kernels.hpp"

namespace trenchcoat::detail {

constinit const SoftmaxKernelSet kSoftmaxAvx512 =
    softmax_avx512::make_softmax_kernel_set<softmax_avx512::XsimdOps<xsimd::avx512bw>>();

}  // namespace trenchcoat::detail
