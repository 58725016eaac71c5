#!/usr/bin/env bash
# Static analysis of our own sources: clang-tidy (checks in .clang-tidy) and cppcheck,
# both driven by a build tree's compile_commands.json. Any finding fails the run.
#   tools/lint.sh [BUILD_DIR]          (default build/lint; configured if missing,
#                                       else regenerated with its own options)
# Only our translation units are analysed (kernels/ nn/ tools/ bench/ tests/ fuzz/),
# $LINT_JOBS at a time (default: one per core); system and third-party headers are not.
# Only configuring matters: nothing in BUILD_DIR needs to be built. A missing tree is
# configured as CI lints: clang's compile commands, with the fuzz targets, benchmarks
# and MPI backend on, so that every source we have is listed (and the keys of the
# clean-run cache, which include the flags, match CI's).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/lint}
jobs=${LINT_JOBS:-$(nproc)}
"$root/tools/setup/install-deps.sh" --lint
if [[ ! -f "$dir/compile_commands.json" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRENCHCOAT_SANITIZER=address \
    -DTRENCHCOAT_FUZZ=ON -DTRENCHCOAT_BUILD_BENCH=ON -DTRENCHCOAT_MPI=ON >/dev/null
else
  # Generated again (with the tree's own options) so that a source file added or
  # removed since the last run is in the list: nothing builds this tree, so nothing
  # else would notice a changed CMakeLists.txt.
  cmake -S "$root" -B "$dir" >/dev/null
fi

# Our translation units, as the build compiles them (generated ones excluded).
mapfile -t sources < <(python3 - "$dir/compile_commands.json" "$root" <<'PY'
import json, os, sys
root = os.path.realpath(sys.argv[2])
seen = set()
for entry in json.load(open(sys.argv[1])):
    f = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(f, root)
    if rel.split(os.sep)[0] in ("kernels", "nn", "tools", "bench", "tests", "fuzz") and f not in seen:
        seen.add(f)
        print(f)
PY
)
[[ ${#sources[@]} -gt 0 ]] || { echo "lint: no sources found in $dir/compile_commands.json" >&2; exit 1; }

status=0
# LINT_TIDY_SKIP (a grep -E pattern on paths relative to the repository, e.g. ^tests/):
# files clang-tidy leaves out (cppcheck still sees every file). CI uses it for the
# test files: see .ci/run.
tidy_sources=("${sources[@]}")
if [[ -n "${LINT_TIDY_SKIP:-}" ]]; then
  tidy_sources=()
  for f in "${sources[@]}"; do
    grep -Eq "$LINT_TIDY_SKIP" <<<"${f#"$root"/}" || tidy_sources+=("$f")
  done
  echo "--- clang-tidy leaves out $(( ${#sources[@]} - ${#tidy_sources[@]} )) files matching $LINT_TIDY_SKIP"
fi
# The clean-run cache (tools/lint_cache.py explains the keys): files whose key is in
# tools/lint-clean.txt were analysed clean exactly as they are now, and are not
# analysed again. LINT_NO_CACHE=1 analyses every file.
keys="$dir/lint-keys.txt"
# Through a file, not a process substitution, so that a failure stops the run.
printf '%s\n' "${tidy_sources[@]}" |
  python3 "$root/tools/lint_cache.py" stale "$dir" "$root" "$jobs" "$keys" ${LINT_NO_CACHE:+--all} >"$dir/lint-todo.txt"
mapfile -t todo <"$dir/lint-todo.txt"
echo "--- clang-tidy: ${#todo[@]} files ($(( ${#tidy_sources[@]} - ${#todo[@]} )) unchanged since a clean run: tools/lint-clean.txt)"
# The build tree may come from GCC: clang does not know GCC-only warning options
# (-Wno-maybe-uninitialized), which is no finding of ours.
# Through `sh -c ... || exit 1`: xargs stops starting files when a clang-tidy is killed
# by a signal (clang-tidy 14 can crash, e.g. on a file edited while it reads it); this
# way such a file fails the run and the rest are still analysed.
: >"$dir/clang-tidy.log"
if [[ ${#todo[@]} -gt 0 ]] && ! printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -n 4 sh -c \
    'clang-tidy -p "$0" --quiet --extra-arg=-Wno-unknown-warning-option "$@" || exit 1' "$dir" \
    >"$dir/clang-tidy.log" 2>&1; then
  status=1
fi
# clang-tidy prints "N warnings generated" for suppressed system-header warnings too;
# only diagnostics in our files count (and WarningsAsErrors turns them into errors).
if grep -E "^$root/.*: (warning|error):" "$dir/clang-tidy.log"; then
  status=1
elif [[ $status -ne 0 ]]; then
  tail -n 40 "$dir/clang-tidy.log"
fi
# Clean: this run's files go on record with their keys.
if [[ $status -eq 0 ]]; then python3 "$root/tools/lint_cache.py" record "$root" "$keys"; fi

echo "--- cppcheck"
# Debian's cppcheck 2.10 matches no file at all with --project plus --file-filter (not
# even an exact path), so it gets a compilation database holding our sources only.
python3 - "$dir/compile_commands.json" "$dir/cppcheck-project.json" "${sources[@]}" <<'PY'
import json, os, sys
ours = {os.path.realpath(f) for f in sys.argv[3:]}
entries = [e for e in json.load(open(sys.argv[1]))
           if os.path.realpath(os.path.join(e["directory"], e["file"])) in ours]
json.dump(entries, open(sys.argv[2], "w"))
PY
# --inline-suppr: the few accepted findings carry a `// cppcheck-suppress id` comment
# with the reason next to the code. missingIncludeSystem: cppcheck does not need
# (or parse) the standard library's headers; it has its own models of them.
# --library=googletest: cppcheck's model of GoogleTest's macros (TEST_P and friends),
# without which every test file is a syntax error to it.
if ! cppcheck --project="$dir/cppcheck-project.json" --library=googletest \
    --enable=warning,performance,portability --inline-suppr --suppress=missingIncludeSystem \
    --error-exitcode=1 -j "$jobs" --quiet --template='{file}:{line}: {severity} ({id}): {message}' \
    >"$dir/cppcheck.log" 2>&1; then
  cat "$dir/cppcheck.log"
  status=1
fi
[[ $status -eq 0 ]] && echo "lint: clean"
exit "$status"
