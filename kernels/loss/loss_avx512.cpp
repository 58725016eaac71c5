// AVX-512 loss kernels (compiled with -march=x86-64-v4; called only after the CPU check).
#define TRENCHCOAT_KERNEL_NS loss_avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "loss/loss_kernels.hpp"

namespace trenchcoat::detail {

constinit const LossKernelSet kLossAvx512 = loss_avx512::make_loss_kernel_set<loss_avx512::XsimdOps<xsimd::avx512bw>>();

}  // namespace trenchcoat::detail
