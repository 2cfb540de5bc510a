#!/usr/bin/env bash
# Installs what njc needs to build and test on Debian 12, from Debian's packages only, and only what is
# missing (so a machine that has everything is not touched). Needs root or sudo when something is missing.
set -euo pipefail

packages=(
  g++ cmake make python3                       # toolchain
  libfmt-dev libcli11-dev nlohmann-json3-dev   # libraries njc links
  libgtest-dev libbenchmark-dev                # tests and benchmarks
  llvm-14-tools llvm binutils                  # FileCheck and lit, llvm-mc, objdump (tests only)
  python3-onnx python3-numpy libonnx-testdata  # ONNX importer and ONNX node tests
  python3-jsonschema                           # checks docs/model-format.schema.json
  pkgconf                                      # builds examples/embed/c against an installed njc
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "njc setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "njc setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
