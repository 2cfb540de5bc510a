#!/usr/bin/python3
"""Runs ONNX's backend node tests (Debian's libonnx-testdata) through njc and compares the outputs.

    run_node_tests.py NJC [--njc-args "--interp run"] [--data DIR] [--summary FILE] [--filter SUBSTR]

Each case (model.onnx + test_data_set_*/input_*.pb, output_*.pb) is converted with `njc import --stateless`;
integer inputs and Clip bounds become initializers (constants) first. Cases using something njc does not support are skipped
with the converter's reason. Every converted case must match ONNX's expected outputs within
|got - want| <= atol + rtol * |want|. Prints the pass count, every failure and every skip with its reason;
exits 1 if any case failed, 77 (skipped) if the test data is not installed.
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:
    print(f"SKIPPED: {e} (apt-get install python3-onnx python3-numpy)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
RTOL, ATOL = 1e-4, 1e-5

# Cases whose expected outputs disagree with the op's own definition by more than the tolerance: they are
# reported as skips with this reason instead of being run. The window functions of this onnx release are
# not symmetric as their formula is: hann(10)[2] = 0.3454739 but hann(10)[8] = 0.3455620, where
# 0.5 - 0.5 cos(2 pi n / 10) gives 0.3454915 for both (in float32 and float64 alike).
BAD_EXPECTED_DATA = {
    f"node/test_{w}window{sym}_expanded": "the expected output is off the window's formula by up to 7e-5 "
                                          "(libonnx-testdata's data, see run_node_tests.py)"
    for w in ("blackman", "hamming", "hann") for sym in ("", "_symmetric")
}


def load_tensors(pattern):
    out = []
    for path in sorted(glob.glob(pattern), key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0])):
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        out.append(numpy_helper.to_array(t))
    return out


def foldable_inputs(model, inputs):
    """Graph inputs whose test values must be folded into attributes (ints, Clip bounds)."""
    names = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    clip_bounds = {n for node in model.graph.node if node.op_type == "Clip" for n in node.input[1:] if n}
    const = {}
    for name, value in zip(names, inputs):
        if value.dtype.kind in "iub" or name in clip_bounds:
            const[name] = value
    return names, const


def compare(got, want):
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    want = np.asarray(want, dtype=np.float64).reshape(-1)
    if got.shape != want.shape:
        return f"{got.size} values, expected {want.size}"
    both_nan = np.isnan(got) & np.isnan(want)
    err = np.abs(got - want)
    bad = ~both_nan & ~(err <= ATOL + RTOL * np.abs(want))
    if bad.any():
        i = int(np.argmax(np.where(bad, err, -1)))
        return f"{int(bad.sum())} of {want.size} values differ; worst at {i}: got {got[i]!r}, want {want[i]!r}"
    return None


def parse_output(text):
    def number(v):
        return {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}.get(v, v) if isinstance(v, str) else v
    return {k: [number(v) for v in vals] for k, vals in json.loads(text).items()}


def convert(njc, model, const, tmp, model_path):
    """Imports the model with `njc import`, the constant inputs folded in as initializers; returns the
    importer's reason when it refuses (its message without the file name), else None."""
    folded = onnx.ModelProto()
    folded.CopyFrom(model)
    for name, value in const.items():
        folded.graph.initializer.append(numpy_helper.from_array(value, name))
    onnx_path = os.path.join(tmp, "model.onnx")
    with open(onnx_path, "wb") as f:
        f.write(folded.SerializeToString())
    proc = subprocess.run([njc, "import", onnx_path, "-o", model_path, "--stateless"], capture_output=True,
                          text=True)
    if proc.returncode == 1:
        first = proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else "refused"
        return first.split(": error: ", 1)[-1]
    if proc.returncode != 0:
        raise RuntimeError(f"njc import exited {proc.returncode}: {proc.stderr.strip()}")
    return None


