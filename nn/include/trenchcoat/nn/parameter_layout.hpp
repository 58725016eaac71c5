#pragma once
// Where each Dense layer's weights and bias sit inside the model's single parameter
// buffer. Gradients and every optimizer state buffer use the same layout, so an
// update, a reduction or a checksum is one sweep over one array.
//
// Dense layer d with `in` inputs and `out` outputs stores W as an in x out row-major
// matrix (forward: Y = X W + b, so the batch is the GEMM's m dimension) followed by
// b (out floats). Every tensor starts on a 16-float (64-byte) boundary; the padding
// between tensors is zero and stays zero through any update.

#include <cstdint>
#include <span>
#include <vector>

#include "trenchcoat/kernels/matrix.hpp"
#include "trenchcoat/nn/layers.hpp"

namespace trenchcoat::nn {

struct DenseSlot {
  std::size_t layer = 0;           // index into ModelSpec::layers
  std::int64_t in = 0, out = 0;    // W is in x out
  std::int64_t weight_offset = 0;  // floats from the buffer start
  std::int64_t bias_offset = 0;
};

struct DenseParams {
  MatrixView weights;       // in x out
  std::span<float> bias;    // out
};
struct ConstDenseParams {
  ConstMatrixView weights;
  std::span<const float> bias;

  ConstDenseParams() = default;
  ConstDenseParams(ConstMatrixView w, std::span<const float> b) noexcept : weights(w), bias(b) {}
  ConstDenseParams(const DenseParams& p) noexcept  // NOLINT(google-explicit-constructor): like MatrixView
      : weights(p.weights), bias(p.bias) {}
};

class ParameterLayout {
 public:
  ParameterLayout() = default;
  explicit ParameterLayout(const ModelSpec& spec);  // spec must be valid

  std::span<const DenseSlot> dense() const noexcept { return slots_; }
  // Index into dense() of the Dense layer at ModelSpec::layers[layer], or -1.
  std::ptrdiff_t dense_index(std::size_t layer) const noexcept;
  // Floats in a buffer of this layout (with alignment padding).
  std::int64_t buffer_size() const noexcept { return buffer_size_; }
  // Real parameters (without padding).
  std::int64_t parameter_count() const noexcept { return count_; }

  DenseParams view(std::span<float> buffer, std::size_t dense_index) const;
  ConstDenseParams view(std::span<const float> buffer, std::size_t dense_index) const;

  // Copies between a buffer of this layout and the packed tensor-by-tensor form
  // (W row-major then b, for each Dense layer in order) that checkpoints store.
  void pack(std::span<const float> buffer, std::span<float> packed) const;
  void unpack(std::span<const float> packed, std::span<float> buffer) const;

 private:
  std::vector<DenseSlot> slots_;
  std::vector<std::ptrdiff_t> by_layer_;
  std::int64_t buffer_size_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace trenchcoat::nn
