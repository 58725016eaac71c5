#pragma once
// The scan that decides whether a training step may be applied (gradient_bound.hpp):
// how large is the largest value, and is every value finite. It looks at the bits (a
// float's magnitude orders like its bits without the sign, Inf and NaN above every
// finite value), so the loop is integer operations the compiler vectorises.

#include <cstdint>

#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat::nn::detail {

// The largest |x| over the elements; +Inf or NaN when any element is not finite
// (so std::isfinite() of the result says whether all were). 0 for an empty range.
float max_magnitude(const float* data, std::int64_t n) noexcept;
float max_magnitude(ConstMatrixView m) noexcept;

}  // namespace trenchcoat::nn::detail
