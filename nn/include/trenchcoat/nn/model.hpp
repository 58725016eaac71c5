#pragma once
// A model: its architecture (ModelSpec), where its parameters sit (ParameterLayout)
// and the parameters themselves, all in one contiguous buffer.
//
//   Model model(parse_model_spec("784-128-10", "relu"), /*seed=*/42);
//   ConstDenseParams first = model.dense(0);   // W: 784 x 128, b: 128
//
// Initialisation draws every Dense layer's weights, layer by layer, from one
// seeded stream (random.hpp), so the initial model depends on the seed alone.

#include <cstdint>
#include <span>

#include "trenchcoat/nn/float_buffer.hpp"
#include "trenchcoat/nn/layers.hpp"
#include "trenchcoat/nn/parameter_layout.hpp"

namespace trenchcoat::nn {

class Model {
 public:
  // Validates `spec` (std::invalid_argument) and initialises from `seed`.
  Model(ModelSpec spec, std::uint64_t seed);

  const ModelSpec& spec() const noexcept { return spec_; }
  const ParameterLayout& layout() const noexcept { return layout_; }
  std::int64_t inputs() const noexcept { return spec_.inputs; }
  std::int64_t outputs() const noexcept { return spec_.outputs(); }

  // The whole buffer (layout().buffer_size() floats, padding included).
  std::span<float> parameters() noexcept { return params_.span(); }
  std::span<const float> parameters() const noexcept { return params_.span(); }

  // The d-th Dense layer's weights and bias (d < layout().dense().size()).
  DenseParams dense(std::size_t d) { return layout_.view(params_.span(), d); }
  ConstDenseParams dense(std::size_t d) const { return layout_.view(params_.span(), d); }

  // Redraws every parameter from `seed` (He / Xavier weights, zero biases).
  void initialize(std::uint64_t seed);

 private:
  ModelSpec spec_;
  ParameterLayout layout_;
  FloatBuffer params_;
};

}  // namespace trenchcoat::nn
