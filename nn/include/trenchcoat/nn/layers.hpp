#pragma once
// What a network is made of: a list of layers (Dense, or an element-wise activation)
// on top of an input width, and an output head that turns the last layer's output
// into a loss. A ModelSpec describes the architecture only — no parameters — so it
// can be parsed, printed, compared and stored in a checkpoint.
//
//   ModelSpec spec = parse_model_spec("784-128-10", "relu");
//   // == inputs 784, layers {Dense(128), relu, Dense(10)}, head softmax_cross_entropy
//
// Built by hand, anything goes: several activations, Dense after Dense (linear),
// an activation on the output (the head then sees its result).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trenchcoat/kernels/activation.hpp"

namespace trenchcoat::nn {

enum class LayerKind : std::uint8_t { dense, activation };

// How a Dense layer's weights are drawn (biases start at zero).
enum class Init : std::uint8_t {
  he_normal,       // N(0, 2 / fan_in): keeps the variance through ReLU-like units
  xavier_uniform,  // U(-a, a), a = sqrt(6 / (fan_in + fan_out)): for tanh, sigmoid, identity
};

// The loss on top of the last layer.
enum class Head : std::uint8_t {
  softmax_cross_entropy,  // classification: int32 labels; loss = mean over rows
  mse,                    // regression: float targets; loss = mean over all elements
};

struct LayerSpec {
  LayerKind kind = LayerKind::dense;
  std::int64_t units = 0;          // dense: output features
  Init init = Init::he_normal;     // dense
  ActivationParams activation{};   // activation layers

  static LayerSpec dense(std::int64_t units, Init init = Init::he_normal) {
    return LayerSpec{LayerKind::dense, units, init, {}};
  }
  static LayerSpec act(Activation kind, float slope = 0.01f) {
    return LayerSpec{LayerKind::activation, 0, Init::he_normal, ActivationParams{kind, slope}};
  }
  friend bool operator==(const LayerSpec& a, const LayerSpec& b) noexcept;
};

// Limits that keep a typo from asking for terabytes: a layer's width and the whole
// model's parameter count.
inline constexpr std::int64_t kMaxUnits = std::int64_t{1} << 24;
inline constexpr std::int64_t kMaxParameters = std::int64_t{1} << 31;
inline constexpr std::size_t kMaxLayers = 4096;

struct ModelSpec {
  std::int64_t inputs = 0;
  std::vector<LayerSpec> layers;
  Head head = Head::softmax_cross_entropy;

  // Width of layer i's output (i < layers.size()); width(-1) is the input width.
  std::int64_t width_after(std::ptrdiff_t layer) const;
  std::int64_t outputs() const { return width_after(static_cast<std::ptrdiff_t>(layers.size()) - 1); }
  // Throws std::invalid_argument saying what is wrong: no layers, no Dense layer,
  // a width out of range, a slope that is not finite, too many parameters, ...
  void validate() const;
  // "784-128-10 relu softmax_cross_entropy" for a spec parse_model_spec could have
  // made; otherwise every layer spelled out ("784 dense:128 tanh dense:10 mse").
  std::string describe() const;
  friend bool operator==(const ModelSpec& a, const ModelSpec& b) noexcept;
};

// "784-128-10" (input, hidden..., output widths) with `activation` after every
// hidden Dense layer; each Dense layer is initialised to suit that activation
// (default_init). Throws std::invalid_argument naming the bad part of the spec.
ModelSpec parse_model_spec(std::string_view layers, std::string_view activation = "relu",
                           Head head = Head::softmax_cross_entropy);

// He for the ReLU family (relu, leaky_relu, gelu, softplus), Xavier otherwise.
Init default_init(Activation hidden) noexcept;

std::string_view head_name(Head h) noexcept;   // "softmax_cross_entropy", "mse"
Head parse_head(std::string_view name);        // throws std::invalid_argument
std::string_view init_name(Init i) noexcept;   // "he_normal", "xavier_uniform"
Init parse_init(std::string_view name);        // throws std::invalid_argument

}  // namespace trenchcoat::nn
