#!/usr/bin/env bash
# Fuzzes one target with libFuzzer under ASan+UBSan: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
# TARGET: model_reader, graph_text, loop_text, jit_vs_interp (fuzz/*.cpp; docs/fuzzing.md), or onnx_import:
# the ONNX importer's structure-aware mutation fuzzer (fuzz/onnx_import_fuzz.py), which runs `njc import`
# of an ASan+UBSan build of njc on the models it makes and gives what it imports to the same njc. Builds with clang
# in build-fuzz/ (Debian's clang and libclang-rt-14-dev, installed when missing), starts from a copy of
# fuzz/corpus/TARGET in build-fuzz/corpus/TARGET (new inputs collect there; copy the interesting ones into
# fuzz/corpus/TARGET so that ctest replays them), writes crashes to build-fuzz/crashes/TARGET/, and prints
# libFuzzer's final statistics. Exit status: libFuzzer's (0 when nothing was found).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: fuzz.sh TARGET SECONDS [libFuzzer options...]}
seconds=${2:?usage: fuzz.sh TARGET SECONDS [libFuzzer options...]}
shift 2
[ -f "$root/fuzz/$target.cpp" ] || [ "$target" = onnx_import ] ||
  { echo "fuzz.sh: no target '$target' (see fuzz/)" >&2; exit 2; }
"$root/scripts/setup.sh"
missing=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
build=$root/build-fuzz
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNJC_FUZZ=ON \
  -DNJC_BUILD_TESTS=OFF -DNJC_BUILD_BENCH=OFF >/dev/null
corpus=$build/corpus/$target crashes=$build/crashes/$target
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ "$target" = onnx_import ]; then
  cmake --build "$build" -j"$(nproc)" --target njc >/dev/null
  exec /usr/bin/python3 "$root/fuzz/onnx_import_fuzz.py" "$build/tools/njc" "$seconds" --crashes "$crashes" "$@"
fi
cmake --build "$build" -j"$(nproc)" --target "fuzz_$target" >/dev/null
mkdir -p "$corpus" "$crashes"
cp -n "$root/fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
cd "$crashes"
exec "$build/fuzz/fuzz_$target" "$corpus" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
  -rss_limit_mb=4096 "$@"
