#pragma once
// The element-wise kernels, written once and instantiated per ISA by the tiny
// eltwise_<isa>.cpp files (each compiled with its own -march). `V` is a vector policy
// from vec_ops.hpp. Every name lives in detail::TRENCHCOAT_KERNEL_NS, which each ISA
// translation unit sets to its own name (see gemm_tiled.hpp for why).

#include <cstdint>

#include "eltwise/eltwise_kernel_set.hpp"
#include "common/vec_ops.hpp"

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

// ---- the activation functions on one vector ------------------------------------------

template <class V>
struct ActivationMath {
  using vec = typename V::vec;

  static vec one() noexcept { return V::broadcast(1.0f); }

  // 1 / (1 + e^-x): no cancellation anywhere, so the error is that of exp plus two
  // roundings. e^-x overflowing to +inf gives 0, as it should.
  static vec sigmoid(const vec& x) noexcept { return one() / (one() + V::exp(V::broadcast(0.0f) - x)); }

  // Below |x| = 0.4 the odd Taylor series up to x^13 (the x^15 term is below 4e-9 of
  // x there); above, (1 - e) / (1 + e) with e = e^-2|x| in (0, 0.45], where 1 - e no
  // longer cancels (its relative error stays near exp's).
  static vec tanh(const vec& x) noexcept {
    const vec a = V::abs(x);
    const vec x2 = x * x;
    vec p = V::broadcast(21844.0f / 6081075.0f);
    p = V::fma(p, x2, V::broadcast(-1382.0f / 155925.0f));
    p = V::fma(p, x2, V::broadcast(62.0f / 2835.0f));
    p = V::fma(p, x2, V::broadcast(-17.0f / 315.0f));
    p = V::fma(p, x2, V::broadcast(2.0f / 15.0f));
    p = V::fma(p, x2, V::broadcast(-1.0f / 3.0f));
    const vec small = V::fma(p * x2, x, x);
    const vec e = V::exp(V::broadcast(0.0f) - (a + a));
    const vec big = (one() - e) / (one() + e);
    const vec signed_big = V::select(x < V::broadcast(0.0f), V::broadcast(0.0f) - big, big);
    return V::select(a < V::broadcast(0.4f), small, signed_big);
  }

  // The tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), rewritten with
  // 0.5 (1 + tanh(u)) = sigmoid(2u): the textbook form cancels for negative x (at
  // x = -5 its absolute error would exceed 1e-7), this one does not.
  static constexpr float kGeluC1 = 1.5957691216057308f;    // 2 sqrt(2/pi)
  static constexpr float kGeluC1C2 = 0.0713548162726009f;  // 2 sqrt(2/pi) * 0.044715
  static vec gelu_arg(const vec& x) noexcept { return x * V::fma(V::broadcast(kGeluC1C2), x * x, V::broadcast(kGeluC1)); }
  static vec gelu(const vec& x) noexcept { return x / (one() + V::exp(V::broadcast(0.0f) - gelu_arg(x))); }
  // d/dx [x s(v)] = s + x s (1 - s) v', v' = c1 (1 + 3 c2 x^2). 1 - s is formed as
  // e * s where s >= 1/2 (no cancellation), and directly where s < 1/2 (exact enough,
  // and e may be +inf there).
  static vec gelu_grad(const vec& x) noexcept {
    const vec v = gelu_arg(x);
    const vec e = V::exp(V::broadcast(0.0f) - v);
    const vec s = one() / (one() + e);
    const vec one_minus_s = V::select(v < V::broadcast(0.0f), one() - s, e * s);
    const vec dv = V::fma(V::broadcast(3.0f * kGeluC1C2), x * x, V::broadcast(kGeluC1));
    return s * V::fma(x * one_minus_s, dv, one());
  }

  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), never overflowing and accurate for
  // very negative x, where the answer is e^x itself.
  static vec softplus(const vec& x) noexcept {
    const vec zero = V::broadcast(0.0f);
    return V::max(x, zero) + V::log1p_unit(V::exp(zero - V::abs(x)));
  }
};

// ---- loops ---------------------------------------------------------------------------

// out[i] = f(a[i]); out may be a. Four vectors per step for independent work.
template <class V, class F>
inline void map1(const float* a, float* out, std::int64_t n, F f) {
  constexpr std::int64_t W = V::width;
  std::int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const auto a0 = V::loadu(a + i), a1 = V::loadu(a + i + W);
    const auto a2 = V::loadu(a + i + 2 * W), a3 = V::loadu(a + i + 3 * W);
    V::storeu(out + i, f(a0));
    V::storeu(out + i + W, f(a1));
    V::storeu(out + i + 2 * W, f(a2));
    V::storeu(out + i + 3 * W, f(a3));
  }
  for (; i + W <= n; i += W) V::storeu(out + i, f(V::loadu(a + i)));
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    V::store_partial(out + i, rest, f(V::load_partial(a + i, rest, 0.0f)));
  }
}

