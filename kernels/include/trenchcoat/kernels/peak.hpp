#pragma once
// This machine's ceilings, measured by the library itself so that benchmarks can
// report a fraction of peak from the same run (absolute speeds drift on a noisy
// machine; ratios measured together hold).

#include <cstddef>

#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat {

// Single-precision FMA throughput (GFLOP/s, one FMA = 2 flops) of `threads` threads
// each running independent FMA chains with `isa`'s widest vectors, for about
// `seconds`. Throws std::invalid_argument when the CPU lacks `isa`.
double measure_fma_peak_gflops(Isa isa, int threads, double seconds = 0.2);

// The same, cached per (isa, threads) for the life of the process.
double fma_peak_gflops(Isa isa, int threads);

// Streaming memory bandwidth in GB/s (bytes read + bytes written, 1 GB = 1e9 bytes)
// of `threads` threads, each sweeping its own slice of arrays far larger than the
// last-level cache with a scale loop (a[i] = q b[i]) and a triad (a[i] = b[i] + q c[i]),
// ordinary stores, best pass of each; returns the better of the two. Write-allocate
// reads of the destination are not counted (nor are they for the kernels compared with
// it). `bytes_per_array` 0 means 128 MiB; runs for about `seconds`. Throws
// std::invalid_argument for threads < 1.
double measure_stream_gbps(int threads, double seconds = 0.3, std::size_t bytes_per_array = 0);

// The same, cached per thread count for the life of the process.
double stream_gbps(int threads);

// Read bandwidth in GB/s of `threads` threads, each summing its own block of
// `bytes_per_thread` bytes over and over with `isa`'s widest vectors, for about
// `seconds`. A block that fits in a core's L1 (L2) gives the L1 (L2) bandwidth: the
// ceiling of kernels whose operands stay there. Throws std::invalid_argument when the
// CPU lacks `isa` or threads < 1.
double measure_cache_read_gbps(Isa isa, int threads, std::size_t bytes_per_thread, double seconds = 0.2);

// Size in bytes of one core's data (or unified) cache of `level` (1, 2, 3) as Linux
// reports it for cpu 0 (sysfs, else glibc's CPUID reading); 0 when unknown.
std::size_t data_cache_bytes(int level);

}  // namespace trenchcoat
