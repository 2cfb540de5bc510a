#!/usr/bin/env bash
# The NPC swarm demo: builds examples/npc_swarm and runs it (default: 10,000 NPCs, 200 frames, the three
# ways, a frame-time plot in build/npc_swarm.svg). Extra arguments go to the demo (npc_swarm --help).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" --target npc_swarm >/dev/null
cd "$root"
build/examples/npc_swarm/npc_swarm --svg build/npc_swarm.svg "$@"
