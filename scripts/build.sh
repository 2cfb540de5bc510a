#!/usr/bin/env bash
# Configures and builds njc. Usage: scripts/build.sh [BUILD_DIR] [--target T]... [extra cmake -D options...]
# Every script configures the same way (warnings are errors), so the quick start's build of the CLI and the
# test command's build of everything share their objects: the second builds only what the first did not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
targets=()
cmake_opts=()
while [ $# -gt 0 ]; do
  case $1 in
    --target) targets+=(--target "$2"); shift 2 ;;
    *) cmake_opts+=("$1"); shift ;;
  esac
done
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNJC_WERROR=ON "${cmake_opts[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
