// Portable loss kernels: one float at a time with the C library's exp and log.
#define TRENCHCOAT_KERNEL_NS loss_scalar
#include "loss/loss_kernels.hpp"

namespace trenchcoat::detail {

constinit const LossKernelSet kLossScalar = loss_scalar::make_loss_kernel_set<loss_scalar::ScalarOps>();

}  // namespace trenchcoat::detail
