#pragma once
// Argument checks shared by the element-wise, softmax and loss front ends. Every
// failure throws std::invalid_argument("<op>: <what>, naming the value"), in every
// build type.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "trenchcoat/kernels/matrix.hpp"

namespace trenchcoat::detail {

[[noreturn]] void invalid_argument(std::string_view op, const std::string& what);

// Byte range [first, last) an operand touches; empty operands touch nothing.
struct Extent {
  std::uintptr_t first = 0, last = 0;
  bool empty() const noexcept { return first == last; }
};

// Checks rows, cols >= 0, stride >= cols, data non-null when there are elements, and
// that the view's address range does not overflow; returns that range.
Extent check_matrix(std::string_view op, std::string_view name, const float* data, std::int64_t rows,
                    std::int64_t cols, std::int64_t stride);
inline Extent check_matrix(std::string_view op, std::string_view name, ConstMatrixView m) {
  return check_matrix(op, name, m.data, m.rows, m.cols, m.stride);
}

// Checks that a span with elements has a non-null data pointer; returns its range.
Extent check_span(std::string_view op, std::string_view name, const void* data, std::size_t size,
                  std::size_t element_size);
template <class T>
Extent check_span(std::string_view op, std::string_view name, std::span<T> s) {
  return check_span(op, name, s.data(), s.size(), sizeof(T));
}

// "a has 3 rows x 4 columns but b has 3 x 5": shapes must match.
void check_same_shape(std::string_view op, std::string_view a_name, ConstMatrixView a, std::string_view b_name,
                      ConstMatrixView b);

bool overlaps(const Extent& a, const Extent& b) noexcept;

// Throws "<a> overlaps <b> in memory<note>" when the two ranges share a byte.
void check_disjoint(std::string_view op, std::string_view a_name, const Extent& a, std::string_view b_name,
                    const Extent& b, std::string_view note = {});

// Two views of the very same elements (same start, shape and stride): an allowed
// in-place call. Anything else that overlaps is rejected.
inline bool same_elements(ConstMatrixView a, ConstMatrixView b) noexcept {
  return a.data == b.data && a.rows == b.rows && a.cols == b.cols && (a.rows <= 1 || a.stride == b.stride);
}

}  // namespace trenchcoat::detail
