#!/usr/bin/env bash
# Quick start: installs what is missing, builds njc, and runs the bundled NPC brain example through the JIT
# (ten calls, the LSTM state carried from call to call).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
cd "$root"
echo "+ build/tools/njc examples/npc_brain.json --jit run --iterations 10" >&2
build/tools/njc examples/npc_brain.json --jit run --iterations 10
