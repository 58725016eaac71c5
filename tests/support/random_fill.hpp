#pragma once
// Seeded test data, so every failure is reproducible from its printed seed.

#include <cstdint>
#include <random>
#include <vector>

namespace trenchcoat::testing {

inline std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

}  // namespace trenchcoat::testing
