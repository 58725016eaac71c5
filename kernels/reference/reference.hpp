#pragma once
// Double-precision oracles, one per kernel family (see the family's variant list).

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat::reference {

void gemm(Context& ctx, const GemmProblem& p);

// Element-wise family: each element computed in double from the float inputs by the
// textbook formula, rounded once to float.
void activation_forward(Context& ctx, ActivationParams act, std::span<const float> x, std::span<float> y);
void activation_backward(Context& ctx, ActivationParams act, std::span<const float> x, std::span<const float> y,
                         std::span<const float> dy, std::span<float> dx);
void bias_add(Context& ctx, MatrixView y, std::span<const float> bias);
void bias_backward(Context& ctx, ConstMatrixView dy, std::span<float> db);

// Softmax family: max, exponentials and their sum in double.
void softmax(Context& ctx, ConstMatrixView x, MatrixView y);
void log_softmax(Context& ctx, ConstMatrixView x, MatrixView y);

// Loss family.
double softmax_cross_entropy(Context& ctx, ConstMatrixView logits, std::span<const std::int32_t> labels,
                             MatrixView grad, float grad_scale);
double squared_error(Context& ctx, ConstMatrixView pred, ConstMatrixView target, MatrixView grad,
                     float grad_scale);

}  // namespace trenchcoat::reference
