#pragma once
// A bound on every parameter gradient a BatchPass's rows contribute, computed from
// the (small) activations and output gradients instead of the (large) gradients.
//
// For a Dense layer with input X and output gradient dY over `rows` rows, every
// element of dW = X^T dY is at most rows x max|X| x max|dY| in magnitude (rounding
// adds a factor below 1 + 1e-5 for any realistic row count), and every element of
// db at most rows x max|dY|. Summed over a batch of B rows — in any order, shard by
// shard or at once — no partial sum exceeds B x max|X| x max|dY|. So when every
// max is finite and B x bound < FLT_MAX / 2, no weight or bias gradient, nor any
// sum on the way to it, can be NaN or Inf: the step can be checked before a single
// gradient is computed or applied.

#include "trenchcoat/nn/batch_pass.hpp"

namespace trenchcoat::nn::detail {

struct GradientBound {
  double per_row = 0.0;  // max over Dense layers of max|X| max|dY| and max|dY|
  bool finite = true;    // every X and dY element seen was finite
};

// After pass.backward*(): the bound of the pass's rows. `input` is the x given to
// forward(); when a Dense layer reads it directly, `input_bound` (max |x|, known
// for a whole dataset) stands in for scanning it.
GradientBound gradient_bound(const BatchPass& pass, ConstMatrixView input, float input_bound) noexcept;

// Whether a batch of `batch_rows` rows whose passes had `per_row` as their largest
// bound (and were all finite) has finite gradients.
bool gradient_is_safe(double per_row, std::int64_t batch_rows) noexcept;

}  // namespace trenchcoat::nn::detail