// out[i] = f(a[i], b[i]); out may be a or b.
template <class V, class F>
inline void map2(const float* a, const float* b, float* out, std::int64_t n, F f) {
  constexpr std::int64_t W = V::width;
  std::int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const auto a0 = V::loadu(a + i), a1 = V::loadu(a + i + W);
    const auto a2 = V::loadu(a + i + 2 * W), a3 = V::loadu(a + i + 3 * W);
    const auto b0 = V::loadu(b + i), b1 = V::loadu(b + i + W);
    const auto b2 = V::loadu(b + i + 2 * W), b3 = V::loadu(b + i + 3 * W);
    V::storeu(out + i, f(a0, b0));
    V::storeu(out + i + W, f(a1, b1));
    V::storeu(out + i + 2 * W, f(a2, b2));
    V::storeu(out + i + 3 * W, f(a3, b3));
  }
  for (; i + W <= n; i += W) V::storeu(out + i, f(V::loadu(a + i), V::loadu(b + i)));
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    V::store_partial(out + i, rest, f(V::load_partial(a + i, rest, 0.0f), V::load_partial(b + i, rest, 0.0f)));
  }
}

// ---- the kernel set ------------------------------------------------------------------

template <class V>
void forward(ActivationParams act, const float* x, float* y, std::int64_t n) {
  using vec = typename V::vec;
  using M = ActivationMath<V>;
  const vec zero = V::broadcast(0.0f);
  switch (act.kind) {
    case Activation::identity:
      if (x != y) map1<V>(x, y, n, [](const vec& a) { return a; });
      return;
    case Activation::relu:
      // max(0, x) keeps a NaN x (the instruction returns its second operand then),
      // and x < 0 ? 0 : x in the scalar policy does the same.
      map1<V>(x, y, n, [&](const vec& a) { return V::max(zero, a); });
      return;
    case Activation::leaky_relu: {
      const vec slope = V::broadcast(act.slope);
      map1<V>(x, y, n, [&](const vec& a) { return V::select(a > zero, a, a * slope); });
      return;
    }
    case Activation::sigmoid: map1<V>(x, y, n, [](const vec& a) { return M::sigmoid(a); }); return;
    case Activation::tanh: map1<V>(x, y, n, [](const vec& a) { return M::tanh(a); }); return;
    case Activation::gelu: map1<V>(x, y, n, [](const vec& a) { return M::gelu(a); }); return;
    case Activation::softplus: map1<V>(x, y, n, [](const vec& a) { return M::softplus(a); }); return;
  }
}

template <class V>
void backward(ActivationParams act, const float* in, const float* dy, float* dx, std::int64_t n) {
  using vec = typename V::vec;
  using M = ActivationMath<V>;
  const vec zero = V::broadcast(0.0f), one = V::broadcast(1.0f);
  switch (act.kind) {
    case Activation::identity:
      if (dy != dx) map1<V>(dy, dx, n, [](const vec& g) { return g; });
      return;
    case Activation::relu:  // from the output: y > 0 exactly where x > 0
      map2<V>(in, dy, dx, n, [&](const vec& y, const vec& g) { return V::select(y > zero, g, zero); });
      return;
    case Activation::leaky_relu: {  // from the input (a negative slope makes y ambiguous)
      const vec slope = V::broadcast(act.slope);
      map2<V>(in, dy, dx, n, [&](const vec& x, const vec& g) { return V::select(x > zero, g, g * slope); });
      return;
    }
    case Activation::sigmoid:  // y (1 - y): 1 - y is exact for y >= 1/2, accurate below
      map2<V>(in, dy, dx, n, [&](const vec& y, const vec& g) { return g * (y * (one - y)); });
      return;
    case Activation::tanh:  // 1 - y^2 as (1 - y)(1 + y): no cancellation as |y| -> 1
      map2<V>(in, dy, dx, n, [&](const vec& y, const vec& g) { return g * ((one - y) * (one + y)); });
      return;
    case Activation::gelu:
      map2<V>(in, dy, dx, n, [](const vec& x, const vec& g) { return g * M::gelu_grad(x); });
      return;
    case Activation::softplus:  // the derivative is the logistic sigmoid of the input
      map2<V>(in, dy, dx, n, [](const vec& x, const vec& g) { return g * M::sigmoid(x); });
      return;
  }
}

