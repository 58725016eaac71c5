#pragma once
// The softmax kernels, written once and instantiated per ISA by softmax_<isa>.cpp.

#include <cstdint>

#include "softmax/softmax_kernel_set.hpp"
#include "softmax/softmax_rows.hpp"

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

template <class V, bool Log>
void softmax_rows(const float* x, std::int64_t x_stride, float* y, std::int64_t y_stride, std::int64_t rows,
                  std::int64_t cols) {
  if constexpr (V::width > 1) {
    if (SoftmaxRow<V>::fits_one_vector(cols)) {
      SoftmaxRow<V>::softmax_narrow(x, x_stride, y, y_stride, rows, cols, Log);
      return;
    }
  }
  const std::int64_t ahead = SoftmaxRow<V>::prefetch_rows(cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const bool more = r + ahead < rows;
    const float* next = more ? x + (r + ahead) * x_stride : nullptr;
    float* next_out = more ? y + (r + ahead) * y_stride : nullptr;
    if constexpr (Log) SoftmaxRow<V>::log_softmax(x + r * x_stride, y + r * y_stride, cols, next, next_out);
    else SoftmaxRow<V>::softmax(x + r * x_stride, y + r * y_stride, cols, next, next_out);
  }
}

template <class V>
constexpr SoftmaxKernelSet make_softmax_kernel_set() {
  return SoftmaxKernelSet{&softmax_rows<V, false>, &softmax_rows<V, true>};
}

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
