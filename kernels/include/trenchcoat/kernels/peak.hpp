#pragma once
// This machine's ceilings, measured by the library itself so that benchmarks can
// report a fraction of peak from the same run (absolute speeds drift on a noisy
// machine; ratios measured together hold).

#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat {

// Single-precision FMA throughput (GFLOP/s, one FMA = 2 flops) of `threads` threads
// each running independent FMA chains with `isa`'s widest vectors, for about
// `seconds`. Throws std::invalid_argument when the CPU lacks `isa`.
double measure_fma_peak_gflops(Isa isa, int threads, double seconds = 0.2);

// The same, cached per (isa, threads) for the life of the process.
double fma_peak_gflops(Isa isa, int threads);

}  // namespace trenchcoat
