// Cache read-bandwidth loop for avx512 (compiled with that ISA's flags).
#define TRENCHCOAT_KERNEL_NS avx512
#define TRENCHCOAT_KERNEL_USES_XSIMD
#include "read_loop.hpp"

namespace trenchcoat::detail {

// Enough independent adds to cover the add latency at two loads per cycle, few
// enough to stay in registers.
constexpr int kReadChains = 16;

float read_loop_avx512(const float* data, std::size_t floats, std::int64_t sweeps) {
  return avx512::read_loop<avx512::XsimdVec<xsimd::avx512bw>, kReadChains>(data, floats, sweeps);
}
std::size_t read_block_floats_avx512() { return std::size_t{kReadChains} * avx512::XsimdVec<xsimd::avx512bw>::width; }

}  // namespace trenchcoat::detail
