#include "gradient_bound.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "float_checks.hpp"

namespace trenchcoat::nn::detail {

GradientBound gradient_bound(const BatchPass& pass, ConstMatrixView input, float input_bound) noexcept {
  GradientBound b;
  for (std::size_t d = 0; d < pass.dense_count(); ++d) {
    const ConstMatrixView x = pass.dense_input(d);
    const double ax = x.data == input.data ? input_bound : max_magnitude(x);
    const double ady = max_magnitude(pass.dense_output_grad(d));
    b.finite = b.finite && std::isfinite(ax) && std::isfinite(ady);
    b.per_row = std::max({b.per_row, ax * ady, ady});
  }
  return b;
}

bool gradient_is_safe(double per_row, std::int64_t batch_rows) noexcept {
  return static_cast<double>(batch_rows) * per_row < 0.5 * static_cast<double>(FLT_MAX);
}

}  // namespace trenchcoat::nn::detail
