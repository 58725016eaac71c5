#pragma once
// Synthetic datasets for tests, examples and benchmarks: each is a pure function of
// its arguments (seeded), so a benchmark or a test sees the same data every run.

#include <cstdint>

#include "trenchcoat/nn/dataset.hpp"

namespace trenchcoat::nn {

// The XOR truth table: 4 samples, 2 features in {0, 1}, label = a xor b.
Dataset make_xor();

// In the two generators below, `seed` fixes the classes (cluster centres, prototype
// images) and `sample_seed` the samples drawn from them: a training and a test set
// of one problem share `seed` and differ in `sample_seed`.

// `classes` Gaussian clusters in `features` dimensions: each class has a random
// centre in [-1, 1]^features and its samples add N(0, spread^2) noise per feature.
// Classes are balanced, in a random order.
Dataset make_blobs(std::int64_t samples, std::int64_t features, std::int32_t classes, double spread,
                   std::uint64_t seed, std::uint64_t sample_seed = 0);

// MNIST's shape without its files: `samples` x 784 "pixels" in [0, 1], 10 classes.
// Each class is a random sparse prototype image; a sample is its class prototype
// with noise added, so the classes are learnable but not trivially separable.
Dataset make_mnist_like(std::int64_t samples, std::uint64_t seed, std::uint64_t sample_seed = 0);

// y = slope * x + intercept + N(0, noise^2), x uniform in [-1, 1]: 1 feature, 1 target.
Dataset make_line(std::int64_t samples, double slope, double intercept, double noise, std::uint64_t seed);

// y = sin(pi * x) + N(0, noise^2), x uniform in [-1, 1]: a small non-linear regression.
Dataset make_sine(std::int64_t samples, double noise, std::uint64_t seed);

}  // namespace trenchcoat::nn
