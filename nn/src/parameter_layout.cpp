#include "trenchcoat/nn/parameter_layout.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>


namespace trenchcoat::nn {
namespace {

constexpr std::int64_t kAlignFloats = 16;  // 64 bytes

std::int64_t align_up(std::int64_t n) { return (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

void require_size(std::size_t got, std::int64_t want, const char* what) {
  if (static_cast<std::int64_t>(got) != want) {
    throw std::invalid_argument(std::string(what) + " holds " + std::to_string(got) + " floats; the layout needs " +
                                std::to_string(want));
  }
}

}  // namespace

ParameterLayout::ParameterLayout(const ModelSpec& spec) {
  std::int64_t width = spec.inputs;
  std::int64_t offset = 0;
  by_layer_.assign(spec.layers.size(), -1);
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    if (l.kind != LayerKind::dense) continue;
    DenseSlot s;
    s.layer = i;
    s.in = width;
    s.out = l.units;
    s.weight_offset = offset;
    offset = align_up(offset + s.in * s.out);
    s.bias_offset = offset;
    offset = align_up(offset + s.out);
    count_ += s.in * s.out + s.out;
    by_layer_[i] = static_cast<std::ptrdiff_t>(slots_.size());
    slots_.push_back(s);
    width = l.units;
  }
  buffer_size_ = offset;
}

std::ptrdiff_t ParameterLayout::dense_index(std::size_t layer) const noexcept {
  return layer < by_layer_.size() ? by_layer_[layer] : -1;
}

DenseParams ParameterLayout::view(std::span<float> buffer, std::size_t dense_index) const {
  const DenseSlot& s = slots_.at(dense_index);
  require_size(buffer.size(), buffer_size_, "parameter buffer");
  return DenseParams{MatrixView{buffer.data() + s.weight_offset, s.in, s.out, s.out},
                     buffer.subspan(static_cast<std::size_t>(s.bias_offset), static_cast<std::size_t>(s.out))};
}

ConstDenseParams ParameterLayout::view(std::span<const float> buffer, std::size_t dense_index) const {
  const DenseSlot& s = slots_.at(dense_index);
  require_size(buffer.size(), buffer_size_, "parameter buffer");
  return ConstDenseParams{ConstMatrixView{buffer.data() + s.weight_offset, s.in, s.out, s.out},
                          buffer.subspan(static_cast<std::size_t>(s.bias_offset), static_cast<std::size_t>(s.out))};
}

void ParameterLayout::pack(std::span<const float> buffer, std::span<float> packed) const {
  require_size(buffer.size(), buffer_size_, "parameter buffer");
  require_size(packed.size(), count_, "packed parameter array");
  float* dst = packed.data();
  for (const DenseSlot& s : slots_) {
    dst = std::copy_n(buffer.data() + s.weight_offset, s.in * s.out, dst);
    dst = std::copy_n(buffer.data() + s.bias_offset, s.out, dst);
  }
}

void ParameterLayout::unpack(std::span<const float> packed, std::span<float> buffer) const {
  require_size(buffer.size(), buffer_size_, "parameter buffer");
  require_size(packed.size(), count_, "packed parameter array");
  std::fill(buffer.begin(), buffer.end(), 0.0f);
  const float* src = packed.data();
  for (const DenseSlot& s : slots_) {
    std::copy_n(src, s.in * s.out, buffer.data() + s.weight_offset);
    src += s.in * s.out;
    std::copy_n(src, s.out, buffer.data() + s.bias_offset);
    src += s.out;
  }
}

}  // namespace trenchcoat::nn
