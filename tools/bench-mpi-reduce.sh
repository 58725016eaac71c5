#!/usr/bin/env bash
# The cross-rank gradient reduction alone (bench/mpi_reduce_bench.cpp) on 1..4 ranks
# of this machine, reproducible versus fast, one JSON object per line in
# <build>/mpi-reduce.jsonl (and on stdout). docs/scaling.md fits its model to these.
#   tools/bench-mpi-reduce.sh [BUILD_DIR] [MAX_RANKS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
max_ranks=${2:-4}
bench=$build/bench/trenchcoat-mpi-reduce-bench
if [[ ! -x $bench ]]; then
  echo "no $bench: configure with MPI (tools/setup/install-deps.sh --mpi) and build trenchcoat-mpi-reduce-bench" >&2
  exit 1
fi
out=$build/mpi-reduce.jsonl
: > "$out"
for ranks in $(seq 1 "$max_ranks"); do
  # --oversubscribe: more ranks than cores is allowed (this is a 2-core machine);
  # --allow-run-as-root: CI runs as root.
  mpirun --allow-run-as-root --oversubscribe -np "$ranks" "$bench" | tee -a "$out"
done
echo "wrote $out" >&2
