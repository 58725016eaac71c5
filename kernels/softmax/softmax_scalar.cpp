// Portable softmax kernels: one float at a time with the C library's exp and log.
#define TRENCHCOAT_KERNEL_NS softmax_scalar
#include "softmax/softmax_kernels.hpp"

namespace trenchcoat::detail {

constinit const SoftmaxKernelSet kSoftmaxScalar =
    softmax_scalar::make_softmax_kernel_set<softmax_scalar::ScalarOps>();

}  // namespace trenchcoat::detail
