#!/usr/bin/env bash
# The GEMM benchmark on a fresh Debian 12 machine: installs what is missing (with the
# oneDNN / OpenBLAS baselines), builds with TRENCHCOAT_COMPARE=ON, lists the kernel
# variants and benchmarks GEMM against this machine's FMA peak and against oneDNN and
# OpenBLAS in the same run. (This was tools/run.sh before training MNIST became the
# main job.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup/install-deps.sh" --compare
"$root/tools/setup/build.sh" "$root/build/compare" -DTRENCHCOAT_COMPARE=ON
"$root/build/compare/tools/trenchcoat/trenchcoat" kernels
"$root/build/compare/bench/trenchcoat-bench" \
  --benchmark_filter='gemm/(avx512|avx2|onednn|openblas)/(NN_1024|mlp)' \
  --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
