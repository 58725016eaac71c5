#pragma once
// Vector policies for the kernels templated on "a vector of floats": xsimd batches for
// the SIMD variants, and a plain array the compiler may vectorise for the portable
// ones. Include only from ISA translation units, inside their TRENCHCOAT_KERNEL_NS.

#include <algorithm>
#include <cmath>

#ifndef TRENCHCOAT_KERNEL_NS
#error "define TRENCHCOAT_KERNEL_NS (one name per ISA translation unit) before including"
#endif

#if defined(TRENCHCOAT_KERNEL_USES_XSIMD)
// GCC 12's AVX-512 unpacks and lane extracts pass _mm512_undefined_*() (a deliberately
// self-initialised variable) as the merge source; inlined into some loops (the packing
// transposes) this trips -Werror=uninitialized inside GCC's own headers. The
// diagnostic state is taken from where the warning points, so silencing it over this
// first inclusion covers exactly those header lines (as in common/vec_ops.hpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <xsimd/xsimd.hpp>
#endif

namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS {

#if defined(TRENCHCOAT_KERNEL_USES_XSIMD)
template <class Arch>
struct XsimdVec {
  using type = xsimd::batch<float, Arch>;
  static constexpr int width = static_cast<int>(type::size);
  static type zero() noexcept { return type(0.0f); }
  static type broadcast(float x) noexcept { return type(x); }
  static type load(const float* p) noexcept { return type::load_aligned(p); }
  static type loadu(const float* p) noexcept { return type::load_unaligned(p); }
  static void storeu(float* p, const type& v) noexcept { v.store_unaligned(p); }
  static void store(float* p, const type& v) noexcept { v.store_aligned(p); }
  static type fma(const type& a, const type& b, const type& c) noexcept { return xsimd::fma(a, b, c); }
  static type mul(const type& a, const type& b) noexcept { return a * b; }
  static type add(const type& a, const type& b) noexcept { return a + b; }
  static type max(const type& a, const type& b) noexcept { return xsimd::max(a, b); }
  static float sum(const type& a) noexcept { return xsimd::hadd(a); }
  // Scalar counterpart of fma(), for loop tails: fused, like the vector one.
  static float fmas(float a, float b, float c) noexcept { return std::fma(a, b, c); }

  // The first n lanes (0 < n <= width) of p; the others read as 0 and are never
  // touched in memory, so a partial vector at the end of a row is safe.
  static type loadu_partial(const float* p, int n) noexcept {
    if constexpr (width == 16) {
      return type(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), p));
    } else {
      return type(_mm256_maskload_ps(p, lane_mask(n)));
    }
  }
  static void storeu_partial(float* p, const type& v, int n) noexcept {
    if constexpr (width == 16) {
      _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1u), v);
    } else {
      _mm256_maskstore_ps(p, lane_mask(n), v);
    }
  }

 private:
  // AVX2 masks are vectors: lane i is enabled when its sign bit is set.
  static __m256i lane_mask(int n) noexcept {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
};
#endif

// W floats in a struct: portable C++ whose loops GCC turns into baseline SSE code.
// The x86-64 baseline has no FMA instruction (std::fma would be a library call per
// element), so this policy multiplies and adds with two roundings, in vector bodies
// and scalar tails alike.
template <int W>
struct ArrayVec {
  // Results are value-initialised (type r{}) before every lane is written: the
  // compiler drops the dead zeroing, and no reader (or cppcheck) has to prove that
  // the loop covers every lane.
  struct type {
    float v[W];
  };
  static constexpr int width = W;
  static type zero() noexcept { return broadcast(0.0f); }
  static type broadcast(float x) noexcept {
    type r{};
    for (int i = 0; i < W; ++i) r.v[i] = x;
    return r;
  }
  static type load(const float* p) noexcept { return loadu(p); }
  static type loadu(const float* p) noexcept {
    type r{};
    for (int i = 0; i < W; ++i) r.v[i] = p[i];
    return r;
  }
  static void storeu(float* p, const type& x) noexcept {
    for (int i = 0; i < W; ++i) p[i] = x.v[i];
  }
  static void store(float* p, const type& x) noexcept { storeu(p, x); }
  static type fma(const type& a, const type& b, const type& c) noexcept {
    type r{};
    for (int i = 0; i < W; ++i) r.v[i] = a.v[i] * b.v[i] + c.v[i];
    return r;
  }
  static type mul(const type& a, const type& b) noexcept {
    type r{};
    for (int i = 0; i < W; ++i) r.v[i] = a.v[i] * b.v[i];
    return r;
  }
  static type add(const type& a, const type& b) noexcept {
    type r{};
    for (int i = 0; i < W; ++i) r.v[i] = a.v[i] + b.v[i];
    return r;
  }
  static type max(const type& a, const type& b) noexcept {
    type r{};
    for (int i = 0; i < W; ++i) r.v[i] = std::max(a.v[i], b.v[i]);
    return r;
  }
  static float sum(const type& a) noexcept {
    float s = 0.0f;
    for (int i = 0; i < W; ++i) s += a.v[i];
    return s;
  }
  static float fmas(float a, float b, float c) noexcept { return a * b + c; }
  static type loadu_partial(const float* p, int n) noexcept {
    type r = zero();
    for (int i = 0; i < n; ++i) r.v[i] = p[i];
    return r;
  }
  static void storeu_partial(float* p, const type& x, int n) noexcept {
    for (int i = 0; i < n; ++i) p[i] = x.v[i];
  }
};

}  // namespace trenchcoat::detail::TRENCHCOAT_KERNEL_NS
