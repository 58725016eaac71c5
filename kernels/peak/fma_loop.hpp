#pragma once
// An FMA throughput loop: Chains independent accumulator chains (at least latency x
// pipes on any current core, and few enough to stay in registers: 12 of AVX2's 16,
// 16 of AVX-512's 32), each step one vector FMA per chain.
// Include from an ISA translation unit with TRENCHCOAT_KERNEL_NS defined.

#include <cstdint>

#include "gemm/vector_policy.hpp"

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

// Runs `steps` x kChains vector FMAs; returns a value that depends on all of them so the
// compiler cannot drop the work.
template <class V, int kChains>
float fma_loop(std::int64_t steps) {
  using vec = typename V::type;
  vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = V::broadcast(1.0f + 1e-7f * static_cast<float>(i));
  const vec x = V::broadcast(0.999999f), y = V::broadcast(1e-7f);
  for (std::int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 32
    for (int i = 0; i < kChains; ++i) acc[i] = V::fma(acc[i], x, y);
  }
  vec total = acc[0];
  for (int i = 1; i < kChains; ++i) total = V::add(total, acc[i]);
  return V::sum(total);
}

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
