#pragma once
// Non-owning views of row-major float matrices: `stride` is the distance in floats
// between the starts of consecutive rows (>= cols), so sub-matrices are views too.

#include <cstdint>

namespace trenchcoat {

struct MatrixView {
  float* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t stride = 0;

  float* row(std::int64_t r) const noexcept { return data + r * stride; }
  bool empty() const noexcept { return rows == 0 || cols == 0; }
};

struct ConstMatrixView {
  const float* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t stride = 0;

  ConstMatrixView() = default;
  ConstMatrixView(const float* d, std::int64_t r, std::int64_t c, std::int64_t s) noexcept
      : data(d), rows(r), cols(c), stride(s) {}
  ConstMatrixView(const MatrixView& m) noexcept  // NOLINT(google-explicit-constructor): views convert like pointers
      : data(m.data), rows(m.rows), cols(m.cols), stride(m.stride) {}

  const float* row(std::int64_t r) const noexcept { return data + r * stride; }
  bool empty() const noexcept { return rows == 0 || cols == 0; }
};

// A dense rows x cols view (stride == cols).
inline MatrixView dense(float* data, std::int64_t rows, std::int64_t cols) noexcept {
  return MatrixView{data, rows, cols, cols};
}
inline ConstMatrixView dense(const float* data, std::int64_t rows, std::int64_t cols) noexcept {
  return ConstMatrixView{data, rows, cols, cols};
}

}  // namespace trenchcoat
