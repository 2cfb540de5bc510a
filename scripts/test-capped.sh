#!/usr/bin/env bash
# Runs the suite of an existing build (scripts/test.sh builds it) again with host detection capped at a
# smaller target: NJC_TARGET_CAP=avx2 makes an AVX-512 machine choose, run and skip as an AVX2-only one
# (Zen 3) does, so a developer's machine proves the suite assumes nothing about the host's ISA.
# Usage: scripts/test-capped.sh avx2|sse4 [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cap=${1:?usage: test-capped.sh avx2|sse4 [BUILD_DIR]}
build=${2:-$root/build}
echo "njc: the suite again with NJC_TARGET_CAP=$cap" >&2
cd "$build"
NJC_TARGET_CAP=$cap ctest --output-on-failure -j"$(nproc)"
