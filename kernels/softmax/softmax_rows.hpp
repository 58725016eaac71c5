#pragma once
// Row algorithms shared by the softmax kernels and the fused softmax + cross-entropy
// loss, templated on a vector policy (common/vec_ops.hpp) and instantiated per ISA.
//
// A row wider than one vector is done in three sweeps: its maximum m; e[j] =
// exp(x[j] - m) with their sum s accumulated in double; the output from e and s. Only
// the first sweep reads memory when the row fits in L1/L2 (10 to 100 000 classes do),
// so the data is streamed once, and a row further on is prefetched meanwhile. The sum
// is kept in double because the loss near 0 is log(s) with s = 1 + (small): a float sum
// would lose the small part to rounding (absolute error ~1e-7 per add); the plain
// softmax, which needs s only to a relative 1e-6, adds blocks in float first. Rows of at
// most one vector go W at a time through the transposed blocks further down.
//
// Awkward rows (see softmax.hpp): -inf entries give e = 0; a NaN entry makes its
// e and thus s NaN, so the whole row comes out NaN whether or not the maximum caught
// it; an all -inf row has m = -inf and x - m = NaN everywhere; m = +inf takes a
// separate scalar path where the +inf entries share the mass.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

#include "common/vec_ops.hpp"

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

template <class V>
struct SoftmaxRow {
  using vec = typename V::vec;
  using dacc = typename V::dacc;
  // 64-bit, so that offsets such as i + 2 * W are formed in the type of i.
  static constexpr std::int64_t W = V::width;
  static constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

  // How many rows ahead the sweeps prefetch: about 16 KiB ahead of the row being
  // computed. The next row alone (4 KiB for 1 000 classes) arrives too late: measured
  // on 65536 x 1024, one row ahead gave 20 GB/s, two rows 24 GB/s (the memory idles
  // while the first sweep of each row waits for it); four rows (16 KiB) were 0-11%
  // faster than two in 3 interleaved rounds, eight rows no better than four.
  static std::int64_t prefetch_rows(std::int64_t n) noexcept {
    constexpr std::int64_t kAheadBytes = 16384;
    const std::int64_t row_bytes = n * static_cast<std::int64_t>(sizeof(float));
    return row_bytes >= kAheadBytes ? 1 : (kAheadBytes + row_bytes - 1) / row_bytes;
  }

  // A row of at most one vector (the transposed-block path).
  static bool fits_one_vector(std::int64_t n) noexcept { return W > 1 && n <= W; }
  // The lanes past n become columns n.. of a transposed block, which nothing reads:
  // zeros are the cheapest fill (no merge source).
  static vec load_short(const float* x, std::int64_t n) noexcept {
    return n == W ? V::loadu(x) : V::load_partial(x, static_cast<int>(n), 0.0f);
  }
  static void store_short(float* y, std::int64_t n, const vec& v) noexcept {
    if (n == W) V::storeu(y, v);
    else V::store_partial(y, static_cast<int>(n), v);
  }

