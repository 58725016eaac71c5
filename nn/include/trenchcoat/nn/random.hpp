#pragma once
// Random numbers whose streams are fixed by the seed alone: the standard fixes
// mt19937_64's output, but not how std::normal_distribution or std::shuffle use it,
// so those mappings are written here (uniform from the top bits, Box-Muller normals,
// Lemire's unbiased bounded integers, Fisher-Yates). Everything random in nn (weight
// initialisation, epoch shuffles, synthetic data) is drawn sequentially from one of
// these, never from a thread, so no result depends on the thread count.

#include <cstdint>
#include <random>
#include <span>

namespace trenchcoat::nn {

// An independent seed for `stream` (initialisation, shuffling of epoch e, ...) derived
// from the user's seed by SplitMix64 mixing, so nearby seeds give unrelated streams.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept;

// Streams used by the trainer and the model (a checkpoint relies on these staying put).
inline constexpr std::uint64_t kInitStream = 0x696e6974;     // "init"
inline constexpr std::uint64_t kShuffleStream = 0x73687566;  // "shuf"

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}

  std::uint64_t next_u64() { return gen_(); }
  // [0, 1) with 53 random bits.
  double uniform();
  // [0, n) without modulo bias; n >= 1.
  std::uint64_t below(std::uint64_t n);
  // Standard normal, Box-Muller (both values of each pair are used).
  double normal();

 private:
  std::mt19937_64 gen_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Fisher-Yates shuffle of `values` with `rng`.
void shuffle(std::span<std::int64_t> values, Rng& rng);

// The visiting order of `samples` samples in `epoch` for `seed`: a permutation of
// 0..samples-1 drawn afresh from (seed, epoch), so a run resumed at any epoch
// reproduces it without replaying earlier epochs.
void epoch_order(std::uint64_t seed, std::int64_t epoch, std::span<std::int64_t> order);

}  // namespace trenchcoat::nn
