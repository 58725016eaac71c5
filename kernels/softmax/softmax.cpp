// Softmax front end: validation, then the selected variant.

#include <string_view>

#include "common/arg_checks.hpp"
#include "trenchcoat/kernels/softmax.hpp"

namespace trenchcoat {
namespace {

void validate(std::string_view op, ConstMatrixView x, MatrixView y) {
  const detail::Extent ex = detail::check_matrix(op, "x", x);
  const detail::Extent ey = detail::check_matrix(op, "y", y);
  detail::check_same_shape(op, "x", x, "y", y);
  if (!detail::same_elements(x, y)) {
    detail::check_disjoint(op, "y", ey, "x", ex, " (only y == x with the same stride, in place, is allowed)");
  }
}

const SoftmaxVariant& selected(const Context& ctx) {
  return softmax_variants()[ctx.variant_index(KernelFamily::softmax)];
}

}  // namespace

void softmax(Context& ctx, ConstMatrixView x, MatrixView y) {
  validate("softmax", x, y);
  selected(ctx).fn.softmax(ctx, x, y);
}

void log_softmax(Context& ctx, ConstMatrixView x, MatrixView y) {
  validate("log_softmax", x, y);
  selected(ctx).fn.log_softmax(ctx, x, y);
}

void softmax(const SoftmaxVariant& variant, Context& ctx, ConstMatrixView x, MatrixView y) {
  validate("softmax", x, y);
  require_cpu_supports(variant.info.isa);
  variant.fn.softmax(ctx, x, y);
}

void log_softmax(const SoftmaxVariant& variant, Context& ctx, ConstMatrixView x, MatrixView y) {
  validate("log_softmax", x, y);
  require_cpu_supports(variant.info.isa);
  variant.fn.log_softmax(ctx, x, y);
}

}  // namespace trenchcoat
