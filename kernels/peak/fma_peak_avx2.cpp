// FMA throughput loop for avx2 (compiled with that ISA's flags).
#define TRENCHCOAT_KERNEL_NS avx2
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "fma_loop.hpp"

namespace trenchcoat::detail {

constexpr int kFmaChains = 12;

float fma_loop_avx2(std::int64_t steps) { return avx2::fma_loop<avx2::XsimdVec<xsimd::fma3<xsimd::avx2>>, kFmaChains>(steps); }
int fma_chains_avx2() { return kFmaChains; }
int fma_width_avx2() { return avx2::XsimdVec<xsimd::fma3<xsimd::avx2>>::width; }

}  // namespace trenchcoat::detail
