// FMA throughput loop for avx512 (compiled with that ISA's flags).
#define TRENCHCOAT_KERNEL_NS avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "fma_loop.hpp"

namespace trenchcoat::detail {

constexpr int kFmaChains = 16;

float fma_loop_avx512(std::int64_t steps) { return avx512::fma_loop<avx512::XsimdVec<xsimd::avx512bw>, kFmaChains>(steps); }
int fma_chains_avx512() { return kFmaChains; }
int fma_width_avx512() { return avx512::XsimdVec<xsimd::avx512bw>::width; }

}  // namespace trenchcoat::detail
