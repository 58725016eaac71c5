#include "trenchcoat/nn/random.hpp"

#include <cmath>
#include <numbers>
#include <numeric>

namespace trenchcoat::nn {
namespace {
// GCC's 128-bit integer; __extension__ keeps -Wpedantic quiet about it.
__extension__ using u128 = unsigned __int128;
}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  // Two rounds of the SplitMix64 finaliser over (seed, stream).
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  return mix(mix(seed) ^ stream);
}

double Rng::uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's multiply-and-reject: the high word of x * n is uniform on [0, n) once
  // the few low words that would bias it are rejected.
  u128 product = static_cast<u128>(gen_()) * n;
  auto low = static_cast<std::uint64_t>(product);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      product = static_cast<u128>(gen_()) * n;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // u1 in (0, 1] so the logarithm is finite.
  const double u1 = static_cast<double>((gen_() >> 11) + 1) * 0x1.0p-53;
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

void shuffle(std::span<std::int64_t> values, Rng& rng) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng.below(i));
    std::swap(values[i - 1], values[j]);
  }
}

void epoch_order(std::uint64_t seed, std::int64_t epoch, std::span<std::int64_t> order) {
  std::iota(order.begin(), order.end(), std::int64_t{0});
  Rng rng(derive_seed(derive_seed(seed, kShuffleStream), static_cast<std::uint64_t>(epoch)));
  shuffle(order, rng);
}

}  // namespace trenchcoat::nn
