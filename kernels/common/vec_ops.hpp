#pragma once
// Vector policies for the element-wise, softmax and loss kernels (the GEMM has its
// own, smaller one in gemm/vector_policy.hpp). A policy `V` provides
//
//   V::vec, V::mask           a vector of V::width floats and a lane mask
//   V::dacc                   a double-precision accumulator for V::width floats
//   loadu / storeu            whole vectors, any alignment
//   load_partial(p, n, fill)  the first n < width lanes from p, `fill` in the rest,
//   store_partial(p, n, v)    and their counterpart; neither touches memory past p[n-1]
//   fma, max, min, select, reduce_max, widen-add into a dacc and its sum dsum
//   exp, log1p_unit, log1p    the transcendental building blocks
// and, for the SIMD policies only (rows of at most one vector, in transposed blocks):
// transpose (W x W, in registers), bits (of a mask), ints_as_float, dsub, dstore.
//
// Loop tails go through load_partial/store_partial and the same arithmetic as the
// vector bodies, so an element's value never depends on where a vector (or a thread's
// chunk) starts.
//
// Include only from ISA translation units, inside their TRENCHCOAT_KERNEL_NS.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#ifndef TRENCHCOAT_KERNEL_NS
#error "define TRENCHCOAT_KERNEL_NS (one name per ISA translation unit) before including"
#endif

#if defined(TRENCHCOAT_KERNEL_USES_XSIMD)
// GCC 12's AVX-512 casts and lane extracts pass _mm512_undefined_*() (a deliberately
// self-initialised variable) as the merge source; inlined into some loops this trips
// -Werror=uninitialized inside GCC's own headers. The diagnostic state is taken from
// where the warning points, so silencing it over this first inclusion covers exactly
// those header lines and nothing of ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <xsimd/xsimd.hpp>
#endif

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

// Unrolls a loop over the columns of a transposed block (a compile-time trip count of
// at most 16): without it GCC 12 keeps loops with an exp() body rolled, and the
// columns, indexed by a loop variable, live on the stack instead of in registers.
#define TRENCHCOAT_UNROLL _Pragma("GCC unroll 16")

inline constexpr float kInf = std::numeric_limits<float>::infinity();

// exp's polynomial on |r| <= a = ln2/2: 1 + r + r^2/2 + r^3/6 + r^4/24 + r^5/120 + r^6/720
// + r^7/5040 with r^7 = a^7 (T7(r/a) + 112 (r/a)^5 - 56 (r/a)^3 + 7 (r/a)) / 64 and the
// T7 term (|T7| <= 1, so at most a^7/(5040 * 64) = 1.9e-9) dropped.
inline constexpr double kExpA2 = 0.12011325347955035;  // (ln2/2)^2
inline constexpr float kExpC1 = static_cast<float>(1.0 + 7.0 * kExpA2 * kExpA2 * kExpA2 / (64.0 * 5040.0));
inline constexpr float kExpC2 = 0.5f;
inline constexpr float kExpC3 = static_cast<float>(1.0 / 6.0 - 56.0 * kExpA2 * kExpA2 / (64.0 * 5040.0));
inline constexpr float kExpC4 = static_cast<float>(1.0 / 24.0);
inline constexpr float kExpC5 = static_cast<float>(1.0 / 120.0 + 112.0 * kExpA2 / (64.0 * 5040.0));
inline constexpr float kExpC6 = static_cast<float>(1.0 / 720.0);

// One float at a time with the C library's math: the portable `scalar` variant. The
// x86-64 baseline has no FMA instruction, so fma() multiplies and adds with two
// roundings (GCC does not contract a*b+c in strict ISO mode).
struct ScalarOps {
  using vec = float;
  using mask = bool;
  using dacc = double;
  static constexpr int width = 1;

