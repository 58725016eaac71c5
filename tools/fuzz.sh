#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cpp) with clang and runs each for a
# bounded time on its seed corpus (fuzz/corpus/<name>/). Any crash, sanitizer report,
# leak, timeout, out-of-memory or over-large allocation fails the run; the input that
# caused it is left in <build dir>/artifacts/.
#   tools/fuzz.sh [BUILD_DIR] [SECONDS_PER_TARGET]     (defaults: build/fuzz 30)
# New inputs the fuzzer finds go to <build dir>/corpus/<name>/, never into the repo:
# copy one into fuzz/corpus/ by hand when it is worth keeping as a seed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/fuzz}
seconds=${2:-30}
"$root/tools/setup/install-deps.sh" --fuzz

# A clang ASan + UBSan tree with the fuzz targets (TRENCHCOAT_FUZZ). .ci/run hands in
# the tree it already built for the sanitizer tests; alone, this makes its own.
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRENCHCOAT_SANITIZER=address -DTRENCHCOAT_FUZZ=ON -DTRENCHCOAT_BUILD_TESTS=OFF \
    -DTRENCHCOAT_BUILD_BENCH=OFF >/dev/null
fi
targets=()
for source in "$root"/fuzz/*_fuzz.cpp; do targets+=("$(basename "$source" .cpp)"); done
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"

# The largest single allocation each target may make, in MB, from the largest input
# it is given (-max_len) and what its parser may allocate for it:
#   model_spec: a spec of a few KiB makes a vector of layers and strings; 16 MB is
#               thousands of times that;
#   checkpoint: decoding allocates no more than the file's size (checkpoint.hpp),
#               and the model built from it holds the same parameters again;
#               64 KiB inputs -> far below 16 MB;
#   idx:        a plain file's payload must be in the input; a gzip'd one may claim at
#               most 1032 x its compressed size (deflate's maximum ratio, checked by
#               the reader before it allocates), so 16 KiB inputs -> <= 17 MB, 32 MB
#               leaves room for the input copies around it.
#   cli_args:   an argument list of a few KiB parsed into flags and a plan; the model
#               is only described, never allocated, so 16 MB is ample.
declare -A malloc_limit=([model_spec]=16 [checkpoint]=16 [idx]=32 [cli_args]=16)
declare -A max_len=([model_spec]=4096 [checkpoint]=65536 [idx]=16384 [cli_args]=4096)

mkdir -p "$dir/artifacts"
# One libFuzzer process is one thread: $FUZZ_JOBS targets (default: one per core) run
# side by side, each for the whole of its time. Results are reported in name order.
jobs=${FUZZ_JOBS:-$(nproc)}
fuzz_one() {
  local name=$1 work="$dir/corpus/$1"
  mkdir -p "$work"
  # ASan/UBSan reports abort the run (and so fail it); leaks are reported at exit of
  # each input by libFuzzer's own leak check (-detect_leaks=1).
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" \
    "$dir/fuzz/${name}_fuzz" "$work" "$root/fuzz/corpus/$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb="${malloc_limit[$name]:-16}" -max_len="${max_len[$name]:-4096}" \
    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name-" \
    >"$dir/$name.log" 2>&1
}
names=()
for source in "$root"/fuzz/*_fuzz.cpp; do names+=("$(basename "$source" _fuzz.cpp)"); done
status=0
for ((first = 0; first < ${#names[@]}; first += jobs)); do
  batch=("${names[@]:first:jobs}")
  pids=()
  for name in "${batch[@]}"; do
    echo "--- fuzz $name: ${seconds} s"
    fuzz_one "$name" &
    pids+=($!)
  done
  for i in "${!batch[@]}"; do
    name=${batch[$i]}
    if ! wait "${pids[$i]}"; then
      echo "fuzz $name FAILED; the last lines of $dir/$name.log:"
      tail -n 60 "$dir/$name.log"
      status=1
    else
      echo "fuzz $name: $(grep -E "^stat::(number_of_executed_units|new_units_added)" "$dir/$name.log" | tr -s ' \n' ' ')"
    fi
  done
done
exit "$status"
