// Element-wise front end: names, validation, then the selected variant.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/arg_checks.hpp"
#include "trenchcoat/kernels/activation.hpp"

namespace trenchcoat {
namespace {

using detail::check_disjoint;
using detail::check_span;
using detail::Extent;
using detail::invalid_argument;

std::string count(std::size_t n) { return std::to_string(n); }

void check_activation(std::string_view op, ActivationParams act) {
  const auto kind = static_cast<unsigned>(act.kind);
  if (kind >= std::size(kAllActivations)) invalid_argument(op, "unknown activation kind " + std::to_string(kind));
  if (act.kind == Activation::leaky_relu && !std::isfinite(act.slope)) {
    invalid_argument(op, "leaky_relu slope must be finite, not " + std::to_string(act.slope));
  }
}

void validate_forward(ActivationParams act, std::span<const float> x, std::span<float> y) {
  constexpr std::string_view op = "activation_forward";
  check_activation(op, act);
  if (y.size() != x.size()) {
    invalid_argument(op, "y has " + count(y.size()) + " elements but x has " + count(x.size()));
  }
  const Extent ex = check_span(op, "x", x), ey = check_span(op, "y", y);
  if (x.data() != y.data()) check_disjoint(op, "y", ey, "x", ex, " (only y == x, in place, is allowed)");
}

void validate_backward(ActivationParams act, std::span<const float> x, std::span<const float> y,
                       std::span<const float> dy, std::span<float> dx) {
  constexpr std::string_view op = "activation_backward";
  check_activation(op, act);
  const std::size_t n = dy.size();
  if (dx.size() != n) invalid_argument(op, "dx has " + count(dx.size()) + " elements but dy has " + count(n));
  const BackwardInput which = backward_input(act.kind);
  const std::string kind(activation_name(act.kind));
  // The operand the derivative reads must match dy; the other may be left empty.
  auto check_input = [&](std::span<const float> s, BackwardInput role, const char* name) {
    if (which == role && s.size() != n) {
      invalid_argument(op, std::string(name) + " has " + count(s.size()) + " elements but dy has " + count(n) +
                               " (the " + kind + " derivative reads " + name + ")");
    }
    if (which != role && !s.empty() && s.size() != n) {
      invalid_argument(op, std::string(name) + " has " + count(s.size()) + " elements but dy has " + count(n) +
                               " (" + name + " is unused by " + kind + ": pass it empty or full size)");
    }
  };
  check_input(x, BackwardInput::input, "x");
  check_input(y, BackwardInput::output, "y");
  const Extent edy = check_span(op, "dy", dy), edx = check_span(op, "dx", dx);
  if (dx.data() != dy.data()) check_disjoint(op, "dx", edx, "dy", edy, " (only dx == dy, in place, is allowed)");
  if (which == BackwardInput::input) check_disjoint(op, "dx", edx, "x", check_span(op, "x", x));
  if (which == BackwardInput::output) check_disjoint(op, "dx", edx, "y", check_span(op, "y", y));
}

void validate_bias_add(MatrixView y, std::span<const float> bias) {
  constexpr std::string_view op = "bias_add";
  const Extent ey = detail::check_matrix(op, "y", y);
  if (static_cast<std::int64_t>(bias.size()) != y.cols) {
    invalid_argument(op, "bias has " + count(bias.size()) + " elements but y has " + std::to_string(y.cols) +
                             " columns");
  }
  check_disjoint(op, "y", ey, "bias", check_span(op, "bias", bias));
}

void validate_bias_backward(ConstMatrixView dy, std::span<float> db) {
  constexpr std::string_view op = "bias_backward";
  const Extent edy = detail::check_matrix(op, "dy", dy);
  if (static_cast<std::int64_t>(db.size()) != dy.cols) {
    invalid_argument(op, "db has " + count(db.size()) + " elements but dy has " + std::to_string(dy.cols) +
                             " columns");
  }
  check_disjoint(op, "db", check_span(op, "db", db), "dy", edy);
}

const EltwiseVariant& selected(const Context& ctx) {
  return eltwise_variants()[ctx.variant_index(KernelFamily::eltwise)];
}

}  // namespace

std::string_view activation_name(Activation a) noexcept {
  switch (a) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::leaky_relu: return "leaky_relu";
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::gelu: return "gelu";
    case Activation::softplus: return "softplus";
  }
  return "unknown";
}

Activation parse_activation(std::string_view name) {
  std::string names;
  for (Activation a : kAllActivations) {
    if (activation_name(a) == name) return a;
    names += (names.empty() ? "" : ", ") + std::string(activation_name(a));
  }
  throw std::invalid_argument("unknown activation '" + std::string(name) + "' (expected one of " + names + ")");
}

// Whatever lets the forward pass run in place is preferred: ReLU, sigmoid and tanh
// recover their derivative from the output. Leaky ReLU cannot (a negative slope maps
// both signs to positive outputs), nor can GELU or softplus cheaply.
BackwardInput backward_input(Activation a) noexcept {
  switch (a) {
    case Activation::identity: return BackwardInput::none;
    case Activation::relu:
    case Activation::sigmoid:
    case Activation::tanh: return BackwardInput::output;
    case Activation::leaky_relu:
    case Activation::gelu:
    case Activation::softplus: return BackwardInput::input;
  }
  return BackwardInput::none;
}

void activation_forward(Context& ctx, ActivationParams act, std::span<const float> x, std::span<float> y) {
  validate_forward(act, x, y);
  selected(ctx).fn.forward(ctx, act, x, y);
}

void activation_forward(const EltwiseVariant& variant, Context& ctx, ActivationParams act,
                        std::span<const float> x, std::span<float> y) {
  validate_forward(act, x, y);
  require_cpu_supports(variant.info.isa);
  variant.fn.forward(ctx, act, x, y);
}

void activation_backward(Context& ctx, ActivationParams act, std::span<const float> x, std::span<const float> y,
                         std::span<const float> dy, std::span<float> dx) {
  validate_backward(act, x, y, dy, dx);
  selected(ctx).fn.backward(ctx, act, x, y, dy, dx);
}

void activation_backward(const EltwiseVariant& variant, Context& ctx, ActivationParams act,
                         std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                         std::span<float> dx) {
  validate_backward(act, x, y, dy, dx);
  require_cpu_supports(variant.info.isa);
  variant.fn.backward(ctx, act, x, y, dy, dx);
}

void bias_add(Context& ctx, MatrixView y, std::span<const float> bias) {
  validate_bias_add(y, bias);
  selected(ctx).fn.bias_add(ctx, y, bias);
}

void bias_add(const EltwiseVariant& variant, Context& ctx, MatrixView y, std::span<const float> bias) {
  validate_bias_add(y, bias);
  require_cpu_supports(variant.info.isa);
  variant.fn.bias_add(ctx, y, bias);
}

void bias_backward(Context& ctx, ConstMatrixView dy, std::span<float> db) {
  validate_bias_backward(dy, db);
  selected(ctx).fn.bias_backward(ctx, dy, db);
}

void bias_backward(const EltwiseVariant& variant, Context& ctx, ConstMatrixView dy, std::span<float> db) {
  validate_bias_backward(dy, db);
  require_cpu_supports(variant.info.isa);
  variant.fn.bias_backward(ctx, dy, db);
}

}  // namespace trenchcoat