  static vec broadcast(float x) noexcept { return x; }
  static vec loadu(const float* p) noexcept { return *p; }
  static void storeu(float* p, vec v) noexcept { *p = v; }
  static vec load_partial(const float* p, int n, float fill) noexcept { return n > 0 ? *p : fill; }
  static void store_partial(float* p, int n, vec v) noexcept {
    if (n > 0) *p = v;
  }
  static vec fma(vec a, vec b, vec c) noexcept { return a * b + c; }
  // max(a, b) / min(a, b) return b when either is NaN, like the x86 instructions the
  // SIMD policies use, so that clamp(lo, x) keeps a NaN x in every variant.
  static vec max(vec a, vec b) noexcept { return a > b ? a : b; }
  static vec min(vec a, vec b) noexcept { return a < b ? a : b; }
  static vec abs(vec a) noexcept { return std::fabs(a); }
  static vec select(mask m, vec a, vec b) noexcept { return m ? a : b; }
  static float reduce_max(vec v) noexcept { return v; }
  static dacc dzero() noexcept { return 0.0; }
  static void widen_add(dacc& acc, vec v) noexcept { acc += static_cast<double>(v); }
  // acc += v * v, the square formed in double (exact for a float v).
  static void widen_add_square(dacc& acc, vec v) noexcept {
    const double d = v;
    acc += d * d;
  }
  static double dsum(const dacc& a) noexcept { return a; }
  static vec exp(vec x) noexcept { return std::exp(x); }
  static vec exp_nonpositive(vec x) noexcept { return std::exp(x); }
  // log(1 + t) for t in [0, 1].
  static vec log1p_unit(vec t) noexcept { return std::log1p(t); }
};

#if defined(TRENCHCOAT_KERNEL_USES_XSIMD)

// What xsimd 8.1 lacks: masked loads/stores, widening to double, a max reduction.
template <class Arch>
struct ArchExtras;

