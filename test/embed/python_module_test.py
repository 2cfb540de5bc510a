#!/usr/bin/env python3
"""The Python module (python/njc) over libnjc.so: an MLP with random weights against numpy; every bundled
example over several stateful calls against njc's reference interpreter (njc --interp run on a .jsonl
stream); state save/restore, snapshots, views and errors; the code cache; and, where python3-torch is installed, an LSTM
against torch.nn.LSTM on the same weights. Exits 0 when all pass, 1 on a failure, 77 (skipped) when numpy
is missing. Usage: python_module_test.py EXAMPLES_DIR (env: PYTHONPATH, NJC_LIBRARY, NJC_TOOL)."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
except ImportError:
    print("skipped: python3-numpy is not installed")
    sys.exit(77)

import njc

EXAMPLES = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../examples")


def dense_model(sizes, rng, activation="tanh"):
    """An njc JSON MLP with inline weights, and the numpy function computing it."""
    params, nodes, weights = [], [], []
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        w = rng.uniform(-0.5, 0.5, (n_out, n_in)).astype(np.float32)
        b = rng.uniform(-0.2, 0.2, n_out).astype(np.float32)
        weights.append((w, b))
        params += [{"name": f"w{layer}", "shape": [n_out, n_in], "data": w.ravel().tolist()},
                   {"name": f"b{layer}", "shape": [n_out], "data": b.tolist()}]
        last = layer == len(sizes) - 2
        node = {"op": "dense", "inputs": ["x" if layer == 0 else f"h{layer}", f"w{layer}", f"b{layer}"],
                "outputs": ["y" if last else f"h{layer + 1}"]}
        if not last:
            node["attributes"] = {"activation": activation}
        nodes.append(node)
    model = {"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [1, sizes[0]]}],
             "outputs": ["y"], "params": params, "nodes": nodes}

    def forward(x):
        h = x.astype(np.float64).reshape(1, -1)
        for i, (w, b) in enumerate(weights):
            h = h @ w.T.astype(np.float64) + b
            if i < len(weights) - 1:
                h = np.tanh(h)
        return h
    return json.dumps(model), forward


def interpreter_outputs(path, calls):
    """njc --interp run over a stream of calls: the reference, one dict of outputs per call."""
    with tempfile.TemporaryDirectory() as tmp:
        stream = os.path.join(tmp, "calls.jsonl")
        with open(stream, "w") as f:
            for call in calls:
                f.write(json.dumps({name: x.ravel().tolist() for name, x in call.items()}) + "\n")
        out = subprocess.run([os.environ["NJC_TOOL"], path, "--interp", "run", "--input", stream],
                             check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class ModuleTest(unittest.TestCase):
    def test_mlp_matches_numpy(self):
        rng = np.random.default_rng(7)
        text, forward = dense_model([12, 32, 16, 5], rng)
        for level in range(4):
            model = njc.compile_text(text, name="mlp.json", opt_level=level)
            self.assertEqual([t.name for t in model.inputs], ["x"])
            self.assertEqual(model.inputs[0].shape, (1, 12))
            inst = model.instance()
            for _ in range(3):
                x = rng.standard_normal((1, 12)).astype(np.float32)
                y, = inst.run(x)
                np.testing.assert_allclose(y, forward(x), rtol=1e-5, atol=1e-6)

    def test_code_cache_keeps_kernels_for_the_next_compile(self):
        path = os.path.join(EXAMPLES, "npc_brain.json")
        x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(1, 24)
        with tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "cache")
            outputs = []
            for _ in range(2):
                inst = njc.compile(path, code_cache=cache).instance()
                outputs.append([inst.run(x)[0].copy() for _ in range(3)])
            entries = [f for f in os.listdir(cache) if f.endswith(".njck")]
            self.assertGreater(len(entries), 0)
            plain = njc.compile(path).instance()
            for first, second in zip(*outputs):
                np.testing.assert_array_equal(first, second)
            for got in outputs[0]:
                np.testing.assert_array_equal(got, plain.run(x)[0])
            os.chmod(cache, 0o777)
            with self.assertRaisesRegex(njc.Error, "writable by other users"):
                njc.compile(path, code_cache=cache)

    def test_examples_match_the_interpreter_over_stateful_calls(self):
        rng = np.random.default_rng(3)
        for name in ["mlp", "mlp_batch", "npc_brain", "gru_audio", "dnc_memory"]:
            path = os.path.join(EXAMPLES, name + ".json")
            for tiered in (False, True):
                model = njc.compile(path, tiered=tiered)
                inst = model.instance()
                calls = [{t.name: rng.uniform(-1, 1, t.shape).astype(np.float32) for t in model.inputs}
                         for _ in range(4)]
                want = interpreter_outputs(path, calls)
                for call, expected in zip(calls, want):
                    got = inst.run(*[call[t.name] for t in model.inputs])
                    for t, y in zip(model.outputs, got):
                        self.assertEqual(y.shape, t.shape)
                        np.testing.assert_allclose(y.ravel(), np.array(expected[t.name], np.float32),
                                                   rtol=1e-5, atol=1e-6, err_msg=f"{name} tiered={tiered}")

    def test_views_state_and_snapshots(self):
        model = njc.compile(os.path.join(EXAMPLES, "npc_brain.json"))
        self.assertTrue(model.states)
        npc = model.instance()
        rng = np.random.default_rng(1)
        xs = [rng.uniform(-1, 1, model.inputs[0].shape).astype(np.float32) for _ in range(8)]
        for x in xs[:4]:
            npc.inputs[0][...] = x  # the zero-copy path
            npc.run(copy=False)
        saved = npc.save_state()
        self.assertEqual(saved.size, sum(t.elements for t in model.states))
        np.testing.assert_array_equal(saved[:model.states[0].elements], npc.states[0].ravel())
        twin = copy.copy(npc)
        first = npc.run(xs[4])
        npc.run(xs[5])
        np.testing.assert_array_equal(twin.run(xs[4])[0], first[0])
        npc.restore_state(saved)
        np.testing.assert_array_equal(npc.run(xs[4])[0], first[0])
        with self.assertRaises(ValueError):
            npc.outputs[0][0] = 1.0  # outputs are read-only views
        views = npc.outputs
        del npc  # views keep the instance alive
        self.assertTrue(np.isfinite(views[0]).all())

    def test_swarm_matches_one_instance_per_npc(self):
        model = njc.compile(os.path.join(EXAMPLES, "npc_brain.json"))
        swarm = njc.Swarm(model, capacity=9, chunk=4, threads=2)
        npcs = [model.instance() for _ in range(9)]
        rng = np.random.default_rng(4)
        for frame in range(4):
            slots = rng.permutation(9)[:5 + frame]
            obs = rng.uniform(-1, 1, (len(slots),) + model.inputs[0].shape).astype(np.float32)
            actions, = swarm.run(slots, obs)
            for k, slot in enumerate(slots):
                want, = npcs[slot].run(obs[k])
                np.testing.assert_allclose(actions[k], want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(swarm.slot_state(int(slots[0])), npcs[slots[0]].save_state(), rtol=1e-5, atol=1e-6)
        swarm.reset_slot(int(slots[0]))
        self.assertFalse(swarm.slot_state(int(slots[0])).any())
        with self.assertRaises(njc.Error):
            swarm.run([1, 1], np.zeros((2,) + model.inputs[0].shape, np.float32))
        with self.assertRaises(njc.Error):
            njc.Swarm(model, capacity=0)

    def test_errors_carry_the_cli_message(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                f.write('{"format": "njc-model", "version": 1,\n "inputs": 5}\n')
            cli = subprocess.run([os.environ["NJC_TOOL"], path, "--jit", "run"], capture_output=True, text=True)
            self.assertEqual(cli.returncode, 1)
            with self.assertRaises(njc.Error) as caught:
                njc.compile(path)
            self.assertEqual(caught.exception.status, "NJC_ERROR_MODEL")
            self.assertEqual(str(caught.exception), cli.stderr.rstrip("\n"))
        with self.assertRaises(ValueError):
            njc.compile(os.path.join(EXAMPLES, "mlp.json"), target="sse")
        with self.assertRaises(njc.Error):
            njc.compile(os.path.join(EXAMPLES, "mlp.json"), opt_level=9)
        inst = njc.compile(os.path.join(EXAMPLES, "mlp.json")).instance()
        with self.assertRaises(ValueError):
            inst.run(np.zeros(5, np.float32))
        with self.assertRaises(njc.Error):
            inst.restore_state(np.zeros(3, np.float32))

    def test_lstm_matches_pytorch(self):
        try:
            import torch
        except ImportError:
            self.skipTest("python3-torch is not installed: the PyTorch comparison did not run")
        torch.manual_seed(0)
        lstm, head = torch.nn.LSTM(3, 8), torch.nn.Linear(8, 2)
        p = {k: v.detach().numpy() for k, v in list(lstm.state_dict().items())}
        # ONNX LSTM layout: gates iofc, njc's W [1, 4H, I]; torch's gates are ifgo.
        def iofc(a):
            i, f, g, o = np.split(a, 4)
            return np.concatenate([i, o, f, g])
        model = {"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [1, 1, 3]}],
                 "outputs": ["y"],
                 "states": [{"name": "h", "shape": [1, 1, 8], "next": "h1"},
                            {"name": "c", "shape": [1, 1, 8], "next": "c1"}],
                 "params": [{"name": "W", "shape": [1, 32, 3], "data": iofc(p["weight_ih_l0"]).ravel().tolist()},
                            {"name": "R", "shape": [1, 32, 8], "data": iofc(p["weight_hh_l0"]).ravel().tolist()},
                            {"name": "B", "shape": [1, 64],
                             "data": np.concatenate([iofc(p["bias_ih_l0"]), iofc(p["bias_hh_l0"])]).tolist()},
                            {"name": "hw", "shape": [2, 8], "data": head.weight.detach().numpy().ravel().tolist()},
                            {"name": "hb", "shape": [2], "data": head.bias.detach().numpy().tolist()}],
                 "nodes": [{"op": "LSTM", "inputs": ["x", "W", "R", "B", "", "h", "c"],
                            "outputs": ["seq", "h1", "c1"], "attributes": {"hidden_size": 8}},
                           {"op": "Reshape", "inputs": ["h1"], "outputs": ["hflat"],
                            "attributes": {"shape": [1, 8]}},
                           {"op": "dense", "inputs": ["hflat", "hw", "hb"], "outputs": ["y"]}]}
        inst = njc.compile_text(json.dumps(model), name="lstm.json").instance()
        state = None
        for step in range(5):
            x = torch.randn(1, 1, 3)
            out, state = lstm(x, state)
            want = head(out[0]).detach().numpy()
            np.testing.assert_allclose(inst.run(x.numpy())[0].reshape(want.shape), want, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    print(f"njc {njc.version}, library {os.environ.get('NJC_LIBRARY', '(installed)')}")
    unittest.main(verbosity=2)
