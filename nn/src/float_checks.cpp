#include "float_checks.hpp"

#include <bit>
#include <cstring>

#include "elementwise_clones.hpp"

namespace trenchcoat::nn::detail {

// Twice compiled (elementwise_clones.hpp): integer maxima, the same answer either way.
TRENCHCOAT_ELEMENTWISE_CLONES float max_magnitude(const float* data, std::int64_t n) noexcept {
  // Without the sign bit, a float's bits order like its magnitude, with Inf above
  // every finite value and NaN above Inf: the largest bits are the answer. Sixteen
  // independent maxima (four vectors) keep the loop from waiting on one chain of
  // compares; the compiler vectorises the lane loop.
  constexpr int kLanes = 16;
  std::int32_t lane[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      std::int32_t bits;
      std::memcpy(&bits, data + i + k, sizeof(bits));
      bits &= 0x7fffffff;
      lane[k] = bits > lane[k] ? bits : lane[k];
    }
  }
  std::int32_t largest = 0;
  for (; i < n; ++i) {
    std::int32_t bits;
    std::memcpy(&bits, data + i, sizeof(bits));
    bits &= 0x7fffffff;
    largest = bits > largest ? bits : largest;
  }
  for (std::int32_t l : lane) largest = l > largest ? l : largest;
  return std::bit_cast<float>(largest);
}

float max_magnitude(ConstMatrixView m) noexcept {
  if (m.stride == m.cols) return max_magnitude(m.data, m.rows * m.cols);
  float largest = 0.0f;
  for (std::int64_t r = 0; r < m.rows; ++r) {
    const float row = max_magnitude(m.row(r), m.cols);
    // NaN must win over everything, so compare bits rather than values.
    largest = std::bit_cast<std::int32_t>(row) > std::bit_cast<std::int32_t>(largest) ? row : largest;
  }
  return largest;
}

}  // namespace trenchcoat::nn::detail
