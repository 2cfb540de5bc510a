#!/usr/bin/python3
"""Structure-aware mutation fuzzer of the ONNX importer, `njc import` (frontend/onnx_*.cpp).

Each case mutates a seed model — its bytes (flips, truncation, splices) or its structure (input dims and
types, initializer shapes and data, op types, node inputs and outputs, attribute values and kinds, graph
outputs), edited with python3-onnx, which libFuzzer's byte mutations rarely reach — and runs
`njc import CASE.onnx -o MODEL.json --weights MODEL.bin` under a time limit. The importer may refuse a model
only with an error (exit status 1); a crash, a signal, another exit status or a hang is a bug, reported once
per kind with the case written to the crash folder. A model it accepts is given to
`njc MODEL --emit-ir=graph`, which must exit 0 or 1 (an error), never crash or hang.

    /usr/bin/python3 fuzz/onnx_import_fuzz.py NJC SECONDS [--seed S] [--crashes DIR]
    /usr/bin/python3 fuzz/onnx_import_fuzz.py NJC --replay fuzz/corpus/onnx_import   (the regression run)

Seeds: the supported models among Debian's ONNX node tests (libonnx-testdata) and fuzz/corpus/onnx_import.
Exit status: 0 no bug, 1 bugs found (listed), 77 python3-onnx or the test data missing.
"""
import argparse
import copy
import glob
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import onnx
except ImportError as e:
    print(f"onnx_import_fuzz: skipped: {e} (python3-onnx)", file=sys.stderr)
    sys.exit(77)

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
CASE_SECONDS = 20
SUPPORTED = []  # the ops njc import converts, asked of njc itself (supported_ops)


def supported_ops(njc, scratch):
    """The op names from njc import's note on a model with an op it does not know."""
    node = onnx.helper.make_node("NjcFuzzProbe", ["x"], ["y"])
    vi = onnx.helper.make_tensor_value_info
    graph = onnx.helper.make_graph([node], "probe", [vi("x", onnx.TensorProto.FLOAT, [1])],
                                   [vi("y", onnx.TensorProto.FLOAT, [1])])
    path = os.path.join(scratch, "probe.onnx")
    onnx.save(onnx.helper.make_model(graph), path)
    r = subprocess.run([njc, "import", path, "-o", os.path.join(scratch, "probe.json")], capture_output=True,
                       text=True)
    for line in r.stderr.splitlines():
        if "njc supports " in line:
            return line.split("njc supports ", 1)[1].split(" (", 1)[0].split(", ")
    raise RuntimeError("njc import did not list the ops it supports: " + r.stderr)


def seeds(njc, corpus, scratch):
    """The node test models that njc imports, and the corpus."""
    out = []
    for path in sorted(glob.glob(os.path.join(NODE_TESTS, "*", "model.onnx"))):
        r = subprocess.run([njc, "import", path, "-o", os.path.join(scratch, "seed.json"), "--stateless"],
                           capture_output=True)
        if r.returncode == 0:
            with open(path, "rb") as f:
                out.append(f.read())
    for path in sorted(glob.glob(os.path.join(corpus, "*.onnx"))):
        with open(path, "rb") as f:
            out.append(f.read())
    return out


# ---- mutations -------------------------------------------------------------------------------------------
INTERESTING_INTS = [0, -1, 1, 2, 3, 7, 2**31 - 1, -2**31, 2**40, 2**62, 100000]
INTERESTING_FLOATS = [0.0, -0.0, 1.0, -1.0, 1e30, -1e30, float("inf"), float("-inf"), float("nan"), 1e-45]


def mutate_bytes(rng, data, other):
    b = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0 and b:
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == 1 and b:
        del b[rng.randrange(len(b)):]
    elif kind == 2 and b:
        at = rng.randrange(len(b))
        b[at:at] = b[rng.randrange(len(b)):][: rng.randint(1, 64)]
    else:
        cut = rng.randrange(len(b) + 1)
        b = b[:cut] + bytearray(other[rng.randrange(len(other) + 1):])
    return bytes(b)


