#include "common/arg_checks.hpp"

#include <stdexcept>

namespace trenchcoat::detail {

void invalid_argument(std::string_view op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

Extent check_matrix(std::string_view op, std::string_view name, const float* data, std::int64_t rows,
                    std::int64_t cols, std::int64_t stride) {
  const std::string n(name);
  if (rows < 0) invalid_argument(op, n + " has a negative row count (" + std::to_string(rows) + ")");
  if (cols < 0) invalid_argument(op, n + " has a negative column count (" + std::to_string(cols) + ")");
  if (stride < cols) {
    invalid_argument(op, n + " stride " + std::to_string(stride) + " is smaller than its " + std::to_string(cols) +
                             " columns");
  }
  if (rows == 0 || cols == 0) return {};
  if (data == nullptr) {
    invalid_argument(op, n + " is null but holds " + std::to_string(rows) + " x " + std::to_string(cols) +
                             " elements");
  }
  std::int64_t span = 0;
  if (__builtin_mul_overflow(rows - 1, stride, &span) || __builtin_add_overflow(span, cols, &span) ||
      span > static_cast<std::int64_t>(INTPTR_MAX / static_cast<std::int64_t>(sizeof(float)))) {
    invalid_argument(op, n + " is too large: " + std::to_string(rows) + " rows with stride " +
                             std::to_string(stride) + " overflow the address space");
  }
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  std::uintptr_t last = 0;
  if (__builtin_add_overflow(first, static_cast<std::uintptr_t>(span) * sizeof(float), &last)) {
    invalid_argument(op, n + " extends past the end of the address space");
  }
  return {first, last};
}

Extent check_span(std::string_view op, std::string_view name, const void* data, std::size_t size,
                  std::size_t element_size) {
  if (size == 0) return {};
  if (data == nullptr) {
    invalid_argument(op, std::string(name) + " is null but holds " + std::to_string(size) + " elements");
  }
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  std::uintptr_t last = 0;
  if (size > SIZE_MAX / element_size || __builtin_add_overflow(first, size * element_size, &last)) {
    invalid_argument(op, std::string(name) + " extends past the end of the address space");
  }
  return {first, last};
}

void check_same_shape(std::string_view op, std::string_view a_name, ConstMatrixView a, std::string_view b_name,
                      ConstMatrixView b) {
  if (a.rows != b.rows || a.cols != b.cols) {
    invalid_argument(op, std::string(b_name) + " is " + std::to_string(b.rows) + " x " + std::to_string(b.cols) +
                             " but " + std::string(a_name) + " is " + std::to_string(a.rows) + " x " +
                             std::to_string(a.cols));
  }
}

bool overlaps(const Extent& a, const Extent& b) noexcept {
  return !a.empty() && !b.empty() && a.first < b.last && b.first < a.last;
}

void check_disjoint(std::string_view op, std::string_view a_name, const Extent& a, std::string_view b_name,
                    const Extent& b, std::string_view note) {
  if (overlaps(a, b)) {
    invalid_argument(op, std::string(a_name) + " overlaps " + std::string(b_name) + " in memory" + std::string(note));
  }
}

}  // namespace trenchcoat::detail