// Dense rows narrower than two vectors: row by row, each row's masked tail store
// overlaps the vector the next row's load reads, and the CPU stalls on the store
// forwarding (measured: 128x10 took 3.5x as long as 128 rows of 10 in a stride of 16).
// Such a matrix is one flat array instead, with the bias repeating every `cols`
// elements: the pattern of lcm(cols, W) elements is built once. Same additions, so
// the same bits as the row-by-row path.
template <class V>
bool bias_add_flat(float* y, std::int64_t stride, std::int64_t rows, std::int64_t cols, const float* bias) {
  constexpr std::int64_t W = V::width;
  constexpr int kMaxPatternVectors = 32;
  if (W == 1 || stride != cols || rows < 2 || cols >= 2 * W) return false;
  std::int64_t period = cols;
  while (period % W != 0) period += cols;  // lcm(cols, W)
  const auto vectors = static_cast<int>(period / W);
  if (vectors > kMaxPatternVectors) return false;
  alignas(64) float pattern[kMaxPatternVectors * W];
  for (std::int64_t i = 0; i < period; ++i) pattern[i] = bias[i % cols];
  const std::int64_t n = rows * cols;
  std::int64_t i = 0;
  int k = 0;
  for (; i + W <= n; i += W) {
    V::storeu(y + i, V::loadu(y + i) + V::loadu(pattern + k * W));
    if (++k == vectors) k = 0;
  }
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    V::store_partial(y + i, rest, V::load_partial(y + i, rest, 0.0f) + V::loadu(pattern + k * W));
  }
  return true;
}

template <class V>
void bias_add(float* y, std::int64_t stride, std::int64_t rows, std::int64_t cols, const float* bias) {
  using vec = typename V::vec;
  if (bias_add_flat<V>(y, stride, rows, cols, bias)) return;
  for (std::int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * stride;
    map2<V>(yr, bias, yr, cols, [](const vec& a, const vec& b) { return a + b; });
  }
}

// Column sums, each column added in row order starting from +0 (as the reference
// does). Narrow matrices keep the sums in registers; wider ones stream row by row
// with the running sums in `out` (L1-resident), which walks memory in order for the
// prefetchers. Both paths perform the same additions in the same order.
template <class V>
void column_sums(const float* dy, std::int64_t stride, std::int64_t rows, std::int64_t cols, float* out) {
  using vec = typename V::vec;
  constexpr std::int64_t W = V::width;
  constexpr int kRegs = 4;
  const vec zero = V::broadcast(0.0f);
  if (cols <= kRegs * W) {
    vec acc[kRegs];
    for (vec& a : acc) a = zero;
    const int full = static_cast<int>(cols / W), rest = static_cast<int>(cols % W);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = dy + r * stride;
      for (int k = 0; k < full; ++k) acc[k] = acc[k] + V::loadu(row + k * W);
      if (rest != 0) acc[full] = acc[full] + V::load_partial(row + full * W, rest, 0.0f);
    }
    for (int k = 0; k < full; ++k) V::storeu(out + k * W, acc[k]);
    if (rest != 0) V::store_partial(out + full * W, rest, acc[full]);
    return;
  }
  map1<V>(out, out, cols, [&](const vec&) { return zero; });
  // Four rows per sweep: out[c] = (((out[c] + a[c]) + b[c]) + c[c]) + d[c], the same
  // additions in the same order as one row at a time, with a quarter of the loads and
  // stores of `out`. Row by row, each store to out[c] sat in the store buffer when
  // the next row's load of column c came, 4 KiB further on for 1024 columns: the
  // 4K-aliasing check then stalls the load (measured 57% of stream bandwidth).
  std::int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float* a = dy + r * stride;
    const float* b = a + stride;
    const float* c = b + stride;
    const float* d = c + stride;
    std::int64_t j = 0;
    for (; j + W <= cols; j += W) {
      V::storeu(out + j, (((V::loadu(out + j) + V::loadu(a + j)) + V::loadu(b + j)) + V::loadu(c + j)) +
                             V::loadu(d + j));
    }
    if (j < cols) {
      const int rest = static_cast<int>(cols - j);
      auto part = [&](const float* p) { return V::load_partial(p + j, rest, 0.0f); };
      V::store_partial(out + j, rest, (((part(out) + part(a)) + part(b)) + part(c)) + part(d));
    }
  }
  for (; r < rows; ++r) {
    map2<V>(out, dy + r * stride, out, cols, [](const vec& s, const vec& x) { return s + x; });
  }
}

template <class V>
constexpr EltwiseKernelSet make_eltwise_kernel_set() {
  return EltwiseKernelSet{&forward<V>, &backward<V>, &bias_add<V>, &column_sums<V>};
}

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
