#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing,
# configures and builds (Release), then runs every test with ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup/install-deps.sh"
"$root/tools/setup/build.sh" "$root/build/release"
ctest --test-dir "$root/build/release" --output-on-failure -j "$(nproc)"
