#include "byte_features.hpp"

#include <bit>

#include "elementwise_clones.hpp"

namespace trenchcoat::nn::detail {

TRENCHCOAT_ELEMENTWISE_CLONES void decode_bytes(const std::uint8_t* __restrict src, float* __restrict dst,
                                                std::int64_t n, float divisor) noexcept {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / divisor;
}

TRENCHCOAT_ELEMENTWISE_CLONES std::int64_t first_undecoded_byte(const std::uint8_t* __restrict bytes,
                                                                const float* __restrict x, std::int64_t n,
                                                                float divisor) noexcept {
  // In blocks, so the compiler vectorises the comparison and the search for the
  // culprit runs only in the block that has one.
  constexpr std::int64_t kBlock = 4096;
  for (std::int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const std::int64_t b1 = b0 + kBlock < n ? b0 + kBlock : n;
    std::uint32_t differ = 0;
    for (std::int64_t i = b0; i < b1; ++i) {
      differ |= std::bit_cast<std::uint32_t>(static_cast<float>(bytes[i]) / divisor) ^ std::bit_cast<std::uint32_t>(x[i]);
    }
    if (differ == 0) continue;
    for (std::int64_t i = b0; i < b1; ++i) {
      if (std::bit_cast<std::uint32_t>(static_cast<float>(bytes[i]) / divisor) != std::bit_cast<std::uint32_t>(x[i])) {
        return i;
      }
    }
  }
  return -1;
}

}  // namespace trenchcoat::nn::detail