def run_case(case_dir, njc_cmd, tmp):
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    for vi in list(model.graph.input) + list(model.graph.output):
        if not vi.type.HasField("tensor_type"):
            return "skip", f"'{vi.name}' is a {vi.type.WhichOneof('value')}, not a tensor"
    for vi in model.graph.input:
        # numpy holds these as uint16 bits: folded as constants they would read as integers.
        if vi.type.tensor_type.elem_type in (onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16):
            return "skip", f"input '{vi.name}' has element type {onnx.TensorProto.DataType.Name(vi.type.tensor_type.elem_type)}"
    sets = sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")))
    if not sets:
        return "skip", "no test data"
    for data_dir in sets:
        inputs = load_tensors(os.path.join(data_dir, "input_*.pb"))
        outputs = load_tensors(os.path.join(data_dir, "output_*.pb"))
        names, const = foldable_inputs(model, inputs)
        for name, value in zip(names, inputs):
            if name not in const and value.dtype != np.float32:
                return "skip", f"input '{name}' has dtype {value.dtype}"
        if any(o.dtype != np.float32 for o in outputs):
            return "skip", "a non-float32 output"
        model_path = os.path.join(tmp, "model.json")
        input_path = os.path.join(tmp, "input.json")
        problem = convert(njc_cmd[0], model, const, tmp, model_path)
        if problem:
            return "skip", problem
        with open(input_path, "w") as f:
            json.dump({n: v.astype(np.float32).reshape(-1).tolist() for n, v in zip(names, inputs) if n not in const}, f)
        proc = subprocess.run(njc_cmd[:1] + [model_path] + njc_cmd[1:] + ["--input", input_path],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return "fail", f"njc exited {proc.returncode}: {proc.stderr.strip().splitlines()[0] if proc.stderr else ''}"
        got = parse_output(proc.stdout)
        for out_info, want in zip(model.graph.output, outputs):
            if out_info.name not in got:
                return "fail", f"no output '{out_info.name}'"
            problem = compare(got[out_info.name], want)
            if problem:
                return "fail", f"{os.path.basename(data_dir)} output '{out_info.name}': {problem}"
    return "pass", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("njc")
    ap.add_argument("--njc-args", default="--interp run")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--summary")
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        print(f"SKIPPED: ONNX node test data not found at {args.data} (apt-get install libonnx-testdata)")
        return 77
    njc_cmd = [args.njc] + shlex.split(args.njc_args)
    # A JIT target this CPU (or NJC_TARGET_CAP) does not run is skipped, naming the target.
    probe = subprocess.run(njc_cmd + [os.path.join(HERE, "..", "..", "examples", "mlp.json")],
                           capture_output=True, text=True)
    if probe.returncode == 2 and "this CPU cannot run" in probe.stderr:
        print(f"SKIPPED: {probe.stderr.strip()}")
        return 77
    results = {"pass": [], "fail": [], "skip": []}
    with tempfile.TemporaryDirectory() as tmp:
        for suite in SUITES:
            for case_dir in sorted(glob.glob(os.path.join(args.data, suite, "*"))):
                label = f"{suite}/{os.path.basename(case_dir)}"
                if args.filter not in label or not os.path.exists(os.path.join(case_dir, "model.onnx")):
                    continue
                if label in BAD_EXPECTED_DATA:
                    results["skip"].append((label, BAD_EXPECTED_DATA[label]))
                    continue
                try:
                    status, why = run_case(case_dir, njc_cmd, tmp)
                except Exception as e:  # a harness problem is a failure, never a silent skip
                    status, why = "fail", f"harness error: {e!r}"
                results[status].append((label, why))
    lines = [f"ONNX node tests through `njc {args.njc_args}`: {len(results['pass'])} passed, "
             f"{len(results['fail'])} failed, {len(results['skip'])} skipped"]
    lines += [f"FAIL {label}: {why}" for label, why in results["fail"]]
    lines += [f"skip {label}: {why}" for label, why in results["skip"]]
    lines += [f"pass {label}" for label, _ in results["pass"]]
    text = "\n".join(lines) + "\n"
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text)
    # ctest shows this on failure or with -V; the first line is the count.
    print("\n".join(lines[:1 + len(results["fail"])]))
    print(f"(skips with reasons and the list of passes: {args.summary or 'use --summary FILE'})")
    # Every case that passed when must_pass.txt was last written still passes: a change that turns a pass
    # into a skip (an importer refusing what it used to convert) fails here instead of going unnoticed.
    passed = {label for label, _ in results["pass"]}
    with open(os.path.join(HERE, "must_pass.txt")) as f:
        lost = [l.strip() for l in f if l.strip() and args.filter in l and l.strip() not in passed]
    for label in lost:
        why = next((w for l, w in results["skip"] + results["fail"] if l == label), "not run")
        print(f"LOST {label}: passed before (test/onnx/must_pass.txt), now: {why}")
    return 1 if results["fail"] or lost else 0


if __name__ == "__main__":
    sys.exit(main())
