#!/usr/bin/env python3
"""Embedding njc in Python: compile a model, run a few NPCs for a few frames with numpy arrays, checkpoint
and restore one NPC's recurrent state. Usage: npc_demo.py MODEL.json (njc installed where python3 finds it,
or PYTHONPATH=PREFIX/lib/python3.X/dist-packages)."""
import sys

import numpy as np

import njc

if len(sys.argv) != 2:
    sys.exit(f"usage: {sys.argv[0]} MODEL.json")
try:
    model = njc.compile(sys.argv[1])
except njc.Error as e:
    sys.exit(str(e))
print(f"njc {njc.version}: inputs {model.inputs}, outputs {model.outputs}, states {model.states}")
npcs = [model.instance() for _ in range(3)]
rng = np.random.default_rng(0)
checkpoint = None
for frame in range(3):
    for i, npc in enumerate(npcs):
        out, = npc.run(rng.uniform(-1, 1, model.inputs[0].shape))
        print(f"frame {frame} npc {i}: {model.outputs[0].name}[0] = {out.ravel()[0]:.6f}")
    if frame == 0:
        checkpoint = npcs[0].save_state()
npcs[0].restore_state(checkpoint)
print(f"restored {checkpoint.size} state floats")
