#pragma once
// The contract between the portable GEMM driver (gemm_driver.cpp: the loops around
// the micro-kernel, threading, buffers) and one ISA's compiled kernels
// (gemm_<isa>.cpp). Only plain function pointers cross it, so no template compiled
// with AVX-512 flags can be picked by the linker for code that runs on other CPUs.
//
// Packed layouts (BLIS): op(A) rows [i0, i0+mc) x depth [p0, p0+kc) are stored as
// ceil(mc/MR) micro-panels, each kc x MR floats, k-major (panel[k*MR + r]); op(B)
// depth [p0, p0+kc) x columns [j0, j0+nc) as ceil(nc/NR) micro-panels of kc x NR
// floats (panel[k*NR + c]), zero-padded past the edge.
//
// Packing costs a pass over the operand; it pays off only when the packed block is
// reused many times. The driver therefore reads an operand in place when it is used
// once or twice (a GEMM whose other dimension is a single panel, as in an MLP's small
// layers and shards), and packs it otherwise.

#include <cstdint>

#include "trenchcoat/kernels/gemm.hpp"

namespace trenchcoat::detail {

struct GemmBlocking {
  int mr;  // micro-tile rows
  int nr;  // micro-tile columns
  int mc;  // rows of packed A per block (MC x KC ~ half of L2)
  int kc;  // depth per packed block (KC x NR micro-panel ~ half of L1)
  int nc;  // columns of packed B per block (KC x NC in L2/L3)
};

// How a block of C is updated from the depth range [p0, p0+kc) of the sum.
struct GemmBlockUpdate {
  bool first;  // p0 == 0: C = alpha*acc + beta*C (C not read when beta == 0)
  bool last;   // p0 + kc == k: apply bias and activation after accumulating
};

// Where the macro-kernel reads its operands from.
struct GemmPanels {
  const float* a_packed;  // the packed mc x kc block of op(A), or nullptr: read A in place
  const float* b_packed;  // the packed kc x nc block of op(B), or nullptr: read B in place
                          // (only when tb == N: its rows are then contiguous)
  float* edge;            // kc x NR scratch for the partial last panel of an unpacked B
};

struct GemmKernelSet {
  GemmBlocking blocking;
  void (*pack_a)(const GemmProblem& p, std::int64_t i0, std::int64_t mc, std::int64_t p0,
                 std::int64_t kc, float* dst);
  void (*pack_b)(const GemmProblem& p, std::int64_t p0, std::int64_t kc, std::int64_t j0,
                 std::int64_t nc, float* dst);
  // C[i0:i0+mc, j0:j0+nc] updated with depth range [p0, p0+kc) of the sum.
  void (*macro)(const GemmProblem& p, const GemmPanels& panels, std::int64_t i0, std::int64_t mc,
                std::int64_t j0, std::int64_t nc, std::int64_t p0, std::int64_t kc,
                GemmBlockUpdate update);
  // Matrix-vector products, for m == 1 or n == 1 (memory-bound: no packing). Computes
  // outputs [lo, hi) of the vector result; the summation order depends on k only.
  void (*gemv)(const GemmProblem& p, std::int64_t lo, std::int64_t hi);
};

// Runs a problem with one ISA's kernels, on the Context's threads when worthwhile.
void run_tiled_gemm(const GemmKernelSet& kernels, Context& ctx, const GemmProblem& p);

// Applies C = act(beta*C + bias) when k == 0 or alpha == 0 (no product to add).
void gemm_scale_only(const GemmProblem& p);

extern const GemmKernelSet kGemmBlocked;
#if defined(TRENCHCOAT_HAVE_AVX2)
extern const GemmKernelSet kGemmAvx2;
extern const GemmKernelSet kGemmAvx2Wide;  // the 4 x 24 tile avx2 uses on large problems
#endif
#if defined(TRENCHCOAT_HAVE_AVX512)
extern const GemmKernelSet kGemmAvx512;
#endif

}  // namespace trenchcoat::detail
