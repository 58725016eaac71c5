// Loss front end: validation (labels included), then the selected variant.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/arg_checks.hpp"
#include "trenchcoat/kernels/loss.hpp"

namespace trenchcoat {
namespace {

using detail::check_disjoint;
using detail::check_matrix;
using detail::Extent;
using detail::invalid_argument;

void check_scale(std::string_view op, float grad_scale) {
  if (!std::isfinite(grad_scale)) invalid_argument(op, "grad_scale must be finite, not " + std::to_string(grad_scale));
}

void validate_xent(ConstMatrixView logits, std::span<const std::int32_t> labels, MatrixView grad, float grad_scale) {
  constexpr std::string_view op = "softmax_cross_entropy";
  const Extent ex = check_matrix(op, "logits", logits);
  if (static_cast<std::int64_t>(labels.size()) != logits.rows) {
    invalid_argument(op, "labels has " + std::to_string(labels.size()) + " entries but logits has " +
                             std::to_string(logits.rows) + " rows");
  }
  const Extent el = detail::check_span(op, "labels", labels);
  if (grad.data != nullptr) {
    const Extent eg = check_matrix(op, "grad", grad);
    detail::check_same_shape(op, "logits", logits, "grad", grad);
    check_scale(op, grad_scale);
    if (!detail::same_elements(logits, grad)) {
      check_disjoint(op, "grad", eg, "logits", ex, " (only grad == logits with the same stride is allowed)");
    }
    check_disjoint(op, "grad", eg, "labels", el);
  }
  // One branch-free pass first (it vectorises: a 128-row batch is checked in a few
  // nanoseconds), then the row-by-row search for the message only when it failed.
  // 32-bit comparisons (64-bit ones kept GCC from vectorising the loop: 9% of a
  // 128x10 cross-entropy call went here). With more than 2^31 - 1 classes the label
  // INT32_MAX is valid but flagged; the search below then finds nothing to report.
  const auto limit = static_cast<std::int32_t>(std::min<std::int64_t>(logits.cols, INT32_MAX));
  int bad = 0;
  for (const std::int32_t label : labels) bad |= static_cast<int>(label < 0) | static_cast<int>(label >= limit);
  if (bad == 0) return;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    const std::int32_t label = labels[r];
    if (label < 0 || label >= logits.cols) {
      invalid_argument(op, "label " + std::to_string(label) + " at row " + std::to_string(r) + " is outside [0, " +
                               std::to_string(logits.cols) + ")");
    }
  }
}

void validate_squared_error(ConstMatrixView pred, ConstMatrixView target, MatrixView grad, float grad_scale) {
  constexpr std::string_view op = "squared_error";
  const Extent ep = check_matrix(op, "pred", pred);
  const Extent et = check_matrix(op, "target", target);
  detail::check_same_shape(op, "pred", pred, "target", target);
  if (grad.data == nullptr) return;
  const Extent eg = check_matrix(op, "grad", grad);
  detail::check_same_shape(op, "pred", pred, "grad", grad);
  check_scale(op, grad_scale);
  constexpr std::string_view note = " (grad may only be exactly pred or exactly target, with the same stride)";
  if (!detail::same_elements(pred, grad)) check_disjoint(op, "grad", eg, "pred", ep, note);
  if (!detail::same_elements(target, grad)) check_disjoint(op, "grad", eg, "target", et, note);
}

const LossVariant& selected(const Context& ctx) { return loss_variants()[ctx.variant_index(KernelFamily::loss)]; }

}  // namespace

double softmax_cross_entropy(Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels,
                             MatrixView grad, float grad_scale) {
  validate_xent(logits, labels, grad, grad_scale);
  return selected(ctx).fn.softmax_cross_entropy(ctx, logits, labels, grad, grad_scale);
}

double softmax_cross_entropy(const LossVariant& variant, Context& ctx, ConstMatrixView logits,
                             std::span<const std::int32_t> labels, MatrixView grad, float grad_scale) {
  validate_xent(logits, labels, grad, grad_scale);
  require_cpu_supports(variant.info.isa);
  return variant.fn.softmax_cross_entropy(ctx, logits, labels, grad, grad_scale);
}

double softmax_cross_entropy_mean(Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels,
                                  MatrixView grad) {
  const float scale = logits.rows > 0 ? 1.0f / static_cast<float>(logits.rows) : 0.0f;
  const double sum = softmax_cross_entropy(ctx, logits, labels, grad, scale);
  return logits.rows > 0 ? sum / static_cast<double>(logits.rows) : 0.0;
}

double squared_error(Context& ctx, ConstMatrixView pred, ConstMatrixView target, MatrixView grad, float grad_scale) {
  validate_squared_error(pred, target, grad, grad_scale);
  return selected(ctx).fn.squared_error(ctx, pred, target, grad, grad_scale);
}

double squared_error(const LossVariant& variant, Context& ctx, ConstMatrixView pred, ConstMatrixView target,
                     MatrixView grad, float grad_scale) {
  validate_squared_error(pred, target, grad, grad_scale);
  require_cpu_supports(variant.info.isa);
  return variant.fn.squared_error(ctx, pred, target, grad, grad_scale);
}

}  // namespace trenchcoat
