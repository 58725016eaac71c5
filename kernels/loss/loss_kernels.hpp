#pragma once
// The loss kernels, written once and instantiated per ISA by loss_<isa>.cpp. The
// cross-entropy reuses the softmax row sweeps (softmax/softmax_rows.hpp): max, then
// exp(x - m) written straight into the gradient while its double sum accumulates,
// then one scaling pass, so the logits are read from memory once.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

#include "loss/loss_kernel_set.hpp"
#include "softmax/softmax_rows.hpp"

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

template <class V>
struct XentRow {
  using vec = typename V::vec;
  using R = SoftmaxRow<V>;
  static constexpr int W = V::width;

  // The row's maximum is +inf: the +inf entries share the mass (see softmax.hpp).
  static double saturated(const float* x, std::int64_t n, std::int32_t label, float* g, float scale) {
    bool nan = false;
    std::int64_t k = 0;
    for (std::int64_t j = 0; j < n; ++j) {
      nan = nan || std::isnan(x[j]);
      k += x[j] == kInf ? 1 : 0;
    }
    const double nan_d = std::numeric_limits<double>::quiet_NaN();
    const double loss = nan ? nan_d : x[label] == kInf ? std::log(static_cast<double>(k)) : kInf;
    if (g != nullptr) {
      for (std::int64_t j = 0; j < n; ++j) {
        const double p = nan ? nan_d : x[j] == kInf ? 1.0 / static_cast<double>(k) : 0.0;
        g[j] = static_cast<float>((p - (j == label ? 1.0 : 0.0)) * scale);
      }
    }
    return loss;
  }

  // -log p[label] = log(s) - (x[label] - m), in double. The gradient's label entry
  // is (p - 1) * scale = -(s - e[label]) / s * scale, formed in double from the sum
  // of the other terms: p - 1 in float would cancel as p -> 1.
  static double row(const float* x, std::int64_t n, std::int32_t label, float* g, float scale,
                    const float* next = nullptr, float* next_g = nullptr) {
    const double x_label = x[label];  // read before g, which may be x, is written
    const float m = R::max(x, n);
    if (m == kInf) return saturated(x, n, label, g, scale);
    if (g == nullptr) {
      return std::log(R::template exp_sum<false>(x, n, m, nullptr, next)) - (x_label - static_cast<double>(m));
    }
    const double s = R::template exp_sum<true>(x, n, m, g, next, next_g);
    const double e_label = g[label];
    const double inv = 1.0 / s;
    const vec k = V::broadcast(static_cast<float>(scale * inv));
    R::map(g, g, n, [&](const vec& e) { return e * k; });
    g[label] = static_cast<float>(-(s - e_label) * inv * scale);
    return std::log(s) - (x_label - static_cast<double>(m));
  }

  // Rows of at most one vector, W at a time, transposed (see SoftmaxRow::Block): the
  // loss is log1p(t) - (x[label] - m), t = s - 1, and the gradient's label entry is
  // -(t + (1 - e[label])) / s * scale: neither cancels. Label-dependent values are
  // picked column by column with lane masks (label == j), so nothing is gathered.
  // N is the row width (1..W), a template argument so the columns stay in registers;
  // Full means a block of exactly W rows, so that loads and stores need no per-row
  // branches.
  //
  // A block is done in two halves: the front (load, transpose, max, exp, sums) and the
  // back (loss, gradient, transpose back, store). Interleaving the front of one block
  // with the back of the previous one, or two blocks' fronts, was measured slower on
  // 128 x 10 (the extra live columns spill).
  struct Front {
    typename R::Block b;
    vec label, x_label;
  };

  template <int N, bool Full>
  [[gnu::always_inline]] static void front(const float* xb, std::int64_t x_stride, const std::int32_t* lb, int nb,
                                           Front& f) noexcept {
    // Labels as floats (exact below 2^24), one load; -1 in lanes past the block.
    f.label = Full ? V::ints_as_float(lb) : V::ints_as_float(lb, nb);
    R::template load_block<N, Full>(xb, x_stride, nb, f.b);
    f.x_label = V::broadcast(0.0f);
    TRENCHCOAT_UNROLL
    for (int j = 0; j < N; ++j) {
      f.x_label = V::select(f.label == V::broadcast(static_cast<float>(j)), f.b.c[j], f.x_label);
    }
    R::template block_stats<N, false>(f.b);
  }

  // Adds the block's row losses to total in row order.
  template <int N, bool Full>
  [[gnu::always_inline]] static void back(Front& f, const float* xb, std::int64_t x_stride, const std::int32_t* lb,
                                          float* gb, std::int64_t g_stride, int nb, float scale, double* row_loss,
                                          double& total) noexcept {
    using dacc = typename V::dacc;
    typename R::Block& b = f.b;
    alignas(64) double loss[W];
    // loss = log1p(t) - (x[label] - m), formed in double lane by lane.
    const vec ls = V::log1p(b.t);
    dacc l = V::dzero(), xl = V::dzero(), m = V::dzero();
    V::widen_add(l, ls);
    V::widen_add(xl, f.x_label);
    V::widen_add(m, b.m);
    V::dstore(loss, V::dsub(l, V::dsub(xl, m)));
    if (gb != nullptr) {
      const vec k = V::broadcast(scale) / (V::broadcast(1.0f) + b.t);
      vec e_label = V::broadcast(0.0f);
      TRENCHCOAT_UNROLL
      for (int j = 0; j < N; ++j) e_label = V::select(f.label == V::broadcast(static_cast<float>(j)), b.c[j], e_label);
      const vec g_label = V::broadcast(0.0f) - (b.t + (V::broadcast(1.0f) - e_label)) * k;
      TRENCHCOAT_UNROLL
      for (int j = 0; j < N; ++j) {
        b.c[j] = V::select(f.label == V::broadcast(static_cast<float>(j)), g_label, b.c[j] * k);
      }
      R::template store_block<N, Full>(gb, g_stride, nb, b);
    }
    if (b.saturated == 0 && row_loss == nullptr) {  // the usual case, without branches
      for (int i = 0; i < nb; ++i) total += loss[i];
      return;
    }
    for (int i = 0; i < nb; ++i) {
      const double li = ((b.saturated >> i) & 1u) != 0
                            ? saturated(xb + i * x_stride, N, lb[i], gb == nullptr ? nullptr : gb + i * g_stride, scale)
                            : loss[i];
      if (row_loss != nullptr) row_loss[i] = li;
      total += li;
    }
  }

