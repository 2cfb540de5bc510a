#!/usr/bin/env bash
# Installs a build into a temporary prefix and builds and runs the three embedding examples
# (examples/embed: C99 via pkg-config, C++17 via find_package, Python) against that prefix alone: the
# examples are copied out of the source tree first, and no installed text file may name the source tree.
# Usage: scripts/test-install.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d "${TMPDIR:-/tmp}/njc-install-XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

step() { echo "njc test-install: $*" >&2; }
step "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
cp -r "$root/examples/embed" "$work/embed"
cp "$root/examples/npc_brain.json" "$work/model.json"

if grep -rlI --include='*.cmake' --include='*.pc' --include='*.py' --include='*.h' --include='*.hpp' \
    -F "$root" "$prefix"; then
  step "FAILED: the installed files above refer to the source tree $root"
  exit 1
fi

step "njc --version"
"$prefix/bin/njc" --version

step "C99 example (pkg-config)"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig make -s -C "$work/embed/c"
LD_LIBRARY_PATH=$prefix/lib "$work/embed/c/npc_demo" "$work/model.json"

step "C++17 example (find_package)"
cmake -S "$work/embed/cpp" -B "$work/cpp-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cpp-build" >/dev/null
"$work/cpp-build/npc_demo" "$work/model.json"

step "Python example"
pydir=$(cd "$prefix" && ls -d lib/python3*/dist-packages)
PYTHONPATH=$prefix/$pydir /usr/bin/python3 "$work/embed/python/npc_demo.py" "$work/model.json"
step "all three examples ran against $prefix"
