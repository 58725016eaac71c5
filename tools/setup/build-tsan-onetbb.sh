#!/usr/bin/env bash
# Builds oneTBB's libtbb with ThreadSanitizer into PREFIX, from Debian's own source
# package of the installed libtbb-dev (the same version, Debian's patches applied, so
# the headers a TSan tree compiles against and the library it runs are one oneTBB):
#   tools/setup/build-tsan-onetbb.sh [PREFIX]     (default: build/tsan-onetbb in the checkout)
# then configure the TSan tree with -DTBB_DIR=PREFIX/lib/cmake/TBB (README, .ci/run).
# Debian's libtbb is not instrumented: TSan cannot see the ordering its scheduler
# provides, and reports every hand-off between a parallel_for's caller and its tasks.
#
# Source: `apt-get source`, with a private apt state under PREFIX/apt whose only
# entries are the system's `deb` entries as `deb-src` (/etc/apt and /var/lib/apt are
# not touched). apt checks what it downloads: the suite's InRelease against the
# archive keyring, the Sources index against its hash there, the .dsc and tarballs
# against theirs in the index; any mismatch fails. dpkg-source then unpacks them and
# applies Debian's patches.
#
# Build: clang (the compiler of CI's sanitizer stages), -O2 with line tables (TSan's
# reports name oneTBB's frames), libtbb alone: no tbbmalloc, tbbbind, tests or
# examples. ~40 s on 2 cores here, download included. The result must import TSan's
# hooks (__tsan_*), or the script fails. Idempotent: a PREFIX already built from this
# version is kept. Needs clang, cmake, make, dpkg-dev and xz-utils
# (tools/setup/install-deps.sh --tsan).
set -euo pipefail
# Absolute ($PWD's spelling), . and .. resolved, symbolic links kept: as CMake sees it.
prefix=${1:-$(dirname "$0")/../../build/tsan-onetbb}
[[ "$prefix" == /* ]] || prefix="$PWD/$prefix"
prefix=$(realpath -ms "$prefix")
jobs=${JOBS:-2}

package=$(dpkg-query -W -f='${source:Package}' libtbb-dev)
version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
stamp="$prefix/built-from"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$package $version" && -f "$prefix/lib/cmake/TBB/TBBConfig.cmake" ]]; then
  echo "build-tsan-onetbb: $prefix already holds $package $version"
  exit 0
fi
[[ "$prefix" != / ]] || { echo "build-tsan-onetbb: PREFIX must not be /" >&2; exit 2; }
rm -rf "$prefix"
mkdir -p "$prefix"/apt/{lists/partial,cache/archives/partial,sources.list.d} "$prefix/src"

# The system's binary sources, as source entries (deb822 files and one-line lists).
: >"$prefix/apt/sources.list"
for f in /etc/apt/sources.list.d/*.sources; do
  if [[ -f "$f" ]]; then sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$prefix/apt/sources.list.d/$(basename "$f")"; fi
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  if [[ -f "$f" ]]; then sed -nE 's/^deb[[:space:]]/deb-src /p' "$f" >>"$prefix/apt/sources.list"; fi
done
apt_options=(-o "Dir::Etc::SourceList=$prefix/apt/sources.list" -o "Dir::Etc::SourceParts=$prefix/apt/sources.list.d"
             -o "Dir::State::Lists=$prefix/apt/lists" -o "Dir::Cache=$prefix/apt/cache" -qq)
# As root apt downloads as the user _apt, who cannot write under PREFIX.
[[ $(id -u) -eq 0 ]] && apt_options+=(-o APT::Sandbox::User=root)
# A source without deb-src indexes (a third-party repository) fails its part of the
# update; that is no matter here, so long as Debian's own index is there, and an
# index apt cannot verify is never used: apt-get source then finds nothing and fails.
apt-get "${apt_options[@]}" update || echo "build-tsan-onetbb: some source indexes failed; going on" >&2
(cd "$prefix/src" && apt-get "${apt_options[@]}" source "$package=$version")
source_dir=$(find "$prefix/src" -mindepth 1 -maxdepth 1 -type d)
[[ -f "$source_dir/CMakeLists.txt" ]] || { echo "build-tsan-onetbb: no oneTBB source in $prefix/src" >&2; exit 1; }

CC=clang CXX=clang++ cmake -S "$source_dir" -B "$prefix/obj" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" -DTBB_SANITIZE=thread \
  -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF -DTBBMALLOC_BUILD=OFF \
  -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON -DTBB_ENABLE_IPO=OFF \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib >"$prefix/configure.log"
cmake --build "$prefix/obj" -j "$jobs" --target tbb >"$prefix/build.log"
cmake --install "$prefix/obj" >"$prefix/install.log"

library="$prefix/lib/libtbb.so.12"
# nm's output captured first: with pipefail, grep -q quitting at its first match can
# kill nm with SIGPIPE and fail the test.
undefined="$(nm -D --undefined-only "$library")"
if ! grep -q ' __tsan_func_entry$' <<<"$undefined"; then
  echo "build-tsan-onetbb: $library is not instrumented (no __tsan_func_entry)" >&2
  exit 1
fi
echo "$package $version" >"$stamp"
echo "build-tsan-onetbb: $package $version with -fsanitize=thread in $prefix ($SECONDS s)"