#if defined(__AVX512F__)
template <>
struct ArchExtras<xsimd::avx512bw> {
  using vec = xsimd::batch<float, xsimd::avx512bw>;
  using dvec = xsimd::batch<double, xsimd::avx512bw>;
  static __mmask16 first(int n) noexcept { return static_cast<__mmask16>((1u << n) - 1u); }
  static vec load_partial(const float* p, int n, float fill) noexcept {
    // +0.0 needs no merge source (the test folds away when fill is a constant).
    if (std::bit_cast<std::uint32_t>(fill) == 0) return _mm512_maskz_loadu_ps(first(n), p);
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), first(n), p);
  }
  static void store_partial(float* p, int n, const vec& v) noexcept { _mm512_mask_storeu_ps(p, first(n), v); }
  // The first n (<= 16) int32 values as floats, -1 in the other lanes.
  static vec ints_as_float(const std::int32_t* p, int n) noexcept {
    return _mm512_cvtepi32_ps(_mm512_mask_loadu_epi32(_mm512_set1_epi32(-1), first(n), p));
  }
  static vec ints_as_float(const std::int32_t* p) noexcept { return _mm512_cvtepi32_ps(_mm512_loadu_si512(p)); }
  static dvec widen_lo(const vec& v) noexcept { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  static dvec widen_hi(const vec& v) noexcept {
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static float reduce_max(const vec& v) noexcept { return _mm512_reduce_max_ps(v); }
  static unsigned bits(const xsimd::batch_bool<float, xsimd::avx512bw>& m) noexcept {
    return static_cast<unsigned>(static_cast<__mmask16>(m));
  }
  // 2^n * p for integral n, with IEEE overflow to inf and underflow to 0 built in.
  static vec scale_by_pow2(const vec& p, const vec& n) noexcept { return _mm512_scalef_ps(p, n); }
  static constexpr bool kHasScalef = true;
  // In place, rows to columns: r[i][j] -> r[j][i]. Per 128-bit lane, pairs of rows
  // interleave (ps), then pairs of pairs (pd): u[4g + q] holds column 4k + q of rows
  // 4g..4g+3 in lane k; two rounds of 128-bit shuffles gather the four row groups.
  [[gnu::always_inline]] static void transpose(vec (&r)[16]) noexcept {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 2]);
      const __m512d c = _mm512_castps_pd(t[i + 1]), d = _mm512_castps_pd(t[i + 3]);
      u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
      u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
      u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    constexpr int kEven = _MM_SHUFFLE(2, 0, 2, 0), kOdd = _MM_SHUFFLE(3, 1, 3, 1);
    for (int q = 0; q < 4; ++q) {
      const __m512 v = _mm512_shuffle_f32x4(u[q], u[4 + q], kEven), w = _mm512_shuffle_f32x4(u[q], u[4 + q], kOdd);
      const __m512 v2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], kEven);
      const __m512 w2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], kOdd);
      r[q] = _mm512_shuffle_f32x4(v, v2, kEven);
      r[8 + q] = _mm512_shuffle_f32x4(v, v2, kOdd);
      r[4 + q] = _mm512_shuffle_f32x4(w, w2, kEven);
      r[12 + q] = _mm512_shuffle_f32x4(w, w2, kOdd);
    }
  }
  // A fixed order: halves, quarters, then the last pair.
  static double reduce_add(const dvec& v) noexcept {
    const __m512d h = _mm512_add_pd(v, _mm512_shuffle_f64x2(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m256d q = _mm512_castpd512_pd256(h);
    const __m128d p = _mm_add_pd(_mm256_castpd256_pd128(q), _mm256_extractf128_pd(q, 1));
    return _mm_cvtsd_f64(_mm_add_sd(p, _mm_unpackhi_pd(p, p)));
  }
};
#endif

#if defined(__AVX2__)
template <>
struct ArchExtras<xsimd::fma3<xsimd::avx2>> {
  using vec = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  using dvec = xsimd::batch<double, xsimd::fma3<xsimd::avx2>>;
  // Lane i is enabled when i < n (sign bit set), as vmaskmovps wants.
  static __m256i first(int n) noexcept {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static vec load_partial(const float* p, int n, float fill) noexcept {
    const __m256i m = first(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void store_partial(float* p, int n, const vec& v) noexcept { _mm256_maskstore_ps(p, first(n), v); }
  static vec ints_as_float(const std::int32_t* p, int n) noexcept {
    const __m256i m = first(n);
    return _mm256_cvtepi32_ps(_mm256_blendv_epi8(_mm256_set1_epi32(-1), _mm256_maskload_epi32(p, m), m));
  }
  static vec ints_as_float(const std::int32_t* p) noexcept {
    return _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static dvec widen_lo(const vec& v) noexcept { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static dvec widen_hi(const vec& v) noexcept { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static float reduce_max(const vec& v) noexcept {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  static unsigned bits(const xsimd::batch_bool<float, xsimd::fma3<xsimd::avx2>>& m) noexcept {
    return static_cast<unsigned>(_mm256_movemask_ps(static_cast<__m256>(m)));
  }
  static vec scale_by_pow2(const vec& p, const vec&) noexcept { return p; }  // unused: kHasScalef
  static constexpr bool kHasScalef = false;
  // In place, rows to columns (8 x 8): interleave pairs of rows, then pairs of pairs,
  // then swap 128-bit halves.
  [[gnu::always_inline]] static void transpose(vec (&r)[8]) noexcept {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int q = 0; q < 4; ++q) {
      r[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
      r[4 + q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
    }
  }
  static double reduce_add(const dvec& v) noexcept {
    const __m128d p = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(p, _mm_unpackhi_pd(p, p)));
  }
};
#endif

template <class Arch>
struct XsimdOps {
  using vec = xsimd::batch<float, Arch>;
  using mask = xsimd::batch_bool<float, Arch>;
  using ivec = xsimd::batch<std::int32_t, Arch>;
  using dvec = xsimd::batch<double, Arch>;
  using X = ArchExtras<Arch>;
  struct dacc {
    dvec lo, hi;
  };
  static constexpr int width = static_cast<int>(vec::size);

  static vec broadcast(float x) noexcept { return vec(x); }
  static vec loadu(const float* p) noexcept { return vec::load_unaligned(p); }
  static void storeu(float* p, const vec& v) noexcept { v.store_unaligned(p); }
  static vec load_partial(const float* p, int n, float fill) noexcept { return X::load_partial(p, n, fill); }
  static void store_partial(float* p, int n, const vec& v) noexcept { X::store_partial(p, n, v); }
  static vec fma(const vec& a, const vec& b, const vec& c) noexcept { return xsimd::fma(a, b, c); }
  static vec max(const vec& a, const vec& b) noexcept { return xsimd::max(a, b); }
  static vec min(const vec& a, const vec& b) noexcept { return xsimd::min(a, b); }
  static vec abs(const vec& a) noexcept { return xsimd::abs(a); }
  static vec select(const mask& m, const vec& a, const vec& b) noexcept { return xsimd::select(m, a, b); }
  static float reduce_max(const vec& v) noexcept { return X::reduce_max(v); }
  static unsigned bits(const mask& m) noexcept { return X::bits(m); }
  [[gnu::always_inline]] static void transpose(vec (&r)[width]) noexcept { X::transpose(r); }
  static vec ints_as_float(const std::int32_t* p, int n) noexcept { return X::ints_as_float(p, n); }
  static vec ints_as_float(const std::int32_t* p) noexcept { return X::ints_as_float(p); }
  static dacc dzero() noexcept { return {dvec(0.0), dvec(0.0)}; }
  static void widen_add(dacc& acc, const vec& v) noexcept {
    acc.lo += X::widen_lo(v);
    acc.hi += X::widen_hi(v);
  }
  static void widen_add_square(dacc& acc, const vec& v) noexcept {
    const dvec lo = X::widen_lo(v), hi = X::widen_hi(v);
    acc.lo = xsimd::fma(lo, lo, acc.lo);
    acc.hi = xsimd::fma(hi, hi, acc.hi);
  }
  static double dsum(const dacc& a) noexcept { return X::reduce_add(a.lo + a.hi); }
  static dacc dsub(const dacc& a, const dacc& b) noexcept { return {a.lo - b.lo, a.hi - b.hi}; }
  // Lane i of the widened vector to p[i] (p holds width doubles, 64-byte aligned).
  static void dstore(double* p, const dacc& a) noexcept {
    a.lo.store_aligned(p);
    a.hi.store_aligned(p + width / 2);
  }

  // e^x to about 1 ulp: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split so
  // that n * ln2_hi is exact), e^r by a degree-6 polynomial, times 2^n. The polynomial
  // is the degree-7 Taylor series with its r^7 term economised (Chebyshev T7 on
  // [-ln2/2, ln2/2] folded into r^5, r^3, r): error below 1e-8 relative, one FMA less.
  // With AVX-512 the scaling is vscalefps, which gets overflow (+inf) and underflow (0)
  // right by itself; otherwise 2^n is built in the exponent field, valid for x in
  // [-87.33, 88.37], with 0 below and +inf above (slightly early: e^88.72 is the
  // largest float; no formula here needs that stretch). The clamp is written
  // max(lo, x) so a NaN x falls through and comes out NaN.
  static vec exp(const vec& x) noexcept { return exp_impl<true>(x); }

  // e^x for x <= 0 (or -inf, or NaN), as softmax needs it (x - max): exp() without
  // its upper clamp, bit for bit the same results. (The polynomial by Estrin's scheme
  // instead of Horner's was 2% faster on the 128 x 10 cross-entropy and 8% on
  // cache-resident 256 x 512 softmax, but rounds differently, and the softmax results,
  // and so every trained model, would have changed for it.)
  static vec exp_nonpositive(const vec& x) noexcept { return exp_impl<false>(x); }

  // Positive: x may be above 0, so the upper clamp (and, without scalef, the +inf
  // select) is needed.
  template <bool Positive>
  static vec exp_impl(const vec& x) noexcept {
    const vec lo(X::kHasScalef ? -104.0f : -87.336544f), hi(X::kHasScalef ? 89.0f : 88.376266f);
    const vec xc = Positive ? xsimd::min(hi, xsimd::max(lo, x)) : xsimd::max(lo, x);
    // 1.5 * 2^23: adding it rounds to an integer and leaves n in the low mantissa bits.
    const vec shifter(12582912.0f);
    const vec t = xsimd::fma(xc, vec(1.44269504088896341f), shifter);
    const vec n = t - shifter;
    vec r = xsimd::fnma(n, vec(0.693359375f), xc);
    r = xsimd::fnma(n, vec(-2.12194440e-4f), r);
    vec p = vec(kExpC6);
    p = xsimd::fma(p, r, vec(kExpC5));
    p = xsimd::fma(p, r, vec(kExpC4));
    p = xsimd::fma(p, r, vec(kExpC3));
    p = xsimd::fma(p, r, vec(kExpC2));
    p = xsimd::fma(p, r, vec(kExpC1));
    p = xsimd::fma(p, r, vec(1.0f));
    if constexpr (X::kHasScalef) {
      return X::scale_by_pow2(p, n);
    } else {
      // bits(t) = bits(shifter) + n, and bits(shifter) << 23 vanishes mod 2^32.
      const ivec e = (xsimd::bitwise_cast<ivec>(t) << 23) + ivec(127 << 23);
      vec y = p * xsimd::bitwise_cast<vec>(e);
      y = xsimd::select(x < lo, vec(0.0f), y);
      return Positive ? xsimd::select(x > hi, vec(kInf), y) : y;
    }
  }

  // log(1 + t) for t in [0, 1]. u = 1 + t rounds, so log(u) is scaled by t / (u - 1)
  // (exact when u - 1 is), which restores the relative accuracy for small t; t < 2^-24
  // gives u == 1 and the answer t. log(u) = k ln2 + 2 atanh(z), z = (m - 1)/(m + 1),
  // m = u / 2^k in [0.707, 1.414], so |z| <= 0.1716 and the series up to z^9 is within
  // z^10/11 < 3e-9 of the truth.
  static vec log1p_unit(const vec& t) noexcept {
    const vec u = vec(1.0f) + t;
    const mask big = u > vec(1.41421356f);
    const vec m = xsimd::select(big, u * vec(0.5f), u);
    const vec k = xsimd::select(big, vec(1.0f), vec(0.0f));
    const vec z = (m - vec(1.0f)) / (m + vec(1.0f));
    const vec z2 = z * z;
    vec s = vec(1.0f / 9.0f);
    s = xsimd::fma(s, z2, vec(1.0f / 7.0f));
    s = xsimd::fma(s, z2, vec(1.0f / 5.0f));
    s = xsimd::fma(s, z2, vec(1.0f / 3.0f));
    s = xsimd::fma(s, z2, vec(1.0f));
    const vec two_z = z + z;
    // k ln2 in two parts (the split exp() uses), so the sum keeps log(m)'s low bits.
    const vec log_u = xsimd::fma(k, vec(0.693359375f), xsimd::fma(two_z, s, k * vec(-2.12194440e-4f)));
    const mask exact = u == vec(1.0f);
    return xsimd::select(exact, t, log_u * (t / (u - vec(1.0f))));
  }

  // log(1 + t) for any t >= 0, +inf and NaN included. u = 1 + t rounds; log(u) comes
  // from u's exponent k and mantissa m in [0.707, 1.414) (the same atanh series as
  // above), and the rounding of u is undone to first order: log1p(t) = log(u) +
  // (t - (u - 1)) / u. About 2 ulp relative, for small t too.
  static vec log1p(const vec& t) noexcept {
    const vec one(1.0f);
    const vec u = one + t;
    const ivec bits = xsimd::bitwise_cast<ivec>(u);
    const ivec k = (bits - ivec(0x3F3504F3)) >> 23;  // 0x3F3504F3 = sqrt(1/2)
    const vec m = xsimd::bitwise_cast<vec>(bits - (k << 23));
    const vec kf = xsimd::to_float(k);
    const vec z = (m - one) / (m + one);
    const vec z2 = z * z;
    vec s = vec(1.0f / 9.0f);
    s = xsimd::fma(s, z2, vec(1.0f / 7.0f));
    s = xsimd::fma(s, z2, vec(1.0f / 5.0f));
    s = xsimd::fma(s, z2, vec(1.0f / 3.0f));
    s = xsimd::fma(s, z2, one);
    const vec log_u = xsimd::fma(kf, vec(0.693359375f), xsimd::fma(z + z, s, kf * vec(-2.12194440e-4f)));
    const vec r = log_u + (t - (u - one)) / u;
    return xsimd::select(t == vec(kInf), t, xsimd::select(t != t, t, r));
  }
};

#endif  // TRENCHCOAT_KERNEL_USES_XSIMD

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