  template <int N>
  static double narrow_n(const float* x, std::int64_t x_stride, const std::int32_t* labels, float* g,
                         std::int64_t g_stride, std::int64_t rows, float scale, double* row_loss) noexcept {
    auto gp = [&](std::int64_t r0) { return g == nullptr ? nullptr : g + r0 * g_stride; };
    auto lp = [&](std::int64_t r0) { return row_loss == nullptr ? nullptr : row_loss + r0; };
    double total = 0.0;
    const std::int64_t full = rows / W;
    for (std::int64_t i = 0; i < full; ++i) {
      const std::int64_t r0 = i * W;
      Front f;
      front<N, true>(x + r0 * x_stride, x_stride, labels + r0, W, f);
      back<N, true>(f, x + r0 * x_stride, x_stride, labels + r0, gp(r0), g_stride, W, scale, lp(r0), total);
    }
    if (const std::int64_t r0 = full * W; r0 < rows) {
      const int nb = static_cast<int>(rows - r0);
      Front f;
      front<N, false>(x + r0 * x_stride, x_stride, labels + r0, nb, f);
      back<N, false>(f, x + r0 * x_stride, x_stride, labels + r0, gp(r0), g_stride, nb, scale, lp(r0), total);
    }
    return total;
  }

  using NarrowFn = double (*)(const float*, std::int64_t, const std::int32_t*, float*, std::int64_t, std::int64_t,
                              float, double*) noexcept;
  template <int N>
  struct PickNarrow {
    static constexpr NarrowFn fn = &narrow_n<N>;
  };

  // Rows of 1..W columns.
  static double narrow(const float* x, std::int64_t x_stride, const std::int32_t* labels, float* g,
                       std::int64_t g_stride, std::int64_t rows, std::int64_t n, float scale, double* row_loss) {
    static constexpr auto table = R::template narrow_table<NarrowFn, PickNarrow>(std::make_integer_sequence<int, V::width>{});
    if (n == 0) return 0.0;  // no class: no row can have a valid label, so no rows either
    return table[static_cast<std::size_t>(n - 1)](x, x_stride, labels, g, g_stride, rows, scale, row_loss);
  }
};

template <class V>
double xent_rows(const float* x, std::int64_t x_stride, const std::int32_t* labels, float* g, std::int64_t g_stride,
                 std::int64_t rows, std::int64_t cols, float scale, double* row_loss) {
  if constexpr (V::width > 1) {
    if (SoftmaxRow<V>::fits_one_vector(cols)) {
      return XentRow<V>::narrow(x, x_stride, labels, g, g_stride, rows, cols, scale, row_loss);
    }
  }
  double total = 0.0;
  const std::int64_t ahead = SoftmaxRow<V>::prefetch_rows(cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const bool more = r + ahead < rows;
    const double loss = XentRow<V>::row(x + r * x_stride, cols, labels[r], g == nullptr ? nullptr : g + r * g_stride,
                                        scale, more ? x + (r + ahead) * x_stride : nullptr,
                                        more && g != nullptr ? g + (r + ahead) * g_stride : nullptr);
    if (row_loss != nullptr) row_loss[r] = loss;
    total += loss;
  }
  return total;
}

// Two double accumulators of squares (each square exact in double); the difference
// itself is rounded once in float, as the gradient uses it.
template <class V, bool Grad>
double squared_error_impl(const float* p, const float* t, float* g, std::int64_t n, float two_scale) {
  using vec = typename V::vec;
  constexpr std::int64_t W = V::width;
  const vec k = V::broadcast(two_scale);
  typename V::dacc a0 = V::dzero(), a1 = V::dzero();
  std::int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const vec d0 = V::loadu(p + i) - V::loadu(t + i), d1 = V::loadu(p + i + W) - V::loadu(t + i + W);
    if constexpr (Grad) {
      V::storeu(g + i, d0 * k);
      V::storeu(g + i + W, d1 * k);
    }
    V::widen_add_square(a0, d0);
    V::widen_add_square(a1, d1);
  }
  for (; i + W <= n; i += W) {
    const vec d = V::loadu(p + i) - V::loadu(t + i);
    if constexpr (Grad) V::storeu(g + i, d * k);
    V::widen_add_square(a0, d);
  }
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    const vec d = V::load_partial(p + i, rest, 0.0f) - V::load_partial(t + i, rest, 0.0f);
    if constexpr (Grad) V::store_partial(g + i, rest, d * k);
    V::widen_add_square(a1, d);
  }
  return V::dsum(a0) + V::dsum(a1);
}

template <class V>
double squared_error(const float* p, const float* t, float* g, std::int64_t n, float two_scale) {
  return g == nullptr ? squared_error_impl<V, false>(p, t, g, n, two_scale)
                      : squared_error_impl<V, true>(p, t, g, n, two_scale);
}

template <class V>
constexpr LossKernelSet make_loss_kernel_set() {
  return LossKernelSet{&xent_rows<V>, &squared_error<V>};
}

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
