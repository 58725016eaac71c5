// Cache read-bandwidth loop for avx2 (compiled with that ISA's flags).
#define TRENCHCOAT_KERNEL_NS avx2
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "read_loop.hpp"

namespace trenchcoat::detail {

// Enough independent adds to cover the add latency at two loads per cycle, few
// enough to stay in registers.
constexpr int kReadChains = 8;

float read_loop_avx2(const float* data, std::size_t floats, std::int64_t sweeps) {
  return avx2::read_loop<avx2::XsimdVec<xsimd::fma3<xsimd::avx2>>, kReadChains>(data, floats, sweeps);
}
std::size_t read_block_floats_avx2() { return std::size_t{kReadChains} * avx2::XsimdVec<xsimd::fma3<xsimd::avx2>>::width; }

}  // namespace trenchcoat::detail