  static float max(const float* x, std::int64_t n) noexcept {
    vec m0 = V::broadcast(-kInf), m1 = m0;
    std::int64_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      m0 = V::max(m0, V::loadu(x + i));
      m1 = V::max(m1, V::loadu(x + i + W));
    }
    for (; i + W <= n; i += W) m0 = V::max(m0, V::loadu(x + i));
    if (i < n) m1 = V::max(m1, V::load_partial(x + i, static_cast<int>(n - i), -kInf));
    return V::reduce_max(V::max(m0, m1));
  }

  // Sum over the row of exp(x - m), in double; with Store, e is also written to e_out
  // (which may be x itself). Two accumulators, in a fixed order for a given n.
  //
  // `next` / `next_out` (nullable) are a later row's input and output (prefetch_rows
  // ahead, of the same width): their cache
  // lines are prefetched here, so that the memory streams them in while this row is
  // computed out of L1 (otherwise the memory idles through this sweep and the last).
  template <bool Store>
  static double exp_sum(const float* x, std::int64_t n, float m, float* e_out, const float* next = nullptr,
                        float* next_out = nullptr) noexcept {
    const vec mv = V::broadcast(m);
    dacc a0 = V::dzero(), a1 = V::dzero();
    std::int64_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      if (next != nullptr) {
        // Two lines of each per step when W = 16 (one every other step when W = 8).
        __builtin_prefetch(next + i, 0, 3);
        __builtin_prefetch(next + i + 16, 0, 3);
        if (next_out != nullptr) {
          __builtin_prefetch(next_out + i, 1, 3);
          __builtin_prefetch(next_out + i + 16, 1, 3);
        }
      }
      const vec e0 = V::exp_nonpositive(V::loadu(x + i) - mv), e1 = V::exp_nonpositive(V::loadu(x + i + W) - mv);
      if constexpr (Store) {
        V::storeu(e_out + i, e0);
        V::storeu(e_out + i + W, e1);
      }
      V::widen_add(a0, e0);
      V::widen_add(a1, e1);
    }
    for (; i + W <= n; i += W) {
      const vec e = V::exp_nonpositive(V::loadu(x + i) - mv);
      if constexpr (Store) V::storeu(e_out + i, e);
      V::widen_add(a0, e);
    }
    if (i < n) {
      const int rest = static_cast<int>(n - i);
      const vec e = V::exp_nonpositive(V::load_partial(x + i, rest, -kInf) - mv);
      if constexpr (Store) V::store_partial(e_out + i, rest, e);
      V::widen_add(a1, e);
    }
    return V::dsum(a0) + V::dsum(a1);
  }

  // exp_sum<true> for the plain softmax, whose output p = e / s needs s only to a
  // relative error well inside 1e-6: eight vectors of e at a time are added in float
  // as a pairwise tree (all terms are positive, so the tree's sum is within 3 ulp of
  // exact, about 1.8e-7 relative), and only that sum is widened to double. The widening
  // costs as much as the exp itself when done per vector. log_softmax and the loss
  // keep the per-vector double sum: their log(s) is small exactly when s is close to 1,
  // where a relative 1.8e-7 in s would be an absolute 1.8e-7 in the result.
  static double exp_sum_blocked(const float* x, std::int64_t n, float m, float* e_out, const float* next,
                                float* next_out) noexcept {
    constexpr int kBlock = 8;  // vectors per float block
    const vec mv = V::broadcast(m);
    dacc a = V::dzero();
    std::int64_t i = 0;
    for (; i + kBlock * W <= n; i += kBlock * W) {
      if (next != nullptr) {
        for (int l = 0; l < kBlock * W; l += 16) {
          __builtin_prefetch(next + i + l, 0, 3);
          if (next_out != nullptr) __builtin_prefetch(next_out + i + l, 1, 3);
        }
      }
      vec e[kBlock];
      TRENCHCOAT_UNROLL
      for (int v = 0; v < kBlock; ++v) {
        e[v] = V::exp_nonpositive(V::loadu(x + i + v * W) - mv);
        V::storeu(e_out + i + v * W, e[v]);
      }
      TRENCHCOAT_UNROLL
      for (int step = 1; step < kBlock; step *= 2) {
        TRENCHCOAT_UNROLL
        for (int v = 0; v + step < kBlock; v += 2 * step) e[v] = e[v] + e[v + step];
      }
      V::widen_add(a, e[0]);
    }
    for (; i + W <= n; i += W) {
      const vec e = V::exp_nonpositive(V::loadu(x + i) - mv);
      V::storeu(e_out + i, e);
      V::widen_add(a, e);
    }
    if (i < n) {
      const int rest = static_cast<int>(n - i);
      const vec e = V::exp_nonpositive(V::load_partial(x + i, rest, -kInf) - mv);
      V::store_partial(e_out + i, rest, e);
      V::widen_add(a, e);
    }
    return V::dsum(a);
  }

  // y[j] = f(x[j]) over the row (y may be x).
  template <class F>
  static void map(const float* x, float* y, std::int64_t n, F f) noexcept {
    std::int64_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      const vec a = V::loadu(x + i), b = V::loadu(x + i + W);
      V::storeu(y + i, f(a));
      V::storeu(y + i + W, f(b));
    }
    for (; i + W <= n; i += W) V::storeu(y + i, f(V::loadu(x + i)));
    if (i < n) {
      const int rest = static_cast<int>(n - i);
      V::store_partial(y + i, rest, f(V::load_partial(x + i, rest, 0.0f)));
    }
  }

  // The row's maximum is +inf (rare): the +inf entries share the probability, unless
  // a NaN is present, which makes the row NaN. Scalar code; y may be x.
  static void saturated(const float* x, float* y, std::int64_t n, bool log) noexcept {
    bool nan = false;
    std::int64_t k = 0;
    for (std::int64_t j = 0; j < n; ++j) {
      nan = nan || std::isnan(x[j]);
      k += x[j] == kInf ? 1 : 0;
    }
    const float share = log ? static_cast<float>(-std::log(static_cast<double>(k)))
                            : static_cast<float>(1.0 / static_cast<double>(k));
    const float rest = log ? -kInf : 0.0f;
    for (std::int64_t j = 0; j < n; ++j) y[j] = nan ? kNaN : (x[j] == kInf ? share : rest);
  }

  static void softmax(const float* x, float* y, std::int64_t n, const float* next = nullptr,
                      float* next_out = nullptr) noexcept {
    if (n == 0) return;
    const float m = max(x, n);
    if (m == kInf) return saturated(x, y, n, false);
    const double s = exp_sum_blocked(x, n, m, y, next, next_out);
    const vec inv = V::broadcast(static_cast<float>(1.0 / s));
    map(y, y, n, [&](const vec& e) { return e * inv; });
  }

  // (x - m) - log(s): both terms are <= 0 and >= 0 respectively, so the difference
  // never cancels, and x - m is exact near the maximum where the result is small.
  static void log_softmax(const float* x, float* y, std::int64_t n, const float* next = nullptr,
                          float* next_out = nullptr) noexcept {
    if (n == 0) return;
    const float m = max(x, n);
    if (m == kInf) return saturated(x, y, n, true);
    const vec mv = V::broadcast(m);
    const vec ls = V::broadcast(static_cast<float>(std::log(exp_sum<false>(x, n, m, nullptr, next, next_out))));
    map(x, y, n, [&](const vec& a) { return (a - mv) - ls; });
  }

  // ---- narrow rows (n <= W): blocks of W rows, transposed ---------------------------
  //
  // One row per vector leaves the per-row reductions horizontal (a chain of shuffles
  // per row) and the division and log scalar: latency-bound, about 40 cycles a row.
  // Instead W rows are loaded and transposed in registers, so that vector j holds
  // column j of the block: the row maxima and sums become lane-wise operations over n
  // vectors, exp runs on full vectors, and one vector division or log1p serves W rows.
  // Every lane (row) goes through the same arithmetic wherever the block starts, so
  // results do not depend on how rows are split between threads.
  //
  // The sum is kept as t = s - 1: the terms strictly below the row maximum, added as a
  // pairwise tree over the columns, plus (ties - 1) for the extra entries equal to the
  // maximum (each exactly exp(0) = 1). log(s) = log1p(t) then keeps its relative
  // accuracy when the row is nearly one-hot, where a float s = 1 + small would not.
  struct Block {
    vec c[W];          // columns: x, then exp(x - m) or x - m
    vec m, t;          // per lane (row): maximum, s - 1
    unsigned saturated;  // rows whose maximum is +inf (handled by saturated())
  };

  // The block functions take the row width as a template argument N (1..W), so that
  // every loop over columns unrolls and the columns stay in registers: with a run-time
  // width the compiler kept them on the stack and a block took three times as long.
  // Each caller instantiates all widths once and picks one per call (narrow_table).
  // Full: rows == W, known at compile time (no per-row branches in the common case).
  template <int N, bool Full>
  static void load_block(const float* x, std::int64_t stride, int rows, Block& b) noexcept {
    TRENCHCOAT_UNROLL
    for (int i = 0; i < W; ++i) b.c[i] = Full || i < rows ? load_short(x + i * stride, N) : V::broadcast(0.0f);
    V::transpose(b.c);
  }

  template <int N, bool Full>
  static void store_block(float* y, std::int64_t stride, int rows, Block& b) noexcept {
    // Columns N.. hold nothing that is stored; zeros keep them out of the registers.
    TRENCHCOAT_UNROLL
    for (int j = N; j < W; ++j) b.c[j] = V::broadcast(0.0f);
    V::transpose(b.c);
    if (Full && b.saturated == 0) {
      TRENCHCOAT_UNROLL
      for (int i = 0; i < W; ++i) store_short(y + i * stride, N, b.c[i]);
      return;
    }
    for (int i = 0; i < rows; ++i) {
      if (((b.saturated >> i) & 1u) == 0) store_short(y + i * stride, N, b.c[i]);
    }
  }

  // Column j of the block holds x; afterwards exp(x - m) (or x - m with KeepD).
  template <int N, bool KeepD>
  static void block_stats(Block& b) noexcept {
    const vec zero = V::broadcast(0.0f), one = V::broadcast(1.0f);
    vec m = b.c[0];
    TRENCHCOAT_UNROLL
    for (int j = 1; j < N; ++j) m = V::max(m, b.c[j]);
    b.m = m;
    b.saturated = V::bits(m == V::broadcast(kInf));
    vec below[N];
    vec ties = zero;
    TRENCHCOAT_UNROLL
    for (int j = 0; j < N; ++j) {
      const vec d = b.c[j] - m;
      const vec e = V::exp_nonpositive(d);
      const auto top = d == zero;
      below[j] = V::select(top, zero, e);
      ties = ties + V::select(top, one, zero);
      b.c[j] = KeepD ? d : e;
    }
    TRENCHCOAT_UNROLL
    for (int step = 1; step < N; step *= 2) {
      TRENCHCOAT_UNROLL
      for (int j = 0; j + step < N; j += 2 * step) below[j] = below[j] + below[j + step];
    }
    b.t = below[0] + (ties - one);
  }

  // table[n - 1] = &F<n>, for the widths 1..W of the narrow path.
  template <class Fn, template <int> class Pick, int... I>
  static constexpr auto narrow_table(std::integer_sequence<int, I...>) noexcept {
    return std::array<Fn, sizeof...(I)>{Pick<I + 1>::fn...};
  }

  template <int N, bool Log, bool Full>
  [[gnu::always_inline]] static void softmax_block(const float* xb, std::int64_t x_stride, float* yb,
                                                   std::int64_t y_stride, int nb) noexcept {
    Block b;
    load_block<N, Full>(xb, x_stride, nb, b);
    if constexpr (Log) {
      block_stats<N, true>(b);
      const vec ls = V::log1p(b.t);
      TRENCHCOAT_UNROLL
      for (int j = 0; j < N; ++j) b.c[j] = b.c[j] - ls;
    } else {
      block_stats<N, false>(b);
      const vec inv = V::broadcast(1.0f) / (V::broadcast(1.0f) + b.t);
      TRENCHCOAT_UNROLL
      for (int j = 0; j < N; ++j) b.c[j] = b.c[j] * inv;
    }
    store_block<N, Full>(yb, y_stride, nb, b);
    if (b.saturated == 0) return;
    for (int i = 0; i < nb; ++i) {
      if ((b.saturated >> i) & 1u) saturated(xb + i * x_stride, yb + i * y_stride, N, Log);
    }
  }

  template <int N, bool Log>
  static void softmax_narrow_n(const float* x, std::int64_t x_stride, float* y, std::int64_t y_stride,
                               std::int64_t rows) noexcept {
    std::int64_t r0 = 0;
    for (; r0 + W <= rows; r0 += W) {
      softmax_block<N, Log, true>(x + r0 * x_stride, x_stride, y + r0 * y_stride, y_stride, static_cast<int>(W));
    }
    if (r0 < rows) {
      softmax_block<N, Log, false>(x + r0 * x_stride, x_stride, y + r0 * y_stride, y_stride,
                                   static_cast<int>(rows - r0));
    }
  }

  using SoftmaxNarrowFn = void (*)(const float*, std::int64_t, float*, std::int64_t, std::int64_t) noexcept;
  template <int N>
  struct PickSoftmax {
    static constexpr SoftmaxNarrowFn fn = &softmax_narrow_n<N, false>;
  };
  template <int N>
  struct PickLogSoftmax {
    static constexpr SoftmaxNarrowFn fn = &softmax_narrow_n<N, true>;
  };

  // Rows of 1..W columns (n = 0 writes nothing).
  static void softmax_narrow(const float* x, std::int64_t x_stride, float* y, std::int64_t y_stride,
                             std::int64_t rows, std::int64_t n, bool log) noexcept {
    static constexpr auto plain = narrow_table<SoftmaxNarrowFn, PickSoftmax>(std::make_integer_sequence<int, V::width>{});
    static constexpr auto logs = narrow_table<SoftmaxNarrowFn, PickLogSoftmax>(std::make_integer_sequence<int, V::width>{});
    if (n == 0) return;
    (log ? logs : plain)[static_cast<std::size_t>(n - 1)](x, x_stride, y, y_stride, rows);
  }
};

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
