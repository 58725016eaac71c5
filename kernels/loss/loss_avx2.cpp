// AVX2 + FMA3 loss kernels (compiled with -march=x86-64-v3).
#define TRENCHCOAT_KERNEL_NS loss_avx2
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "loss/loss_kernels.hpp"

namespace trenchcoat::detail {

constinit const LossKernelSet kLossAvx2 = loss_avx2::make_loss_kernel_set<loss_avx2::XsimdOps<xsimd::fma3<xsimd::avx2>>>();

}  // namespace trenchcoat::detail
