#!/usr/bin/python3
"""PyTorch modules exported with torch.onnx.export, imported by `njc import` and run call by call.

    torch_exports.py NJC WORK_DIR

Each small module (MLPs with ReLU/Tanh/Sigmoid/GELU/ELU/SELU/CELU/Hardswish/Softsign/PReLU/LeakyReLU/
Softplus/Hardsigmoid; LayerNorm and BatchNorm1d MLPs; Conv1d and Conv2d nets with max and average pooling,
BatchNorm2d and InstanceNorm2d; nn.LSTM, nn.GRU, nn.RNN in default, batch_first, two-layer, bidirectional and
explicit-initial-state forms) is built with a fixed seed, exported with static shapes, imported, and run for
several calls with `njc --interp run` and `njc --jit run` (JSON Lines input: one call per line, state
carried). Recurrent modules take one time step per call; the reference is torch
run step by step with its state fed back. Exits 1 on any mismatch, 77 (skipped) without python3-torch.
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIPPED: {e} (apt-get install python3-torch to run the PyTorch export tests)")
    sys.exit(77)

RTOL, ATOL = 1e-4, 1e-5
CALLS = 4
MODES = [["--interp", "run"], ["--jit", "run", "-O0"], ["--jit", "run", "-O3"]]


class Mlp(torch.nn.Module):
    def __init__(self, act):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(6, 16), act, torch.nn.Linear(16, 4))

    def forward(self, x):
        return self.net(x)


class Recurrent(torch.nn.Module):
    """Runs one step; `explicit` exports the initial state as inputs and the final state as outputs."""

    def __init__(self, kind, explicit, **kw):
        super().__init__()
        self.kind, self.explicit = kind, explicit
        self.rnn = getattr(torch.nn, kind)(3, 5, **kw)

    def forward(self, x, *state):
        if not self.explicit:
            return self.rnn(x)[0]
        st = (state[0], state[1]) if self.kind == "LSTM" else state[0]
        y, out = self.rnn(x, st)
        return (y,) + (tuple(out) if self.kind == "LSTM" else (out,))


def mlps():
    for name, act in [("relu", torch.nn.ReLU()), ("tanh", torch.nn.Tanh()), ("sigmoid", torch.nn.Sigmoid()),
                      ("gelu", torch.nn.GELU()), ("elu", torch.nn.ELU(0.7)), ("selu", torch.nn.SELU()),
                      ("celu", torch.nn.CELU(1.5)), ("hardswish", torch.nn.Hardswish()),
                      ("softsign", torch.nn.Softsign()), ("prelu", torch.nn.PReLU(16, 0.2)),
                      ("leaky_relu", torch.nn.LeakyReLU(0.1)), ("softplus", torch.nn.Softplus()),
                      ("hardsigmoid", torch.nn.Hardsigmoid())]:
        yield f"mlp_{name}", Mlp(act), None


def with_random_statistics(module):
    """A BatchNorm's running mean and variance as training would leave them (not 0 and 1)."""
    for m in module.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return module


def small_nets():
    """Stateless vision and normalization nets: (name, module, ("plain", input shape))."""
    nn = torch.nn
    yield "mlp_layernorm", nn.Sequential(nn.Linear(6, 16), nn.LayerNorm(16), nn.ReLU(), nn.Linear(16, 4)), (
        "plain", (1, 6))
    yield "mlp_batchnorm", with_random_statistics(
        nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.Tanh(), nn.Linear(16, 4))), ("plain", (1, 6))
    yield "conv1d_maxpool", nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2),
                                          nn.Flatten(), nn.Linear(16, 3)), ("plain", (1, 2, 8))
    yield "conv2d_maxpool", nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(4, 3, 3, stride=2, padding=1), nn.Flatten(),
                                          nn.Linear(12, 5)), ("plain", (1, 2, 8, 8))
    yield "conv2d_avgpool_batchnorm", with_random_statistics(
        nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AvgPool2d(2, padding=1),
                      nn.Conv2d(4, 2, 2, groups=2), nn.AdaptiveAvgPool2d(1), nn.Flatten())), ("plain", (1, 3, 7, 7))
    yield "conv2d_instancenorm", nn.Sequential(nn.Conv2d(1, 3, 3, padding=2, dilation=2),
                                               nn.InstanceNorm2d(3, affine=True), nn.ELU(), nn.MaxPool2d(3, 2),
                                               nn.Flatten()), ("plain", (1, 1, 9, 9))


