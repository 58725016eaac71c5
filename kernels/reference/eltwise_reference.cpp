// The element-wise oracle: each element in double precision by the textbook formula
// (GELU in its tanh form as written in the paper), rounded once to float.

#include <cmath>
#include <vector>

#include "reference.hpp"

namespace trenchcoat::reference {
namespace {

constexpr double kGeluK = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluC = 0.044715;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double forward_one(ActivationParams act, double x) {
  switch (act.kind) {
    case Activation::identity: return x;
    case Activation::relu: return x < 0.0 ? 0.0 : x;  // keeps NaN and -0, like max(0, x)
    case Activation::leaky_relu: return x > 0.0 ? x : static_cast<double>(act.slope) * x;
    case Activation::sigmoid: return sigmoid(x);
    case Activation::tanh: return std::tanh(x);
    case Activation::gelu: return 0.5 * x * (1.0 + std::tanh(kGeluK * (x + kGeluC * x * x * x)));
    case Activation::softplus: return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  return x;
}

// f' in terms of what backward_input() names: x for leaky_relu, gelu, softplus; y for
// relu, sigmoid, tanh.
double derivative(ActivationParams act, double x, double y) {
  switch (act.kind) {
    case Activation::identity: return 1.0;
    case Activation::relu: return y > 0.0 ? 1.0 : 0.0;
    case Activation::leaky_relu: return x > 0.0 ? 1.0 : static_cast<double>(act.slope);
    case Activation::sigmoid: return y * (1.0 - y);
    case Activation::tanh: return 1.0 - y * y;
    case Activation::gelu: {
      const double t = std::tanh(kGeluK * (x + kGeluC * x * x * x));
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kGeluK * (1.0 + 3.0 * kGeluC * x * x);
    }
    case Activation::softplus: return sigmoid(x);
  }
  return 1.0;
}

}  // namespace

void activation_forward(Context& /*ctx*/, ActivationParams act, std::span<const float> x, std::span<float> y) {
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(forward_one(act, x[i]));
}

void activation_backward(Context& /*ctx*/, ActivationParams act, std::span<const float> x, std::span<const float> y,
                         std::span<const float> dy, std::span<float> dx) {
  const BackwardInput which = backward_input(act.kind);
  for (std::size_t i = 0; i < dy.size(); ++i) {
    const double xi = which == BackwardInput::input ? x[i] : 0.0;
    const double yi = which == BackwardInput::output ? y[i] : 0.0;
    const double g = dy[i];
    // ReLU-like derivatives select instead of multiplying, so 0 * inf never appears.
    if (act.kind == Activation::relu) {
      dx[i] = yi > 0.0 ? dy[i] : 0.0f;
    } else if (act.kind == Activation::identity) {
      dx[i] = dy[i];
    } else {
      dx[i] = static_cast<float>(g * derivative(act, xi, yi));
    }
  }
}

void bias_add(Context& /*ctx*/, MatrixView y, std::span<const float> bias) {
  for (std::int64_t r = 0; r < y.rows; ++r) {
    for (std::int64_t c = 0; c < y.cols; ++c) {
      y.row(r)[c] = static_cast<float>(static_cast<double>(y.row(r)[c]) + bias[static_cast<std::size_t>(c)]);
    }
  }
}

void bias_backward(Context& /*ctx*/, ConstMatrixView dy, std::span<float> db) {
  std::vector<double> sum(static_cast<std::size_t>(dy.cols), 0.0);
  for (std::int64_t r = 0; r < dy.rows; ++r) {
    for (std::int64_t c = 0; c < dy.cols; ++c) sum[static_cast<std::size_t>(c)] += dy.row(r)[c];
  }
  for (std::size_t c = 0; c < sum.size(); ++c) db[c] = static_cast<float>(sum[c]);
}

}  // namespace trenchcoat::reference
