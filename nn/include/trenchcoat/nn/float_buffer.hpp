#pragma once
// An owning, zero-initialised, 64-byte-aligned array of floats: parameters,
// gradients, optimizer state and activations all live in these, so every row and
// tensor that starts on a cache line stays on one.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace trenchcoat::nn {

class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(std::size_t size);  // zero-filled
  FloatBuffer(const FloatBuffer& other);
  FloatBuffer& operator=(const FloatBuffer& other);
  FloatBuffer(FloatBuffer&&) noexcept = default;
  FloatBuffer& operator=(FloatBuffer&&) noexcept = default;
  ~FloatBuffer() = default;

  float* data() noexcept { return data_.get(); }
  const float* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  std::span<float> span() noexcept { return {data_.get(), size_}; }
  std::span<const float> span() const noexcept { return {data_.get(), size_}; }
  float& operator[](std::size_t i) noexcept { return data_[i]; }
  float operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  struct Free {
    void operator()(float* p) const noexcept;
  };
  std::unique_ptr<float[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace trenchcoat::nn
