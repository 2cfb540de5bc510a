#!/usr/bin/env bash
# Installs what is missing, builds njc, and runs the whole test suite (GoogleTest units, lit+FileCheck,
# the must-fail folder, ONNX node tests) with ctest. With --sanitize the same suite runs in a separate
# AddressSanitizer+UndefinedBehaviorSanitizer build (build-asan/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"

build=$root/build
cmake_opts=()
if [ "${1:-}" = "--sanitize" ]; then
  build=$root/build-asan
  cmake_opts=(-DNJC_SANITIZE=ON -DNJC_BUILD_BENCH=OFF)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
"$root/scripts/build.sh" "$build" "${cmake_opts[@]}"
status=0
(cd "$build" && ctest --output-on-failure -j"$(nproc)") || status=$?
for summary in "$build"/onnx-node-tests-*.txt; do
  [ -f "$summary" ] && head -n 1 "$summary"
done
exit $status
