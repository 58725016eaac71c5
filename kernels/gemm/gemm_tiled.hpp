#pragma once
// The tiled GEMM kernels, written once and instantiated per ISA by the tiny
// gemm_<isa>.cpp files (each compiled with its own -march). `V` is a vector policy
// (xsimd batch for avx2/avx512, a plain array for the portable `blocked` variant):
//
//   V::type                 one vector of V::width floats
//   V::zero(), V::broadcast(float), V::load(const float*), V::loadu(const float*)
//   V::storeu(float*, type), V::fma(a, b, c) = a*b + c, V::mul, V::add, V::max
//
// Every name here lives in namespace detail::TRENCHCOAT_KERNEL_NS, which each ISA
// translation unit sets to its own name: otherwise the linker could keep one ISA's
// copy of an inline function for all of them, and run AVX-512 code on an AVX2 CPU.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "gemm_kernel_set.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>  // transpose8_avx512 (already in through vector_policy.hpp's xsimd)
#endif

#ifndef TRENCHCOAT_KERNEL_NS
#error "define TRENCHCOAT_KERNEL_NS (one name per ISA translation unit) before including"
#endif

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

// Element (i, l) of op(A) / (l, j) of op(B), whatever the transposition.
inline const float* a_at(const GemmProblem& p, std::int64_t i, std::int64_t l) {
  return p.ta == Trans::N ? p.a + i * p.lda + l : p.a + l * p.lda + i;
}
inline const float* b_at(const GemmProblem& p, std::int64_t l, std::int64_t j) {
  return p.tb == Trans::N ? p.b + l * p.ldb + j : p.b + j * p.ldb + l;
}

#if defined(__AVX512F__)
// Columns [l, l + rem) of eight stored rows (rem <= 16), transposed into
// dst[(l + q) * out_stride + r] (r the row, q < rem). Each 16-column load of a row
// holds two 8 x 8 blocks, transposed together: unpack pairs of rows, then pairs of
// pairs (within 128-bit lanes), then one two-source permute per pair of output
// columns. Partial: rem < 16, loaded under a mask (nothing past the rows is read) and
// only the first rem output rows stored.
template <bool Partial>
inline void transpose8_chunk_avx512(const float* src, std::int64_t ld, std::int64_t l, int rem, float* dst,
                                    std::int64_t out_stride) {
  // Output lanes: columns c (low half) and c + 8 (high half) of u[c], u[4 + c] ...
  const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
  // ... and columns 4 + c and 12 + c.
  const __m512i hi = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
  const auto rows = static_cast<__mmask16>((1u << rem) - 1u);
  __m512 r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) {
    r[i] = Partial ? _mm512_maskz_loadu_ps(rows, src + i * ld + l) : _mm512_loadu_ps(src + i * ld + l);
  }
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);      // per lane: r_i[0] r_i+1[0] r_i[1] r_i+1[1]
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);  // per lane: the same for elements 2 and 3
  }
  // u[c] (u[4 + c]): rows 0-3 (4-7) of columns c, 4 + c, 8 + c, 12 + c, one per lane.
  for (int h = 0; h < 8; h += 4) {
    u[h] = _mm512_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[h + 1] = _mm512_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[h + 2] = _mm512_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[h + 3] = _mm512_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  float* d = dst + l * out_stride;
  // The high halves go out through a masked store 8 floats early (masked-off lanes
  // touch no memory), which saves extracting them.
  constexpr __mmask16 kHigh = 0xFF00;
  for (int c = 0; c < 4; ++c) {
    const __m512 a = _mm512_permutex2var_ps(u[c], lo, u[4 + c]);  // columns c | 8 + c
    const __m512 b = _mm512_permutex2var_ps(u[c], hi, u[4 + c]);  // columns 4 + c | 12 + c
    const std::ptrdiff_t q = c;
    if (!Partial || c < rem) _mm256_storeu_ps(d + q * out_stride, _mm512_castps512_ps256(a));
    if (!Partial || 8 + c < rem) _mm512_mask_storeu_ps(d + (8 + q) * out_stride - 8, kHigh, a);
    if (!Partial || 4 + c < rem) _mm256_storeu_ps(d + (4 + q) * out_stride, _mm512_castps512_ps256(b));
    if (!Partial || 12 + c < rem) _mm512_mask_storeu_ps(d + (12 + q) * out_stride - 8, kHigh, b);
  }
}

