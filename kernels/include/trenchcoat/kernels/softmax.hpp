#pragma once
// Row-wise softmax and log-softmax over a batch (family "softmax"). Numerically
// stable (the row maximum is subtracted first). Awkward rows have defined results:
//   -inf entries get probability 0 (log-probability -inf);
//   a NaN anywhere in a row makes that whole row NaN, and only that row;
//   an all -inf row gives NaN (no distribution exists), without a crash;
//   +inf entries share the probability equally among themselves.
// y may be x (in place). Throws std::invalid_argument on shape mismatches.

#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat {

void softmax(Context& ctx, ConstMatrixView x, MatrixView y);
void log_softmax(Context& ctx, ConstMatrixView x, MatrixView y);

// ---- The registry entries behind the functions above (tests, benchmarks, CLI) --------

// One variant's implementation of the family; the arguments arrive validated.
struct SoftmaxKernels {
  void (*softmax)(Context& ctx, ConstMatrixView x, MatrixView y);
  void (*log_softmax)(Context& ctx, ConstMatrixView x, MatrixView y);
};
using SoftmaxVariant = Variant<SoftmaxKernels>;

// The family, in registry order.
std::span<const SoftmaxVariant> softmax_variants();

// The same operations run by a specific registry entry instead of the Context's
// choice: validated the same way; throws when this CPU lacks the variant's ISA.
void softmax(const SoftmaxVariant& variant, Context& ctx, ConstMatrixView x, MatrixView y);
void log_softmax(const SoftmaxVariant& variant, Context& ctx, ConstMatrixView x, MatrixView y);

}  // namespace trenchcoat
