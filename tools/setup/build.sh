#!/usr/bin/env bash
# Configures (once) and builds one build tree.
#   tools/setup/build.sh [BUILD_DIR] [extra cmake -D options...]
# BUILD_DIR defaults to build/release. Reconfigures when options are given.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/build/release}
shift || true
if [[ ! -f "$dir/CMakeCache.txt" || $# -gt 0 ]]; then
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
cmake --build "$dir" -j "$(nproc)"
