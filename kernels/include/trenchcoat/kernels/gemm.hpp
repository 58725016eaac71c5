#pragma once
// Single-precision GEMM: C = act(alpha * op(A) * op(B) + beta * C + bias).
//
// Row-major storage with explicit leading dimensions (distance in floats between
// consecutive rows), so sub-matrix views work. op(X) is X or its transpose:
//   op(A) is m x k (stored m x k when ta == N, k x m when ta == T),
//   op(B) is k x n (stored k x n when tb == N, n x k when tb == T),
//   C is m x n.
// beta == 0 never reads C (it may hold NaN or garbage). The optional epilogue adds a
// bias row vector (n floats, broadcast over the rows) and then applies an activation,
// while the tile is still in registers.
//
// Determinism: threads split the m x n output, never k, and the order in which each
// output element is summed depends only on (m, n, k) and the variant, so the result
// is bit-identical for any thread count.

#include <cstdint>
#include <span>

#include "trenchcoat/kernels/context.hpp"
#include "trenchcoat/kernels/registry.hpp"

namespace trenchcoat {

enum class Trans : std::uint8_t { N, T };

enum class EpilogueActivation : std::uint8_t { identity, relu };

struct GemmEpilogue {
  const float* bias = nullptr;  // n floats, or nullptr for none
  EpilogueActivation activation = EpilogueActivation::identity;
};

// A validated problem, as handed to a variant's function.
struct GemmProblem {
  Trans ta = Trans::N;
  Trans tb = Trans::N;
  std::int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  std::int64_t lda = 0;
  const float* b = nullptr;
  std::int64_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  std::int64_t ldc = 0;
  GemmEpilogue epilogue{};
};

using GemmFn = void (*)(Context& ctx, const GemmProblem& problem);
using GemmVariant = Variant<GemmFn>;

// The GEMM family, in registry order.
std::span<const GemmVariant> gemm_variants();

// Runs the Context's selected GEMM variant. Throws std::invalid_argument when a size
// is negative, a leading dimension is too small for its operand, a pointer is null
// while its operand is non-empty, sizes overflow, or C overlaps A, B or the bias.
void gemm(Context& ctx, Trans ta, Trans tb, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
          float beta, float* c, std::int64_t ldc, const GemmEpilogue& epilogue = {});

// Same, with a specific registry entry instead of the Context's choice.
void gemm(const GemmVariant& variant, Context& ctx, const GemmProblem& problem);

// Validation alone (what gemm() checks before running anything).
void validate_gemm(const GemmProblem& problem);

}  // namespace trenchcoat