def recurrents():
    cases = [
        ("lstm_default", "LSTM", False, {}),
        ("lstm_batch_first_2_layers", "LSTM", True, {"batch_first": True, "num_layers": 2}),
        ("lstm_bidirectional", "LSTM", False, {"bidirectional": True}),
        ("lstm_initial_state", "LSTM", True, {}),
        ("gru_default", "GRU", False, {}),
        ("gru_2_layers_initial_state", "GRU", True, {"num_layers": 2}),
        ("gru_bidirectional_batch_first", "GRU", False, {"bidirectional": True, "batch_first": True}),
        ("rnn_default", "RNN", False, {}),
        ("rnn_relu_2_layers_initial_state", "RNN", True, {"num_layers": 2, "nonlinearity": "relu"}),
        ("rnn_bidirectional", "RNN", False, {"bidirectional": True}),
    ]
    for name, kind, explicit, kw in cases:
        yield name, Recurrent(kind, explicit, **kw), (kind, explicit, kw)


def state_shape(kw):
    return ((2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1), 1, 5)


def reference(module, spec, xs):
    """Torch's first output per call, the state carried from call to call."""
    outs = []
    with torch.no_grad():
        if spec is None or spec[0] == "plain":
            return [module(x).numpy() for x in xs]
        kind, explicit, kw = spec
        state = None
        for x in xs:
            y, state = module.rnn(x, state)
            outs.append(y.numpy())
    return outs


def export(module, spec, path):
    if spec is None:
        args = (torch.zeros(1, 6),)
    elif spec[0] == "plain":
        args = (torch.zeros(*spec[1]),)
    else:
        kind, explicit, kw = spec
        args = (torch.zeros(1, 1, 3),)
        if explicit:
            args += tuple(torch.zeros(*state_shape(kw)) for _ in range(2 if kind == "LSTM" else 1))
    torch.onnx.export(module, args, path)


def run_case(njc, work, name, module, spec, failures):
    module.eval()
    onnx_path, model_path = os.path.join(work, name + ".onnx"), os.path.join(work, name + ".json")
    export(module, spec, onnx_path)
    proc = subprocess.run([njc, "import", onnx_path, "-o", model_path], capture_output=True, text=True)
    if proc.returncode != 0:
        failures.append(f"{name}: njc import exited {proc.returncode}: {proc.stderr.strip()}")
        return
    with open(model_path) as f:
        model = json.load(f)
    (inp,) = model["inputs"]
    out_name = model["outputs"][0]
    rng = np.random.default_rng(7)
    xs = [torch.tensor(rng.uniform(-1, 1, size=inp["shape"]).astype(np.float32)) for _ in range(CALLS)]
    want = reference(module, spec, xs)
    input_path = os.path.join(work, name + ".jsonl")
    with open(input_path, "w") as f:
        for x in xs:
            f.write(json.dumps({inp["name"]: x.reshape(-1).tolist()}) + "\n")
    for mode in MODES:
        label = f"{name} {' '.join(mode)}"
        proc = subprocess.run([njc, model_path] + mode + ["--input", input_path], capture_output=True, text=True)
        if proc.returncode != 0:
            failures.append(f"{label}: njc exited {proc.returncode}: {proc.stderr.strip()}")
            continue
        lines = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
        worst = 0.0
        for call, (line, w) in enumerate(zip(lines, want)):
            g, w = np.asarray(line[out_name], dtype=np.float64), w.reshape(-1).astype(np.float64)
            if g.shape != w.shape:
                failures.append(f"{label} call {call}: {g.size} values, expected {w.size}")
                break
            err = np.abs(g - w)
            worst = max(worst, float(err.max()))
            if (err > ATOL + RTOL * np.abs(w)).any():
                i = int(np.argmax(err))
                failures.append(f"{label} call {call}: [{i}] = {g[i]!r}, torch {w[i]!r}")
        if len(lines) != CALLS:
            failures.append(f"{label}: {len(lines)} calls, expected {CALLS}")
        print(f"{label}: max |error| {worst:.3g} over {CALLS} calls")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    njc, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    import warnings
    warnings.filterwarnings("ignore")
    failures = []
    torch.manual_seed(0)
    for name, module, spec in list(mlps()) + list(small_nets()) + list(recurrents()):
        try:
            run_case(njc, work, name, module, spec, failures)
        except Exception as e:  # an export problem is a failure, never a silent skip
            failures.append(f"{name}: {e!r}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
