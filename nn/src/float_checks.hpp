#pragma once
// Scans that decide whether a training step may be applied: is every value finite,
// and how large is the largest one. Both look at the bits (exponent all ones means
// NaN or Inf; a float's magnitude orders like its bits without the sign), so the
// loops are integer operations the compiler vectorises.

#include <cstdint>

#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat::nn::detail {

// True when no element of [data, data + n) is NaN or Inf.
bool all_finite(const float* data, std::int64_t n) noexcept;

// The largest |x| over the elements; +Inf or NaN when any element is not finite
// (so std::isfinite() of the result says whether all were). 0 for an empty range.
float max_magnitude(const float* data, std::int64_t n) noexcept;
float max_magnitude(ConstMatrixView m) noexcept;

}  // namespace trenchcoat::nn::detail
