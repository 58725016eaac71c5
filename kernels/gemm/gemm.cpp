// GEMM front end: validates a call, then hands it to the selected variant.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("gemm: " + what); }

std::string trans_name(Trans t) { return t == Trans::N ? "N" : "T"; }

// Address range [first, last) touched by a rows x cols row-major operand with
// leading dimension ld; rows, cols > 0. Throws on overflow.
struct Extent {
  std::uintptr_t first, last;
};
Extent extent_of(const char* name, const float* base, std::int64_t rows, std::int64_t cols,
                 std::int64_t ld) {
  std::int64_t span = 0;
  if (__builtin_mul_overflow(rows - 1, ld, &span) || __builtin_add_overflow(span, cols, &span) ||
      span > static_cast<std::int64_t>(INTPTR_MAX / static_cast<std::int64_t>(sizeof(float)))) {
    fail(std::string(name) + " is too large: " + std::to_string(rows) + " rows with leading dimension " +
         std::to_string(ld) + " overflow the address space");
  }
  const auto first = reinterpret_cast<std::uintptr_t>(base);
  std::uintptr_t last = 0;
  if (__builtin_add_overflow(first, static_cast<std::uintptr_t>(span) * sizeof(float), &last)) {
    fail(std::string(name) + " extends past the end of the address space");
  }
  return {first, last};
}

bool overlaps(const Extent& x, const Extent& y) { return x.first < y.last && y.first < x.last; }

// shape_note() explains the stored shape; it is called only to build an error message
// (formatting it on every call cost a few hundred nanoseconds, more than a whole
// 128 x 10 x 128 GEMM's packing).
template <class Note>
void check_operand(const char* name, const float* ptr, std::int64_t rows, std::int64_t cols,
                   std::int64_t ld, const char* ld_name, const Note& shape_note) {
  if (ld < std::max<std::int64_t>(1, cols)) {
    fail(std::string(ld_name) + " = " + std::to_string(ld) + " is smaller than the " +
         std::to_string(cols) + " columns stored per row of " + name + shape_note());
  }
  if (rows > 0 && cols > 0 && ptr == nullptr) {
    fail(std::string(name) + " is null but holds " + std::to_string(rows) + " x " + std::to_string(cols) +
         " elements");
  }
}

}  // namespace

void validate_gemm(const GemmProblem& p) {
  if (p.m < 0) fail("m = " + std::to_string(p.m) + " is negative");
  if (p.n < 0) fail("n = " + std::to_string(p.n) + " is negative");
  if (p.k < 0) fail("k = " + std::to_string(p.k) + " is negative");
  // Stored shapes of A and B depend on the transposition flags.
  const std::int64_t a_rows = p.ta == Trans::N ? p.m : p.k;
  const std::int64_t a_cols = p.ta == Trans::N ? p.k : p.m;
  const std::int64_t b_rows = p.tb == Trans::N ? p.k : p.n;
  const std::int64_t b_cols = p.tb == Trans::N ? p.n : p.k;
  const auto a_note = [&] {
    return " (A stored " + std::to_string(a_rows) + " x " + std::to_string(a_cols) + " for op(A) = " +
           trans_name(p.ta) + ", m = " + std::to_string(p.m) + ", k = " + std::to_string(p.k) + ")";
  };
  const auto b_note = [&] {
    return " (B stored " + std::to_string(b_rows) + " x " + std::to_string(b_cols) + " for op(B) = " +
           trans_name(p.tb) + ", k = " + std::to_string(p.k) + ", n = " + std::to_string(p.n) + ")";
  };
  const auto c_note = [&] { return " (C is " + std::to_string(p.m) + " x " + std::to_string(p.n) + ")"; };
  check_operand("A", p.a, a_rows, a_cols, p.lda, "lda", a_note);
  check_operand("B", p.b, b_rows, b_cols, p.ldb, "ldb", b_note);
  check_operand("C", p.c, p.m, p.n, p.ldc, "ldc", c_note);
  if (p.m == 0 || p.n == 0) return;
  if (!std::isfinite(p.alpha) || !std::isfinite(p.beta)) {
    fail("alpha and beta must be finite (alpha = " + std::to_string(p.alpha) +
         ", beta = " + std::to_string(p.beta) + ")");
  }
  const Extent c = extent_of("C", p.c, p.m, p.n, p.ldc);
  if (p.k > 0) {
    const Extent a = extent_of("A", p.a, a_rows, a_cols, p.lda);
    const Extent b = extent_of("B", p.b, b_rows, b_cols, p.ldb);
    if (overlaps(a, c)) fail("C overlaps A in memory; the output must not alias an input");
    if (overlaps(b, c)) fail("C overlaps B in memory; the output must not alias an input");
  }
  if (p.epilogue.bias != nullptr) {
    const Extent bias = extent_of("bias", p.epilogue.bias, 1, p.n, p.n);
    if (overlaps(bias, c)) fail("C overlaps the bias vector in memory");
  }
}

void gemm(const GemmVariant& variant, Context& ctx, const GemmProblem& problem) {
  validate_gemm(problem);
  require_cpu_supports(variant.info.isa);
  variant.fn(ctx, problem);
}

void gemm(Context& ctx, Trans ta, Trans tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
          const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
          std::int64_t ldc, const GemmEpilogue& epilogue) {
  const GemmProblem p{ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue};
  validate_gemm(p);
  gemm_variants()[ctx.variant_index(KernelFamily::gemm)].fn(ctx, p);
}

}  // namespace trenchcoat
