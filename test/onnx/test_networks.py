#!/usr/bin/python3
"""End-to-end ONNX import test: small networks built by make_test_networks.py (an MLP and an LSTM) are
converted by `njc import` with weights inline and in a side file, run by `njc MODEL --interp run`
and `njc MODEL --jit run -O0..3`, and compared with the numpy references; a graph with an op njc lacks
(Einsum) must be refused with exit status 1 and a message naming the op and the node.

    test_networks.py NJC WORK_DIR

Prints the max error per network, weight placement and run mode; exits 1 on any failure, 77 (skipped)
without python3-onnx/numpy.
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import onnx  # noqa: F401
except ImportError as e:
    print(f"SKIPPED: {e} (apt-get install python3-onnx python3-numpy)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_test_networks  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5
MODES = [["--interp", "run"]] + [["--jit", "run", f"-O{level}"] for level in range(4)]


def convert(njc, onnx_path, out, weights=None):
    # --stateless: the LSTM network takes its initial state as inputs and runs a whole sequence per call.
    cmd = [njc, "import", onnx_path, "-o", out, "--stateless"] + (["--weights", weights] if weights else [])
    return subprocess.run(cmd, capture_output=True, text=True)


def check_run(njc, model, input_path, expected, label, failures):
    for mode in MODES:
        proc = subprocess.run([njc, model] + mode + ["--input", input_path], capture_output=True, text=True)
        what = f"{label} {' '.join(mode)}"
        if proc.returncode != 0:
            failures.append(f"{what}: njc exited {proc.returncode}: {proc.stderr.strip()}")
            continue
        got = json.loads(proc.stdout)
        worst = 0.0
        for name, want in expected.items():
            if name not in got:
                failures.append(f"{what}: no output '{name}'")
                continue
            g, w = np.asarray(got[name], dtype=np.float64), np.asarray(want, dtype=np.float64)
            if g.shape != w.shape:
                failures.append(f"{what}: output '{name}' has {g.size} values, expected {w.size}")
                continue
            err = np.abs(g - w)
            worst = max(worst, float(err.max()))
            bad = err > ATOL + RTOL * np.abs(w)
            if bad.any():
                i = int(np.argmax(err))
                failures.append(f"{what}: output '{name}'[{i}] = {g[i]!r}, want {w[i]!r}")
        print(f"{what}: max |error| {worst:.3g} over {sum(len(v) for v in expected.values())} values")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    njc, work = sys.argv[1], sys.argv[2]
    nets = make_test_networks.write_all(work)
    failures = []
    for net in nets:
        onnx_path = os.path.join(work, net + ".onnx")
        with open(os.path.join(work, net + ".expected.json")) as f:
            expected = json.load(f)
        input_path = os.path.join(work, net + ".input.json")
        for placement, weights in (("inline", None), ("side-file", os.path.join(work, net + ".weights.bin"))):
            model = os.path.join(work, f"{net}.{placement}.json")
            proc = convert(njc, onnx_path, model, weights)
            if proc.returncode != 0:
                failures.append(f"{net} ({placement}): njc import exited {proc.returncode}: {proc.stderr.strip()}")
                continue
            with open(model) as f:
                params = json.load(f)["params"]
            uses_file = all("file" in p for p in params) and bool(params)
            if uses_file != (weights is not None):
                failures.append(f"{net} ({placement}): params are not all {'in the side file' if weights else 'inline'}")
            check_run(njc, model, input_path, expected, f"{net} ({placement})", failures)
    if os.path.exists(os.path.join(work, "unsupported.json")):
        os.remove(os.path.join(work, "unsupported.json"))
    proc = convert(njc, os.path.join(work, "unsupported.onnx"), os.path.join(work, "unsupported.json"))
    if proc.returncode != 1 or "op 'Einsum' (node 'contract_ab') is not supported" not in proc.stderr:
        failures.append(f"unsupported op: exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
    elif os.path.exists(os.path.join(work, "unsupported.json")):
        failures.append("unsupported op: a model file was written anyway")
    else:
        print(f"unsupported op refused: {proc.stderr.strip()[:120]}...")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
