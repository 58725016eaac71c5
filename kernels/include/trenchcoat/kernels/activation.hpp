#pragma once
// Element-wise activations (forward and backward) and the bias row vector (add and
// its backward, the column sums). Family "eltwise" in the registry.
//
// Every function validates its arguments (sizes, null pointers, forbidden aliasing)
// and throws std::invalid_argument naming the offending value. x == y (in place) is
// allowed for the forward pass; dx may alias dy in the backward pass.

#include <cstdint>
#include <span>
#include <string_view>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat {

enum class Activation : std::uint8_t { identity, relu, leaky_relu, sigmoid, tanh, gelu, softplus };

inline constexpr Activation kAllActivations[] = {Activation::identity, Activation::relu,
                                                 Activation::leaky_relu, Activation::sigmoid,
                                                 Activation::tanh, Activation::gelu,
                                                 Activation::softplus};

struct ActivationParams {
  Activation kind = Activation::identity;
  float slope = 0.01f;  // leaky_relu: f(x) = x for x > 0, slope * x otherwise
};

std::string_view activation_name(Activation a) noexcept;   // "relu", "leaky_relu", "gelu", ...
Activation parse_activation(std::string_view name);        // throws std::invalid_argument

// What the backward pass reads besides dy: the pre-activation x or the output y.
enum class BackwardInput : std::uint8_t { none, input, output };
BackwardInput backward_input(Activation a) noexcept;

// y[i] = f(x[i]) for i < x.size(); y.size() must equal x.size().
void activation_forward(Context& ctx, ActivationParams act, std::span<const float> x, std::span<float> y);

// dx[i] = dy[i] * f'(x[i]); `x` is the pre-activation, `y` the forward output. Only
// the one named by backward_input(act.kind) is read; the other may be empty.
void activation_backward(Context& ctx, ActivationParams act, std::span<const float> x, std::span<const float> y,
                         std::span<const float> dy, std::span<float> dx);

// y[r, c] += bias[c]; bias.size() must equal y.cols.
void bias_add(Context& ctx, MatrixView y, std::span<const float> bias);

// db[c] = sum over r of dy[r, c], summed in a fixed order (independent of threads).
void bias_backward(Context& ctx, ConstMatrixView dy, std::span<float> db);

// ---- The registry entries behind the functions above (tests, benchmarks, CLI) --------

// One variant's implementation of every operation of the family; the arguments arrive
// validated (the public functions check them first).
struct EltwiseKernels {
  void (*forward)(Context& ctx, ActivationParams act, std::span<const float> x, std::span<float> y);
  void (*backward)(Context& ctx, ActivationParams act, std::span<const float> x, std::span<const float> y,
                   std::span<const float> dy, std::span<float> dx);
  void (*bias_add)(Context& ctx, MatrixView y, std::span<const float> bias);
  void (*bias_backward)(Context& ctx, ConstMatrixView dy, std::span<float> db);
};
using EltwiseVariant = Variant<EltwiseKernels>;

// The family, in registry order.
std::span<const EltwiseVariant> eltwise_variants();

// The same operations run by a specific registry entry instead of the Context's
// choice: validated the same way; throws when this CPU lacks the variant's ISA.
void activation_forward(const EltwiseVariant& variant, Context& ctx, ActivationParams act,
                        std::span<const float> x, std::span<float> y);
void activation_backward(const EltwiseVariant& variant, Context& ctx, ActivationParams act,
                         std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                         std::span<float> dx);
void bias_add(const EltwiseVariant& variant, Context& ctx, MatrixView y, std::span<const float> bias);
void bias_backward(const EltwiseVariant& variant, Context& ctx, ConstMatrixView dy, std::span<float> db);

}  // namespace trenchcoat
