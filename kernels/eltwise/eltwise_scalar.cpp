// Portable element-wise kernels: one float at a time with the C library's math,
// compiled for the x86-64 baseline (GCC may still vectorise the simple loops).
#define TRENCHCOAT_KERNEL_NS eltwise_scalar
#include "eltwise/eltwise_kernels.hpp"

namespace trenchcoat::detail {

constinit const EltwiseKernelSet kEltwiseScalar = eltwise_scalar::make_eltwise_kernel_set<eltwise_scalar::ScalarOps>();

}  // namespace trenchcoat::detail
