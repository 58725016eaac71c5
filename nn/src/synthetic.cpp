#include "trenchcoat/nn/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "trenchcoat/nn/random.hpp"

namespace trenchcoat::nn {
namespace {

// Labels 0, 1, ..., classes-1, 0, 1, ... in a shuffled order: balanced classes.
void balanced_labels(Dataset& d, Rng& rng) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(d.samples));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i) % d.classes;
  shuffle(order, rng);
  for (std::size_t i = 0; i < order.size(); ++i) d.labels[i] = static_cast<std::int32_t>(order[i]);
}

}  // namespace

Dataset make_xor() {
  Dataset d = Dataset::classification(4, 2, 2);
  const float inputs[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  for (int i = 0; i < 4; ++i) {
    d.sample(i)[0] = inputs[i][0];
    d.sample(i)[1] = inputs[i][1];
    d.labels[static_cast<std::size_t>(i)] = (i == 1 || i == 2) ? 1 : 0;
  }
  return d;
}

Dataset make_blobs(std::int64_t samples, std::int64_t features, std::int32_t classes, double spread,
                   std::uint64_t seed, std::uint64_t sample_seed) {
  if (!(spread >= 0.0) || !std::isfinite(spread)) {
    throw std::invalid_argument("make_blobs: spread must be finite and >= 0, not " + std::to_string(spread));
  }
  Dataset d = Dataset::classification(samples, features, classes);
  Rng classes_rng(derive_seed(seed, 0x626c6f62));
  std::vector<double> centres(static_cast<std::size_t>(classes * features));
  for (double& c : centres) c = 2.0 * classes_rng.uniform() - 1.0;
  Rng rng(derive_seed(derive_seed(seed, 0x626c6f62), sample_seed));
  balanced_labels(d, rng);
  for (std::int64_t i = 0; i < samples; ++i) {
    const double* centre = centres.data() + d.labels[static_cast<std::size_t>(i)] * features;
    for (std::int64_t j = 0; j < features; ++j) d.sample(i)[j] = static_cast<float>(centre[j] + spread * rng.normal());
  }
  return d;
}

Dataset make_mnist_like(std::int64_t samples, std::uint64_t seed, std::uint64_t sample_seed) {
  constexpr std::int64_t kPixels = 784;
  constexpr std::int32_t kClasses = 10;
  Dataset d = Dataset::classification(samples, kPixels, kClasses);
  Rng classes_rng(derive_seed(seed, 0x6d6e6973));
  // Prototypes: about a fifth of the pixels lit, like a digit's strokes.
  std::vector<float> prototypes(static_cast<std::size_t>(kClasses * kPixels));
  for (float& p : prototypes) {
    p = classes_rng.uniform() < 0.2 ? static_cast<float>(0.5 + 0.5 * classes_rng.uniform()) : 0.0f;
  }
  Rng rng(derive_seed(derive_seed(seed, 0x6d6e6973), sample_seed));
  balanced_labels(d, rng);
  for (std::int64_t i = 0; i < samples; ++i) {
    const float* proto = prototypes.data() + d.labels[static_cast<std::size_t>(i)] * kPixels;
    float* x = d.sample(i);
    for (std::int64_t j = 0; j < kPixels; ++j) {
      // One 64-bit draw gives a flip decision (8 bits) and a noise value (53 bits
      // would be wasted; 24 are plenty), keeping 47 million pixels quick to make.
      const std::uint64_t r = rng.next_u64();
      const float noise = static_cast<float>(r >> 40) * 0x1.0p-24f;  // [0, 1)
      const bool flip = (r & 0xff) < 20;                              // ~8% of pixels
      const float v = flip ? noise : std::clamp(proto[j] + 0.3f * (noise - 0.5f), 0.0f, 1.0f);
      x[j] = v;
    }
  }
  return d;
}

Dataset make_line(std::int64_t samples, double slope, double intercept, double noise, std::uint64_t seed) {
  Dataset d = Dataset::regression(samples, 1, 1);
  Rng rng(derive_seed(seed, 0x6c696e65));
  for (std::int64_t i = 0; i < samples; ++i) {
    const double x = 2.0 * rng.uniform() - 1.0;
    d.x[static_cast<std::size_t>(i)] = static_cast<float>(x);
    d.targets[static_cast<std::size_t>(i)] = static_cast<float>(slope * x + intercept + noise * rng.normal());
  }
  return d;
}

Dataset make_sine(std::int64_t samples, double noise, std::uint64_t seed) {
  Dataset d = Dataset::regression(samples, 1, 1);
  Rng rng(derive_seed(seed, 0x73696e65));
  for (std::int64_t i = 0; i < samples; ++i) {
    const double x = 2.0 * rng.uniform() - 1.0;
    d.x[static_cast<std::size_t>(i)] = static_cast<float>(x);
    d.targets[static_cast<std::size_t>(i)] = static_cast<float>(std::sin(std::numbers::pi * x) + noise * rng.normal());
  }
  return d;
}

}  // namespace trenchcoat::nn
