// The loops around the micro-kernel (Goto/BLIS), written once for every ISA, and the
// threading over the output. Compiled for the x86-64 baseline: everything
// ISA-specific is behind the GemmKernelSet function pointers.
//
// Threads split the m x n output into rectangular tasks; each task runs the serial
// five-loop algorithm on its rectangle, packing its own slices of A and B into its
// thread's scratch. Nothing splits k, and every output element is computed by the
// same micro-kernel arithmetic whatever rectangle it lands in, so the result does
// not depend on the number of threads.

#include <algorithm>
#include <cstdint>
#include <limits>

#include "common/parallel.hpp"
#include "gemm_kernel_set.hpp"

namespace trenchcoat::detail {
namespace {

// Below this many floating-point operations a GEMM runs on the calling thread:
// waking a worker and joining it costs more than it saves. 2 MFLOP is about 10 us of
// one core's work. Measured since (this 2-core VM, helpers' jobs stopped, medians of
// 5 interleaved runs, 1 vs 2 threads): flops alone do not decide it. At 2.6 MFLOP,
// 256x10x512 gains 88 -> 147 GFLOP/s and 512x10x256 (TN) 70 -> 123, but 256x512x10
// (K = 10) loses 121 -> 95; at 4.2 MFLOP 128^3 gains nothing (147 vs 146; a harness of
// 2000 back-to-back calls: 21.0 us vs 15.6-22.6 us over two runs), while 160^3
// (8.2 MFLOP) gains 47.0 -> 27.5 us. What loses is a split whose threads each
// repack all of B (128^3) or write a C much larger than their FMAs (K = 10); a cost
// model of packing and C traffic per thread should replace this constant (issue 2).
constexpr std::int64_t kParallelMinFlops = std::int64_t{1} << 21;

// A matrix-vector product is memory-bound; split it only when the matrix is large
// enough that a second core's bandwidth outweighs the wake-up (~1 MiB of floats).
constexpr std::int64_t kGemvParallelMinElements = std::int64_t{1} << 18;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// An operand block is packed when the micro-kernel will read it at least this many
// times (once per panel of the other operand); below that, packing costs more than
// the in-place reads it saves. Measured on the MLP and shard shapes
// (bench/gemm_shapes.hpp), runs interleaved: reading B in place for a 32-row shard
// (4 row panels) is 13% faster than packing it (157 -> 179 GFLOP/s); reading A in
// place for 128x128x784 (3 column panels) beats packing it by 15%.
constexpr std::int64_t kPackAMinReuse = 4;
constexpr std::int64_t kPackBMinReuse = 5;
// When the grid has several row strips, every strip packs the whole of B for itself
// at the same time as the others, and packing stops paying sooner: 128x128x784 on
// 2 threads (two strips of 8 row panels) took 86-100 us packing B and 71-76 us
// reading it in place (medians of 2000 calls, run twice, interleaved). Strips of 16
// row panels gain from reading in place too: on 2 threads (medians of 5 runs of
// 1500 calls, interleaved), 256x512x512 346 -> 363 GFLOP/s and 256x512x784
// 334 -> 357, while 128x512x512 and 256^3 were unchanged (371-375 either way); 1024^3
// and larger keep packing (64 row panels per strip and more).
constexpr std::int64_t kPackBMinReuseSharedB = 17;

// Depth blocks of (nearly) equal size no larger than the kernel's KC: 784 becomes
// 4 x 196 rather than 3 x 256 + 16, so no block is a sliver that pays the full cost
// of updating C for a few FMAs. Depends on k alone, hence the same for any split.
std::int64_t depth_block(std::int64_t k, std::int64_t kc) {
  const std::int64_t blocks = ceil_div(k, kc);
  return ceil_div(k, blocks);
}

// The serial algorithm on rows [i0, i1) x columns [j0, j1) of C.
// other_strips: other rectangles of the grid cover the same columns (and pack the
// same B) at the same time.
void gemm_rectangle(const GemmKernelSet& ks, Context& ctx, const GemmProblem& p, std::int64_t i0,
                    std::int64_t i1, std::int64_t j0, std::int64_t j1, bool other_strips) {
  const GemmBlocking& bl = ks.blocking;
  const int slot = ctx.current_slot();
  const std::int64_t kc_step = depth_block(p.k, bl.kc);
  // Packed blocks hold whole micro-panels: round up after clamping to the block size
  // (which need not be a multiple of the tile).
  const std::int64_t mc_max = ceil_div(std::min<std::int64_t>(bl.mc, i1 - i0), bl.mr) * bl.mr;
  const std::int64_t nc_max = ceil_div(std::min<std::int64_t>(bl.nc, j1 - j0), bl.nr) * bl.nr;
  // B is read once per row panel of A in its block, A once per column panel of B.
  const std::int64_t b_min_reuse = other_strips ? kPackBMinReuseSharedB : kPackBMinReuse;
  const bool pack_b = p.tb == Trans::T || ceil_div(i1 - i0, bl.mr) >= b_min_reuse;
  const bool pack_a = ceil_div(nc_max, bl.nr) >= kPackAMinReuse;
  float* a_packed = pack_a ? ctx.scratch(slot, 0, static_cast<std::size_t>(mc_max * kc_step)) : nullptr;
  float* b_packed = pack_b ? ctx.scratch(slot, 1, static_cast<std::size_t>(nc_max * kc_step)) : nullptr;
  float* edge = pack_b ? nullptr : ctx.scratch(slot, 2, static_cast<std::size_t>(bl.nr * kc_step));
  for (std::int64_t jc = j0; jc < j1; jc += bl.nc) {
    const std::int64_t nc = std::min<std::int64_t>(bl.nc, j1 - jc);
    for (std::int64_t pc = 0; pc < p.k; pc += kc_step) {
      const std::int64_t kc = std::min<std::int64_t>(kc_step, p.k - pc);
      const GemmBlockUpdate update{pc == 0, pc + kc == p.k};
      if (pack_b) ks.pack_b(p, pc, kc, jc, nc, b_packed);
      for (std::int64_t ic = i0; ic < i1; ic += bl.mc) {
        const std::int64_t mc = std::min<std::int64_t>(bl.mc, i1 - ic);
        if (pack_a) ks.pack_a(p, ic, mc, pc, kc, a_packed);
        ks.macro(p, GemmPanels{a_packed, b_packed, edge}, ic, mc, jc, nc, pc, kc, update);
      }
    }
  }
}

struct Grid {
  std::int64_t tasks_m, tasks_n;  // rectangles along m and along n
  std::int64_t step_m, step_n;    // rows / columns per rectangle (multiples of the tile)
};

// Picks a tasks_m x tasks_n split with at least `want` rectangles that minimises the
// packing the split duplicates: each of the tasks_n column strips re-packs its rows
// of A, and each of the tasks_m row strips re-packs its columns of B.
Grid choose_grid(const GemmBlocking& bl, const GemmProblem& p, std::int64_t want) {
  const std::int64_t tiles_m = ceil_div(p.m, bl.mr);
  const std::int64_t tiles_n = ceil_div(p.n, bl.nr);
  Grid best{1, 1, tiles_m * bl.mr, tiles_n * bl.nr};
  double best_cost = std::numeric_limits<double>::infinity();
  for (std::int64_t tm = 1; tm <= std::min(tiles_m, want); ++tm) {
    const std::int64_t tn = std::min(tiles_n, ceil_div(want, tm));
    if (tm * tn < std::min(want, tiles_m * tiles_n)) continue;
    const std::int64_t step_m = ceil_div(tiles_m, tm) * bl.mr;
    const std::int64_t step_n = ceil_div(tiles_n, tn) * bl.nr;
    const std::int64_t real_tm = ceil_div(p.m, step_m);
    const std::int64_t real_tn = ceil_div(p.n, step_n);
    // Packing work, plus the imbalance of the largest rectangle (in units of output).
    const double packing = static_cast<double>(real_tn) * static_cast<double>(p.m * p.k) +
                           static_cast<double>(real_tm) * static_cast<double>(p.k * p.n);
    const double critical = static_cast<double>(step_m * step_n) * static_cast<double>(p.k) *
                            static_cast<double>(want) / 8.0;
    const double cost = packing + critical;
    if (cost < best_cost) {
      best_cost = cost;
      best = Grid{real_tm, real_tn, step_m, step_n};
    }
  }
  return best;
}

void run_gemv(const GemmKernelSet& ks, Context& ctx, const GemmProblem& p) {
  const std::int64_t outputs = p.m == 1 ? p.n : p.m;
  const std::int64_t elements = outputs * p.k;
  if (ctx.threads() == 1 || elements < kGemvParallelMinElements || outputs < 64) {
    run_here([&] { ks.gemv(p, 0, outputs); });
    return;
  }
  // Chunks of 64 outputs: aligned, and never a reason for a different summation order.
  const std::int64_t chunks = ceil_div(outputs, 64);
  run_tasks(ctx, chunks, [&](std::int64_t first, std::int64_t last) {
    ks.gemv(p, first * 64, std::min(outputs, last * 64));
  });
}

}  // namespace

void gemm_scale_only(const GemmProblem& p) {
  for (std::int64_t i = 0; i < p.m; ++i) {
    float* c = p.c + i * p.ldc;
    for (std::int64_t j = 0; j < p.n; ++j) {
      float x = p.beta == 0.0f ? 0.0f : p.beta * c[j];
      if (p.epilogue.bias != nullptr) x += p.epilogue.bias[j];
      if (p.epilogue.activation == EpilogueActivation::relu) x = std::max(x, 0.0f);
      c[j] = x;
    }
  }
}

void run_tiled_gemm(const GemmKernelSet& ks, Context& ctx, const GemmProblem& p) {
  if (p.m == 0 || p.n == 0) return;
  if (p.k == 0 || p.alpha == 0.0f) {
    gemm_scale_only(p);
    return;
  }
  if (p.m == 1 || p.n == 1) {
    run_gemv(ks, ctx, p);
    return;
  }
  const std::int64_t flops = 2 * p.m * p.n * p.k;
  if (ctx.threads() == 1 || flops < kParallelMinFlops) {
    run_here([&] { gemm_rectangle(ks, ctx, p, 0, p.m, 0, p.n, false); });
    return;
  }
  const Grid g = choose_grid(ks.blocking, p, ctx.threads());
  const std::int64_t tasks = g.tasks_m * g.tasks_n;
  run_tasks(ctx, tasks, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t i0 = (t / g.tasks_n) * g.step_m;
      const std::int64_t j0 = (t % g.tasks_n) * g.step_n;
      gemm_rectangle(ks, ctx, p, i0, std::min(p.m, i0 + g.step_m), j0, std::min(p.n, j0 + g.step_n),
                     g.tasks_m > 1);
    }
  });
}

}  // namespace trenchcoat::detail