// Eight full stored rows, columns [0, kc), transposed into dst[l * out_stride + r]
// (r the row), sixteen columns at a time and the last kc % 16 under masks.
// Packing uses it twice: a row-major A's MR = 8 micro-panels (out_stride 8) and, from
// a transposed B's stored rows, eight columns of an NR-wide micro-panel (out_stride
// NR). 24 shuffles for 128 floats, where the scalar loops made 128 strided stores:
// 6.8% of a 1024^3 GEMM on one core for A, 20.6% of a 128x784x128 A B^T for B, and
// (before the masked last chunk) 13% of a 128x128x10 A B^T, whose depth of 10 never
// filled a chunk. Pure data movement: the same bits.
inline void transpose8_avx512(const float* src, std::int64_t ld, std::int64_t kc, float* dst,
                              std::int64_t out_stride) {
  std::int64_t l = 0;
  for (; l + 16 <= kc; l += 16) transpose8_chunk_avx512<false>(src, ld, l, 16, dst, out_stride);
  if (l < kc) transpose8_chunk_avx512<true>(src, ld, l, static_cast<int>(kc - l), dst, out_stride);
}
#endif

// Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-row micro-panels, zero-padding the last one.
template <int MR>
void pack_a(const GemmProblem& p, std::int64_t i0, std::int64_t mc, std::int64_t p0,
            std::int64_t kc, float* dst) {
  for (std::int64_t ir = 0; ir < mc; ir += MR) {
    const int rows = static_cast<int>(std::min<std::int64_t>(MR, mc - ir));
    if (p.ta == Trans::T) {
      // Stored k x m: the MR values of one depth step are contiguous.
      for (std::int64_t l = 0; l < kc; ++l) {
        const float* src = a_at(p, i0 + ir, p0 + l);
        float* d = dst + l * MR;
        int r = 0;
        for (; r < rows; ++r) d[r] = src[r];
        for (; r < MR; ++r) d[r] = 0.0f;
      }
    } else {
      // Stored m x k: whole 8-row micro-panels through the register transposes; the
      // others walk each row contiguously and scatter with stride MR.
      bool packed = false;
#if defined(__AVX512F__)
      if constexpr (MR == 8) {
        if (rows == MR) {
          transpose8_avx512(a_at(p, i0 + ir, p0), p.lda, kc, dst, MR);
          packed = true;
        }
      }
#endif
      if (!packed) {
        for (int r = 0; r < rows; ++r) {
          const float* src = a_at(p, i0 + ir + r, p0);
          for (std::int64_t l = 0; l < kc; ++l) dst[l * MR + r] = src[l];
        }
        for (int r = rows; r < MR; ++r) {
          for (std::int64_t l = 0; l < kc; ++l) dst[l * MR + r] = 0.0f;
        }
      }
    }
    dst += kc * MR;
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-column micro-panels, zero-padding the last.
template <int NR>
void pack_b(const GemmProblem& p, std::int64_t p0, std::int64_t kc, std::int64_t j0,
            std::int64_t nc, float* dst) {
  for (std::int64_t jr = 0; jr < nc; jr += NR) {
    const int cols = static_cast<int>(std::min<std::int64_t>(NR, nc - jr));
    if (p.tb == Trans::N) {
      // Stored k x n: the NR values of one depth step are contiguous.
      for (std::int64_t l = 0; l < kc; ++l) {
        const float* src = b_at(p, p0 + l, j0 + jr);
        float* d = dst + l * NR;
        if (cols == NR) {
          std::memcpy(d, src, sizeof(float) * NR);
        } else {
          int c = 0;
          for (; c < cols; ++c) d[c] = src[c];
          for (; c < NR; ++c) d[c] = 0.0f;
        }
      }
    } else {
      // Stored n x k: walk each stored row (one output column) contiguously.
      int c = 0;
#if defined(__AVX512F__)
      // Groups of eight columns through the transposes; columns past the last whole
      // group by the loop below.
      for (; c + 8 <= cols; c += 8) transpose8_avx512(b_at(p, p0, j0 + jr + c), p.ldb, kc, dst + c, NR);
#endif
      for (; c < cols; ++c) {
        const float* src = b_at(p, p0, j0 + jr + c);
        for (std::int64_t l = 0; l < kc; ++l) dst[l * NR + c] = src[l];
      }
      for (; c < NR; ++c) {  // zero padding past the last column
        for (std::int64_t l = 0; l < kc; ++l) dst[l * NR + c] = 0.0f;
      }
    }
    dst += kc * NR;
  }
}

// ---- the micro-kernel -----------------------------------------------------------------
//
// One call computes an M x (NVX * W) tile of C from kc depth steps:
//   acc[r][v] = sum over l, in increasing l, of A(r, l) * B(l, v*W .. v*W+W-1)
// with A(r, l) at a[r * rs + l * cs] and the B vectors at b + l * bs. Packed operands
// are the case rs = 1, cs = MR, bs = NR; unpacked ones use the matrix's own strides
// (for a transposed A the MR values of one depth step are contiguous, rs = 1 again).
// kUnitRows says rs == 1 at compile time, so the broadcasts need no multiply.
//
// Every element is one fused multiply-add chain over l, whatever M and NVX are, so
// edge tiles (smaller M or NVX instantiations) give exactly the bits a full tile would:
// where tile boundaries fall (which depends on the thread split) never changes a result.

struct TileArgs {
  std::int64_t kc;
  const float* a;
  std::int64_t rs, cs;
  const float* b;
  std::int64_t bs;
  float* c;
  std::int64_t ldc;
  const float* bias;  // at this tile's first column, or nullptr
  int nr;             // valid columns (<= NVX * W); fewer means a partial last vector
};

template <class V, int M, int NVX, bool kUnitRows>
void tile_kernel(const GemmProblem& p, const TileArgs& t, GemmBlockUpdate u) {
  using vec = typename V::type;
  constexpr int W = V::width;
  // C is touched once per tile, after kc depth steps: fetch its lines now so the
  // misses overlap with the FMAs instead of stalling the stores.
  for (int r = 0; r < M; ++r) {
    for (int col = 0; col < t.nr; col += 16) __builtin_prefetch(t.c + r * t.ldc + col, 1, 3);
  }
  vec acc[M][NVX];
#pragma GCC unroll 64
  for (int r = 0; r < M; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < NVX; ++v) acc[r][v] = V::zero();
  }
  const float* __restrict a = t.a;
  const float* __restrict b = t.b;
  const std::int64_t rs = kUnitRows ? 1 : t.rs;
  for (std::int64_t l = 0; l < t.kc; ++l) {
    vec bv[NVX];
#pragma GCC unroll 8
    for (int v = 0; v < NVX; ++v) bv[v] = V::loadu(b + std::ptrdiff_t{v} * W);
#pragma GCC unroll 64
    for (int r = 0; r < M; ++r) {
      const vec av = V::broadcast(a[r * rs]);
#pragma GCC unroll 8
      for (int v = 0; v < NVX; ++v) acc[r][v] = V::fma(av, bv[v], acc[r][v]);
    }
    a += t.cs;
    b += t.bs;
  }

  // C = alpha*acc + beta*C (first depth block) or C + alpha*acc (later ones), then
  // on the last block + bias and the activation, straight from the registers. A
  // partial last vector (nr not a multiple of W) is loaded and stored under a mask,
  // with the same arithmetic on every lane.
  const vec alpha = V::broadcast(p.alpha);
  const bool read_c = !u.first || p.beta != 0.0f;
  const vec beta = V::broadcast(u.first ? p.beta : 1.0f);
  const bool relu = u.last && p.epilogue.activation == EpilogueActivation::relu;
  const float* bias = u.last ? t.bias : nullptr;
  const int tail = t.nr - (NVX - 1) * W;  // valid lanes of the last vector, 1..W
#pragma GCC unroll 64
  for (int r = 0; r < M; ++r) {
    float* crow = t.c + r * t.ldc;
#pragma GCC unroll 8
    for (int v = 0; v < NVX; ++v) {
      const std::ptrdiff_t off = std::ptrdiff_t{v} * W;
      const bool partial = v == NVX - 1 && tail != W;
      vec x = V::mul(acc[r][v], alpha);
      if (read_c) x = V::fma(beta, partial ? V::loadu_partial(crow + off, tail) : V::loadu(crow + off), x);
      if (bias != nullptr) x = V::add(x, partial ? V::loadu_partial(bias + off, tail) : V::loadu(bias + off));
      if (relu) x = V::max(x, V::zero());
      if (partial) {
        V::storeu_partial(crow + off, x, tail);
      } else {
        V::storeu(crow + off, x);
      }
    }
  }
}

using TileFn = void (*)(const GemmProblem&, const TileArgs&, GemmBlockUpdate);

// tiles[unit_rows][m - 1][nv - 1]: every row count 1..MR and vector count 1..NV, so
// edge tiles compute only what exists.
template <class V, int MR, int NV>
struct TileTable {
  TileFn fn[2][MR][NV]{};

  template <int M, int NVX>
  constexpr void fill_one() {
    fn[0][M - 1][NVX - 1] = &tile_kernel<V, M, NVX, false>;
    fn[1][M - 1][NVX - 1] = &tile_kernel<V, M, NVX, true>;
  }
  template <int M, int... NVs>
  constexpr void fill_row(std::integer_sequence<int, NVs...>) {
    (fill_one<M, NVs + 1>(), ...);
  }
  template <int... Ms>
  constexpr void fill(std::integer_sequence<int, Ms...>) {
    (fill_row<Ms + 1>(std::make_integer_sequence<int, NV>{}), ...);
  }
  constexpr TileTable() { fill(std::make_integer_sequence<int, MR>{}); }
};

template <class V, int MR, int NV>
struct MicroKernel {
  static constexpr int W = V::width;
  static constexpr int NR = NV * W;
  static constexpr TileTable<V, MR, NV> kTiles{};

  static void macro(const GemmProblem& p, const GemmPanels& panels, std::int64_t i0, std::int64_t mc,
                    std::int64_t j0, std::int64_t nc, std::int64_t p0, std::int64_t kc, GemmBlockUpdate u) {
    // jr outer, ir inner: one kc x NR panel of B stays in L1 while the mc x kc block
    // of A streams from L2.
    for (std::int64_t jr = 0; jr < nc; jr += NR) {
      const int nr = static_cast<int>(std::min<std::int64_t>(NR, nc - jr));
      const int nv = (nr + W - 1) / W;
      const float* bp;
      std::int64_t bs;
      if (panels.b_packed != nullptr) {
        bp = panels.b_packed + (jr / NR) * kc * NR;
        bs = NR;
      } else if (nr == NR) {
        bp = b_at(p, p0, j0 + jr);  // tb == N: the panel's rows are contiguous in B
        bs = p.ldb;
      } else {
        // A partial panel of an unpacked B: full-vector loads would read past the
        // matrix, so it is packed (zero-padded) on its own.
        pack_b<NR>(p, p0, kc, j0 + jr, nr, panels.edge);
        bp = panels.edge;
        bs = NR;
      }
      for (std::int64_t ir = 0; ir < mc; ir += MR) {
        const int mr = static_cast<int>(std::min<std::int64_t>(MR, mc - ir));
        TileArgs t{kc, nullptr, 1, 0, bp, bs, p.c + (i0 + ir) * p.ldc + j0 + jr, p.ldc,
                   p.epilogue.bias != nullptr ? p.epilogue.bias + j0 + jr : nullptr, nr};
        bool unit_rows = true;
        if (panels.a_packed != nullptr) {
          t.a = panels.a_packed + (ir / MR) * kc * MR;
          t.cs = MR;
        } else if (p.ta == Trans::T) {
          t.a = a_at(p, i0 + ir, p0);
          t.cs = p.lda;
        } else {
          t.a = a_at(p, i0 + ir, p0);
          t.rs = p.lda;
          t.cs = 1;
          unit_rows = false;
        }
        kTiles.fn[unit_rows ? 1 : 0][mr - 1][nv - 1](p, t, u);
      }
    }
  }
};

// ---- matrix-vector products (m == 1 or n == 1) --------------------------------------

// Scalar arithmetic mirrors the vector code exactly (fused multiply-adds where it
// fuses), so which elements fall in a vector body or a tail never changes a bit.
template <class V>
inline float apply_epilogue_scalar(const GemmProblem& p, float acc, float c_old, std::int64_t j) {
  float x = acc * p.alpha;
  if (p.beta != 0.0f) x = V::fmas(p.beta, c_old, x);
  if (p.epilogue.bias != nullptr) x += p.epilogue.bias[j];
  if (p.epilogue.activation == EpilogueActivation::relu) x = std::max(x, 0.0f);
  return x;
}

// Dot product with 4 vector accumulators: fixed order, depends only on len.
template <class V>
inline float dot(const float* __restrict x, const float* __restrict y, std::int64_t len) {
  using vec = typename V::type;
  constexpr std::int64_t W = V::width;
  vec s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  std::int64_t l = 0;
  for (; l + 4 * W <= len; l += 4 * W) {
    s0 = V::fma(V::loadu(x + l), V::loadu(y + l), s0);
    s1 = V::fma(V::loadu(x + l + W), V::loadu(y + l + W), s1);
    s2 = V::fma(V::loadu(x + l + 2 * W), V::loadu(y + l + 2 * W), s2);
    s3 = V::fma(V::loadu(x + l + 3 * W), V::loadu(y + l + 3 * W), s3);
  }
  for (; l + W <= len; l += W) s0 = V::fma(V::loadu(x + l), V::loadu(y + l), s0);
  float s = V::sum(V::add(V::add(s0, s1), V::add(s2, s3)));
  for (; l < len; ++l) s = V::fmas(x[l], y[l], s);
  return s;
}

// Outputs [lo, hi) of the vector result of a GEMM with m == 1 or n == 1.
template <class V>
void gemv(const GemmProblem& p, std::int64_t lo, std::int64_t hi) {
  using vec = typename V::type;
  constexpr int W = V::width;
  const bool row = p.m == 1;  // result is a row (1 x n) rather than a column (m x 1)
  // out index t: row -> C[0, t]; column -> C[t, 0]
  auto c_at = [&](std::int64_t t) { return row ? p.c + t : p.c + t * p.ldc; };
  // The "dot form" reads the matrix along its stored rows; the "axpy form" sweeps
  // the stored rows into a vector of outputs.
  const bool dot_form = row ? p.tb == Trans::T : p.ta == Trans::N;
  const float* x;       // the vector operand, contiguous or strided
  std::int64_t x_inc;
  if (row) {
    x = p.a;
    x_inc = p.ta == Trans::N ? 1 : p.lda;
  } else {
    x = p.b;
    x_inc = p.tb == Trans::N ? p.ldb : 1;
  }
  const float* mat = row ? p.b : p.a;
  const std::int64_t ld = row ? p.ldb : p.lda;
  if (dot_form) {
    if (x_inc == 1) {
      for (std::int64_t t = lo; t < hi; ++t) {
        const float acc = dot<V>(mat + t * ld, x, p.k);
        *c_at(t) = apply_epilogue_scalar<V>(p, acc, p.beta != 0.0f ? *c_at(t) : 0.0f, row ? t : 0);
      }
    } else {
      // A strided vector operand: plain loop (rare: a column of a row-major matrix).
      for (std::int64_t t = lo; t < hi; ++t) {
        float acc = 0.0f;
        for (std::int64_t l = 0; l < p.k; ++l) acc = V::fmas(mat[t * ld + l], x[l * x_inc], acc);
        *c_at(t) = apply_epilogue_scalar<V>(p, acc, p.beta != 0.0f ? *c_at(t) : 0.0f, row ? t : 0);
      }
    }
    return;
  }
  // axpy form: out[t] = sum_l x[l] * mat[l, t], summed in increasing l for each t.
  constexpr std::int64_t kChunk = 256;  // outputs kept in registers/L1 per sweep
  alignas(64) float acc[kChunk];
  for (std::int64_t t0 = lo; t0 < hi; t0 += kChunk) {
    const std::int64_t len = std::min(kChunk, hi - t0);
    std::fill(acc, acc + len, 0.0f);
    for (std::int64_t l = 0; l < p.k; ++l) {
      const vec xl = V::broadcast(x[l * x_inc]);
      const float* src = mat + l * ld + t0;
      std::int64_t t = 0;
      for (; t + W <= len; t += W) V::storeu(acc + t, V::fma(xl, V::loadu(src + t), V::loadu(acc + t)));
      for (; t < len; ++t) acc[t] = V::fmas(x[l * x_inc], src[t], acc[t]);
    }
    for (std::int64_t t = 0; t < len; ++t) {
      *c_at(t0 + t) = apply_epilogue_scalar<V>(p, acc[t], p.beta != 0.0f ? *c_at(t0 + t) : 0.0f,
                                            row ? t0 + t : 0);
    }
  }
}

// Builds the kernel set of one ISA / tile choice.
template <class V, int MR, int NV>
constexpr GemmKernelSet make_kernel_set(int mc, int kc, int nc) {
  using K = MicroKernel<V, MR, NV>;
  return GemmKernelSet{
      GemmBlocking{MR, K::NR, mc, kc, nc},
      &pack_a<MR>,
      &pack_b<K::NR>,
      &K::macro,
      &gemv<V>,
  };
}

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
