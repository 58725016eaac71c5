#pragma once
// A load-throughput loop: sums a block of floats again and again into kChains
// independent accumulators, so that the loads, not the add latency, set the pace.
// When the block fits in a cache level, its rate is that level's read bandwidth.
// Include from an ISA translation unit with TRENCHCOAT_KERNEL_NS defined.

#include <cstddef>
#include <cstdint>

#include "gemm/vector_policy.hpp"

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

// Reads data[0, floats) `sweeps` times (floats a multiple of kChains x the vector
// width, data 64-byte aligned); returns a value that depends on every load so the
// compiler cannot drop them.
template <class V, int kChains>
float read_loop(const float* data, std::size_t floats, std::int64_t sweeps) {
  using vec = typename V::type;
  vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = V::zero();
  const std::size_t step = static_cast<std::size_t>(kChains) * V::width;
  for (std::int64_t s = 0; s < sweeps; ++s) {
    for (std::size_t j = 0; j < floats; j += step) {
#pragma GCC unroll 32
      for (int i = 0; i < kChains; ++i) acc[i] = V::add(acc[i], V::load(data + j + static_cast<std::size_t>(i) * V::width));
    }
  }
  vec total = acc[0];
  for (int i = 1; i < kChains; ++i) total = V::add(total, acc[i]);
  return V::sum(total);
}

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