def mutate_model(rng, m):
    g = m.graph
    choice = rng.randrange(9)
    if choice == 0 and g.input:
        vi = rng.choice(g.input)
        dims = vi.type.tensor_type.shape.dim
        if dims and rng.random() < 0.8:
            d = rng.choice(dims)
            d.dim_value = max(0, rng.choice(INTERESTING_INTS))
        else:
            vi.type.tensor_type.elem_type = rng.randrange(17)
    elif choice == 1 and g.initializer:
        t = rng.choice(g.initializer)
        if t.dims and rng.random() < 0.5:
            t.dims[rng.randrange(len(t.dims))] = rng.choice(INTERESTING_INTS)
        elif t.raw_data:
            t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data) + 1)]
        else:
            t.data_type = rng.randrange(17)
    elif choice == 2 and g.node:
        rng.choice(g.node).op_type = rng.choice(SUPPORTED)
    elif choice == 3 and g.node:
        n = rng.choice(g.node)
        if n.input and rng.random() < 0.5:
            del n.input[rng.randrange(len(n.input))]
        else:
            n.input.append(rng.choice(["", "nowhere", n.output[0] if n.output else "x"]))
    elif choice == 4 and g.node:
        n = rng.choice(g.node)
        if n.output and rng.random() < 0.5:
            del n.output[:]
        elif n.output:
            n.output[0] = rng.choice(["", "renamed", n.input[0] if n.input else "x"])
    elif choice == 5 and g.node:
        n = rng.choice(g.node)
        if n.attribute:
            a = rng.choice(n.attribute)
            kind = rng.randrange(5)
            if kind == 0:
                a.i = rng.choice(INTERESTING_INTS) % (2**63)
            elif kind == 1:
                a.f = rng.choice(INTERESTING_FLOATS)
            elif kind == 2:
                a.type = rng.randrange(15)
            elif kind == 3:
                del a.ints[:]
                a.ints.extend(rng.choice(INTERESTING_INTS) % (2**63) for _ in range(rng.randint(0, 5)))
            else:
                n.attribute.remove(a)
        else:
            n.attribute.append(onnx.helper.make_attribute(rng.choice(["axis", "alpha", "perm", "axes"]),
                                                          rng.choice(INTERESTING_INTS)))
    elif choice == 6 and g.output:
        if rng.random() < 0.5:
            del g.output[rng.randrange(len(g.output))]
        else:
            g.output[0].name = rng.choice(["", "nowhere"])
    elif choice == 7 and g.node:
        g.node.insert(rng.randrange(len(g.node) + 1), copy.deepcopy(rng.choice(g.node)))
    elif g.node:
        del g.node[rng.randrange(len(g.node))]
    return m


def make_case(rng, pool):
    data = rng.choice(pool)
    if rng.random() < 0.3:
        return mutate_bytes(rng, data, rng.choice(pool))
    try:
        m = onnx.load_from_string(data)
    except Exception:
        return data
    for _ in range(rng.randint(1, 3)):
        try:
            m = mutate_model(rng, m)
        except (ValueError, TypeError):  # protobuf refuses the edit (a name of invalid UTF-8 copied around)
            pass
    try:
        return m.SerializeToString()
    except Exception:
        return data


# ---- running one case ------------------------------------------------------------------------------------
def run_njc(args, what):
    """None if njc exited 0 or 1 within the time limit, else (key, description)."""
    try:
        r = subprocess.run(args, capture_output=True, timeout=CASE_SECONDS)
    except subprocess.TimeoutExpired:
        return (f"{what}-timeout", f"{what} ran over {CASE_SECONDS} s")
    if r.returncode < 0:
        sig = -r.returncode
        return (f"{what}-signal-{sig}", f"{what} died of signal {sig} ({signal.Signals(sig).name}): "
                + r.stderr.decode(errors="replace")[-300:])
    if r.returncode not in (0, 1):
        return (f"{what}-exit-{r.returncode}", f"{what}: " + r.stderr.decode(errors="replace")[-300:])
    if r.returncode == 1 and not r.stderr.strip():
        return (f"{what}-silent-refusal", f"{what} exited 1 without saying why")
    return None


def run_case(data, njc, scratch):
    """None if fine, else (key, description)."""
    case = os.path.join(scratch, "case.onnx")
    model = os.path.join(scratch, "model.json")
    with open(case, "wb") as f:
        f.write(data)
    if os.path.exists(model):
        os.remove(model)
    bug = run_njc([njc, "import", case, "-o", model, "--weights", os.path.join(scratch, "model.bin")],
                  "njc import")
    if bug or not os.path.exists(model):
        return bug
    return run_njc([njc, model, "--emit-ir=graph"], "njc --emit-ir=graph")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("njc")
    ap.add_argument("seconds", nargs="?", type=float, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--replay", help="run each .onnx of this folder once, no mutation")
    ap.add_argument("--crashes", default="onnx-import-crashes")
    args = ap.parse_args()
    corpus = os.path.join(HERE, "corpus", "onnx_import")
    bugs = {}
    with tempfile.TemporaryDirectory() as scratch:
        if args.replay:
            cases = sorted(glob.glob(os.path.join(args.replay, "*.onnx")))
            for path in cases:
                with open(path, "rb") as f:
                    bug = run_case(f.read(), args.njc, scratch)
                if bug:
                    bugs.setdefault(bug[0], (bug[1], path))
            print(f"onnx_import_fuzz: replayed {len(cases)} cases, {len(bugs)} bugs")
        else:
            SUPPORTED.extend(supported_ops(args.njc, scratch))
            pool = seeds(args.njc, corpus, scratch)
            if not pool:
                print(f"onnx_import_fuzz: skipped: no seed models ({NODE_TESTS}: libonnx-testdata)", file=sys.stderr)
                return 77
            rng = random.Random(args.seed)
            end, runs = time.time() + args.seconds, 0
            while time.time() < end:
                data = make_case(rng, pool)
                bug = run_case(data, args.njc, scratch)
                runs += 1
                if bug and bug[0] not in bugs:
                    os.makedirs(args.crashes, exist_ok=True)
                    path = os.path.join(args.crashes, f"case-{len(bugs)}.onnx")
                    with open(path, "wb") as f:
                        f.write(data)
                    bugs[bug[0]] = (bug[1], path)
            print(f"onnx_import_fuzz: seed {args.seed}, {len(pool)} seeds, {runs} executions in "
                  f"{args.seconds:.0f} s, {len(bugs)} distinct bugs")
    for key, (what, path) in sorted(bugs.items()):
        print(f"  {key}: {what}\n    case: {path}")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
