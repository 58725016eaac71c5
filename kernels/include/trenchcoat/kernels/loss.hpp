#pragma once
// Losses with their gradients (family "loss").

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat {

// Fused softmax + cross-entropy in one pass over the logits (B rows x C classes).
// Returns the SUM over rows of -log softmax(logits[r])[labels[r]] (accumulated in
// double, in row order). When grad.data is non-null (same shape as logits) it also
// writes grad = (softmax(logits) - onehot(labels)) * grad_scale; grad_scale = 1/B
// gives the gradient of the mean loss. A data-parallel trainer passes 1/B_total for
// each shard. A label outside [0, C) throws std::invalid_argument naming the row and
// the value. grad may alias logits.
double softmax_cross_entropy(Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels,
                             MatrixView grad, float grad_scale);

// Convenience: the mean loss, grad = (p - onehot) / B.
double softmax_cross_entropy_mean(Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels,
                                  MatrixView grad);

// Mean squared error: returns the SUM over all elements of (pred - target)^2, and when
// grad.data is non-null writes grad = 2 * (pred - target) * grad_scale
// (grad_scale = 1 / (rows * cols) for the mean).
double squared_error(Context& ctx, ConstMatrixView pred, ConstMatrixView target, MatrixView grad,
                     float grad_scale);

// ---- The registry entries behind the functions above (tests, benchmarks, CLI) --------

// One variant's implementation of the family; the arguments arrive validated.
struct LossKernels {
  double (*softmax_cross_entropy)(Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels,
                                  MatrixView grad, float grad_scale);
  double (*squared_error)(Context& ctx, ConstMatrixView pred, ConstMatrixView target, MatrixView grad,
                          float grad_scale);
};
using LossVariant = Variant<LossKernels>;

// The family, in registry order.
std::span<const LossVariant> loss_variants();

// The same operations run by a specific registry entry instead of the Context's
// choice: validated the same way; throws when this CPU lacks the variant's ISA.
double softmax_cross_entropy(const LossVariant& variant, Context& ctx, ConstMatrixView logits,
                             std::span<const std::int32_t> labels, MatrixView grad, float grad_scale);
double squared_error(const LossVariant& variant, Context& ctx, ConstMatrixView pred, ConstMatrixView target,
                     MatrixView grad, float grad_scale);

}  // namespace trenchcoat
