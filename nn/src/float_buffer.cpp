#include "trenchcoat/nn/float_buffer.hpp"

#include <algorithm>
#include <new>
#include <utility>

namespace trenchcoat::nn {

void FloatBuffer::Free::operator()(float* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }

FloatBuffer::FloatBuffer(std::size_t size) : size_(size) {
  if (size == 0) return;
  data_.reset(static_cast<float*>(::operator new[](size * sizeof(float), std::align_val_t{64})));
  std::fill_n(data_.get(), size, 0.0f);
}

FloatBuffer::FloatBuffer(const FloatBuffer& other) : FloatBuffer(other.size_) {
  std::copy_n(other.data(), size_, data());
}

FloatBuffer& FloatBuffer::operator=(const FloatBuffer& other) {
  if (this != &other) {
    FloatBuffer copy(other);
    *this = std::move(copy);
  }
  return *this;
}

}  // namespace trenchcoat::nn
