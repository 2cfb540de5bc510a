#!/usr/bin/python3
"""Mutation fuzzer of the ONNX importer (tools/onnx_import.py), which is Python and so outside libFuzzer.

Each case mutates a seed model — its bytes (flips, truncation, splices) or its structure (input dims and
types, initializer shapes and data, op types, node inputs and outputs, attribute values and kinds, graph
outputs) — and runs the importer's convert() in a child process, under a time and memory limit. The importer
may refuse a model only with its own error (Unsupported); any other exception is a bug, reported once per
(type, line) with the case written to the crash folder. A model it accepts is written out and given to
`njc MODEL --emit-ir=graph`, which must exit 0 or 1 (an error), never crash or hang.

    /usr/bin/python3 fuzz/onnx_import_fuzz.py NJC SECONDS [--seed S] [--crashes DIR]
    /usr/bin/python3 fuzz/onnx_import_fuzz.py NJC --replay fuzz/corpus/onnx_import   (the regression run)

Seeds: the supported models among Debian's ONNX node tests (libonnx-testdata) and fuzz/corpus/onnx_import.
Exit status: 0 no bug, 1 bugs found (listed), 77 python3-onnx or the test data missing.
"""
import argparse
import copy
import glob
import json
import os
import random
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
try:
    import onnx
    import onnx_import
except ImportError as e:
    print(f"onnx_import_fuzz: skipped: {e} (python3-onnx)", file=sys.stderr)
    sys.exit(77)

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
CASE_SECONDS = 20  # above the importer's own 10 s limit on onnx's shape inference


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


def seeds(corpus):
    out = []
    for path in sorted(glob.glob(os.path.join(NODE_TESTS, "*", "model.onnx"))):
        try:
            m = onnx.load(path)
        except Exception:
            continue
        if all(n.op_type in onnx_import.SUPPORTED for n in m.graph.node):
            out.append(m.SerializeToString())
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
        rng.choice(g.node).op_type = rng.choice(sorted(onnx_import.SUPPORTED))
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
def lift_memory_limit():
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def run_case(data, njc, scratch):
    """None if fine, else (key, description)."""
    try:
        model = onnx.load_from_string(data)
    except Exception:
        return None  # not an ONNX model: the importer reports "cannot read the ONNX model"
    signal.alarm(CASE_SECONDS)
    try:
        njc_model, _ = onnx_import.convert(model)
        njc_model["name"] = "fuzz"
    except onnx_import.Unsupported:
        return None
    except Timeout:
        return ("timeout", f"convert() ran over {CASE_SECONDS} s")
    except Exception as e:
        frame = traceback.extract_tb(e.__traceback__)[-1]
        return (f"{type(e).__name__}@{os.path.basename(frame.filename)}:{frame.lineno}",
                f"{type(e).__name__}: {e} ({frame.filename}:{frame.lineno} in {frame.name})")
    finally:
        signal.alarm(0)
    path = os.path.join(scratch, "model.json")
    try:
        text = json.dumps(njc_model)  # main() writes the model this way, outside its error handling
    except Exception as e:
        return (f"unwritable-{type(e).__name__}", f"the converted model cannot be written as JSON: {e}")
    with open(path, "w") as f:
        f.write(text)
    try:
        r = subprocess.run([njc, path, "--emit-ir=graph"], capture_output=True, timeout=20,
                           preexec_fn=lift_memory_limit)
    except subprocess.TimeoutExpired:
        return ("njc-timeout", "njc --emit-ir=graph ran over 20 s on the imported model")
    if r.returncode not in (0, 1):
        return (f"njc-exit-{r.returncode}", "njc --emit-ir=graph: " + r.stderr.decode(errors="replace")[-300:])
    return None


def run_isolated(data, njc, scratch):
    """run_case in a child process, so that a crash of the onnx library itself (a segmentation fault in
    its C++ shape inference) is a finding too, not the end of the fuzzer."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into the fuzzer's loop, whatever happens
        try:
            os.setpgid(0, 0)  # its own group: a process it leaves behind is killed with it
            os.close(read_end)
            bug = run_case(data, njc, scratch)
        except BaseException as e:  # a bug of the harness itself, reported as such
            bug = ("harness-" + type(e).__name__, f"the fuzzer's own code failed: {e}")
        try:
            os.write(write_end, json.dumps(bug).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    out, deadline = b"", time.monotonic() + 4 * CASE_SECONDS + 30
    with os.fdopen(read_end, "rb", buffering=0) as f:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([f], [], [], left)[0]:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return ("hang", "the importer's process did not finish (killed)")
            chunk = f.read(1 << 16)
            if not chunk:
                break
            out += chunk
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever the case's process left running
    except ProcessLookupError:
        pass
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return (f"signal-{sig}", f"the importer process died of signal {sig} ({signal.Signals(sig).name})")
    bug = json.loads(out) if out else None
    return tuple(bug) if bug else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("njc")
    ap.add_argument("seconds", nargs="?", type=float, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--replay", help="run each .onnx of this folder once, no mutation")
    ap.add_argument("--crashes", default="onnx-import-crashes")
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, on_alarm)
    # An import that allocates without bound fails with MemoryError here instead of taking the machine. Only
    # the soft limit: njc runs without it (an ASan build reserves terabytes of address space for shadow).
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))
    corpus = os.path.join(HERE, "corpus", "onnx_import")
    bugs = {}
    with tempfile.TemporaryDirectory() as scratch:
        if args.replay:
            cases = sorted(glob.glob(os.path.join(args.replay, "*.onnx")))
            for path in cases:
                with open(path, "rb") as f:
                    bug = run_isolated(f.read(), args.njc, scratch)
                if bug:
                    bugs.setdefault(bug[0], (bug[1], path))
            print(f"onnx_import_fuzz: replayed {len(cases)} cases, {len(bugs)} bugs")
        else:
            pool = seeds(corpus)
            if not pool:
                print(f"onnx_import_fuzz: skipped: no seed models ({NODE_TESTS}: libonnx-testdata)", file=sys.stderr)
                return 77
            rng = random.Random(args.seed)
            end, runs = time.time() + args.seconds, 0
            while time.time() < end:
                data = make_case(rng, pool)
                bug = run_isolated(data, args.njc, scratch)
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
