#pragma once
// An in-memory dataset: a dense samples x features float matrix, plus either int32
// class labels (classification) or a samples x target_width float matrix
// (regression). Loaders fill one with the factories and plain indexing:
//
//   Dataset d = Dataset::classification(60000, 784, 10);
//   std::copy(pixels, pixels + 784, d.sample(i));  d.labels[i] = digit;
//   d.validate();   // shapes agree, labels within [0, classes), values finite

#include <cstdint>
#include <vector>

#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat::nn {

struct Dataset {
  std::int64_t samples = 0;
  std::int64_t features = 0;
  std::vector<float> x;                 // samples x features, row-major
  // Classification: one label per sample in [0, classes).
  std::int32_t classes = 0;
  std::vector<std::int32_t> labels;
  // Regression: samples x target_width, row-major.
  std::int64_t target_width = 0;
  std::vector<float> targets;
  // Optional, for features that are bytes over one divisor (MNIST's pixels / 255):
  // the same features as bytes, x[i] == float(x_bytes[i]) / byte_divisor exactly
  // (bit for bit), the divisor a normal float <= 2^126. Training then gathers each
  // batch from these, a quarter of the memory traffic of the floats, and gets the
  // same floats. Empty otherwise. Whoever changes x afterwards must clear it
  // (standardize() does). validate() checks every byte, and so does a Trainer when
  // it first sees a dataset; it checks again only when x's or x_bytes' storage,
  // size or the divisor changes, so x edited in place between train_epoch() calls
  // with x_bytes kept would go unnoticed.
  std::vector<std::uint8_t> x_bytes;
  float byte_divisor = 1.0f;

  // Zero-filled storage of the right size (throws std::invalid_argument for sizes
  // < 1 or too large to address).
  static Dataset classification(std::int64_t samples, std::int64_t features, std::int32_t classes);
  static Dataset regression(std::int64_t samples, std::int64_t features, std::int64_t target_width);

  bool is_classification() const noexcept { return classes > 0; }
  float* sample(std::int64_t i) noexcept { return x.data() + i * features; }
  const float* sample(std::int64_t i) const noexcept { return x.data() + i * features; }
  ConstMatrixView inputs() const noexcept { return dense(x.data(), samples, features); }
  ConstMatrixView target_matrix() const noexcept { return dense(targets.data(), samples, target_width); }

  // Throws std::invalid_argument naming the first problem: sizes that disagree, a
  // label out of range (with its index), a feature or target that is NaN or Inf, a
  // byte that does not decode to its feature (check_bytes()).
  void validate() const;
  // The x_bytes relation alone (nothing to check when x_bytes is empty): the same
  // size as x, a positive normal divisor <= 2^126, and every byte decoding to the
  // bits of its float.
  void check_bytes() const;

  // The first `n` samples (for quick runs and tests), or a copy of rows [begin, end).
  Dataset slice(std::int64_t begin, std::int64_t end) const;
};

}  // namespace trenchcoat::nn
