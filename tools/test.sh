#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing,
# configures and builds (Release), fetches MNIST (the end-to-end test trains on it),
# then runs every test with ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# --mpi: Open MPI, so the build includes `train --distributed` and its tests run.
# --plot: matplotlib, so the test of tools/plot.py runs rather than skips.
"$root/tools/setup/install-deps.sh" --data --mpi --plot
"$root/tools/setup/build.sh" "$root/build/release"
"$root/tools/setup/fetch-mnist.sh"
# With the data fetched, a missing MNIST is a failure of the end-to-end test, not a skip.
TRENCHCOAT_REQUIRE_DATA=1 ctest --test-dir "$root/build/release" --output-on-failure -j "$(nproc)"
