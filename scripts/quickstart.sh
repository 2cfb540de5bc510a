#!/usr/bin/env bash
# Quick start: installs what is missing, builds njc, and runs the bundled NPC brain example through the JIT
# (ten calls, the LSTM state carried from call to call).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
echo "njc quick start: building the njc command (a few minutes on 2 cores; progress below)" >&2
"$root/scripts/build.sh" "$root/build" --target njc
cd "$root"
echo "+ build/tools/njc examples/npc_brain.json --jit run --iterations 10" >&2
build/tools/njc examples/npc_brain.json --jit run --iterations 10
