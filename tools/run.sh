#!/usr/bin/env bash
# trenchcoat's main job on a fresh Debian 12 machine: installs what is missing, builds,
# lists the kernel variants and benchmarks GEMM against this machine's FMA peak
# (and against oneDNN / OpenBLAS when they are installed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup/install-deps.sh" --compare
"$root/tools/setup/build.sh" "$root/build/compare" -DTRENCHCOAT_COMPARE=ON
"$root/build/compare/tools/trenchcoat/trenchcoat" kernels
"$root/build/compare/bench/trenchcoat-bench" \
  --benchmark_filter='gemm/(avx512|avx2|onednn|openblas)/(NN_1024|mlp)' \
  --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
