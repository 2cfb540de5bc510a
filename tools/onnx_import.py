#!/usr/bin/python3
"""Converts ONNX models into njc models (docs/model-format.md).

    /usr/bin/python3 tools/onnx_import.py model.onnx -o model.json [--weights model.bin]

Float initializers become params (inline, or in a little-endian f32 side file with --weights). Integer
tensors that ONNX passes as inputs (Reshape's shape, Slice's starts/ends/axes/steps, ReduceSum's axes) and
Clip's min/max must be constants; they become the attributes njc's ops take. Any op, attribute or data type
njc does not support is reported by name (exit status 1) instead of being converted approximately.

Needs Debian's python3-onnx and python3-numpy.
"""
import argparse
import os
import json
import select
import signal
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

SUPPORTED = {
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt",
    "Neg", "Abs", "Clip", "Elu", "Softplus", "HardSigmoid", "Softmax", "LogSoftmax", "Concat", "Slice",
    "Transpose", "Reshape", "ReduceSum", "ReduceMean", "ReduceMax", "Conv", "LSTM", "GRU", "Identity",
    "Flatten", "Constant",
}

# Attributes that carry no meaning for njc's semantics and can be dropped when they have these values.
# (Before opset 7, binary ops broadcast only with broadcast=1, suffix-aligned as numpy does when no axis is given.)
IGNORABLE = {("Gemm", "broadcast"): 1, ("Add", "broadcast"): 1, ("Sub", "broadcast"): 1, ("Mul", "broadcast"): 1,
             ("Div", "broadcast"): 1}


class Unsupported(Exception):
    """The model uses something njc cannot represent; the message names it."""


def attr_value(a, where):
    try:
        v = onnx.helper.get_attribute_value(a)
    except ValueError:  # an attribute of an undefined or unknown kind
        raise Unsupported(f"attribute '{a.name}' of {where} has no valid type") from None
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    if isinstance(v, onnx.TensorProto):
        return tensor_array(v, f"attribute '{a.name}' of {where}")
    if isinstance(v, list):
        v = [x.decode(errors="replace") if isinstance(x, bytes) else x for x in v]
        if all(isinstance(x, (int, float, str)) for x in v):
            return v
    elif isinstance(v, (int, float, str)):
        return v
    raise Unsupported(f"attribute '{a.name}' of {where} holds a {type(v).__name__} (njc takes numbers, "
                      "strings, lists of them and tensors)")


def tensor_array(t, what):
    """A TensorProto as a numpy array; Unsupported when its element type or data is not valid."""
    try:
        return numpy_helper.to_array(t)
    except (TypeError, ValueError, KeyError) as e:  # KeyError: a data type numpy_helper does not know
        raise Unsupported(f"{what} is not a valid tensor ({e!r})") from None


def type_name(elem_type):
    try:
        return onnx.TensorProto.DataType.Name(elem_type)
    except ValueError:
        return f"unknown ({elem_type})"


# Inputs each op's handler below reads: (op, index) pairs that must be present.
HANDLER_INPUTS = {"Identity": 1, "Reshape": 1, "Flatten": 1, "Slice": 1, "ReduceSum": 1, "Clip": 1,
                  "Softmax": 1, "LogSoftmax": 1, "Conv": 1, "LSTM": 1, "GRU": 1}


class Converter:
    def __init__(self, model, constant_inputs=None, weights_path=None):
        self.model = model
        self.graph = model.graph
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
        self.constants = dict(constant_inputs or {})  # name -> numpy array, folded into attributes
        self.weights_path = weights_path
        self.side = bytearray()
        self.shapes = {}
        self.params, self.nodes, self.renames = [], [], {}
        self.counter = 0

    def fresh(self, hint):
        self.counter += 1
        return f"{hint}.onnx{self.counter}"

    def name(self, n):
        return self.renames.get(n, n)

    def add_param(self, name, array):
        array = np.asarray(array, dtype=np.float32)
        if not np.all(np.isfinite(array)):
            raise Unsupported(f"initializer '{name}' has non-finite values")
        entry = {"name": name, "shape": list(array.shape)}
        if self.weights_path:
            entry["file"] = self.weights_path.split("/")[-1]
            entry["offset"] = len(self.side)
            self.side += array.astype("<f4").tobytes()
        else:
            entry["data"] = [float(x) for x in array.reshape(-1)]
        self.params.append(entry)
        self.shapes[name] = list(array.shape)

    def const(self, n, what):
        if n not in self.constants:
            raise Unsupported(f"{what} ('{n}') must be a constant")
        return self.constants[n]

    def check_names(self):
        """Every tensor name is text: protobuf hands a name that is not valid UTF-8 over as bytes."""
        names = [t.name for t in self.graph.initializer] + [v.name for v in self.graph.input]
        names += [v.name for v in self.graph.output] + [self.graph.name]
        for node in self.graph.node:
            names += list(node.input) + list(node.output) + [node.name, node.op_type, node.domain]
            names += [a.name for a in node.attribute]
        for n in names:
            if not isinstance(n, str):
                raise Unsupported(f"the name {n!r} is not valid UTF-8")

    def convert(self):
        self.check_names()
        init_names = set()
        for t in self.graph.initializer:
            arr = tensor_array(t, f"initializer '{t.name}'")
            init_names.add(t.name)
            if arr.dtype == np.float32 or arr.dtype == np.float64:
                self.constants.setdefault(t.name, arr)
                self.add_param(t.name, arr)
            elif arr.dtype.kind in "iu":
                self.constants[t.name] = arr
            else:
                raise Unsupported(f"initializer '{t.name}' has dtype {arr.dtype}")
        inputs = []
        for vi in self.graph.input:
            if vi.name in init_names or vi.name in self.constants:
                continue
            tt = vi.type.tensor_type
            if tt.elem_type != onnx.TensorProto.FLOAT:
                raise Unsupported(f"input '{vi.name}' has element type "
                                  f"{type_name(tt.elem_type)} (njc models are fp32)")
            dims = [d.dim_value if d.HasField("dim_value") else 0 for d in tt.shape.dim]
            if any(d <= 0 for d in dims):
                raise Unsupported(f"input '{vi.name}' has a dynamic shape")
            inputs.append({"name": vi.name, "shape": dims})
        for index, node in enumerate(self.graph.node):
            self.convert_node(node, index)
        outputs = [self.name(o.name) for o in self.graph.output]
        model = {"format": "njc-model", "version": 1, "name": self.graph.name or "onnx_model",
                 "inputs": inputs, "outputs": outputs, "params": self.params, "nodes": self.nodes}
        return model, bytes(self.side)

    def emit(self, op, ins, outs, attrs=None):
        for k, v in (attrs or {}).items():
            if isinstance(v, np.ndarray):
                raise Unsupported(f"{op} attribute '{k}' holds a tensor")
        node = {"op": op, "inputs": [self.name(i) if i else "" for i in ins], "outputs": list(outs)}
        if attrs:
            node["attributes"] = attrs
        self.nodes.append(node)

    def convert_node(self, node, index):
        op = node.op_type
        named_outputs = [o for o in node.output if o]  # an optional output may be omitted ("")
        if node.name:
            where = f"node '{node.name}'"
        elif named_outputs:
            where = f"the node computing '{named_outputs[0]}'"
        else:
            where = f"node {index} ({op})"
        if node.domain not in ("", "ai.onnx"):
            raise Unsupported(f"op '{node.domain}.{op}' ({where}) is not supported")
        if op not in SUPPORTED:
            raise Unsupported(f"op '{op}' ({where}) is not supported by njc")
        if not named_outputs:
            raise Unsupported(f"{where} has no output")
        attrs = {a.name: attr_value(a, where) for a in node.attribute}
        ins, outs = list(node.input), list(node.output)
        needed = HANDLER_INPUTS.get(op, 0)
        if len(ins) < needed or not all(ins[:needed]):
            raise Unsupported(f"{op} ({where}) needs {needed} input(s), has {len([i for i in ins if i])}")
        handler = getattr(self, "op_" + op, None)
        if handler:
            return handler(node, ins, outs, attrs)
        for (o, a), v in IGNORABLE.items():
            if o == op and attrs.get(a) == v:
                del attrs[a]
        for k, v in attrs.items():
            if isinstance(v, np.ndarray):
                raise Unsupported(f"{op} attribute '{k}' holds a tensor")
        self.emit(op, ins, outs, attrs)

    # --- ops whose ONNX form differs from njc's --------------------------------------------------------

    def op_Constant(self, node, ins, outs, attrs):
        if not isinstance(attrs.get("value"), np.ndarray):
            raise Unsupported("Constant without a tensor 'value'")
        arr = attrs["value"]
        self.constants[outs[0]] = arr
        if arr.dtype.kind == "f":
            self.add_param(outs[0], arr)

    def op_Identity(self, node, ins, outs, attrs):
        if ins[0] in self.constants and self.constants[ins[0]].dtype.kind != "f":
            self.constants[outs[0]] = self.constants[ins[0]]
            return
        self.emit("Reshape", ins[:1], outs, {"shape": self.shape_hint(ins[0])})

    def shape_hint(self, name):
        for vi in list(self.graph.input) + list(self.graph.value_info):
            if vi.name == name:
                return [d.dim_value for d in vi.type.tensor_type.shape.dim]
        if name in self.shapes:
            return self.shapes[name]
        raise Unsupported(f"the shape of '{name}' is unknown (run onnx shape inference first)")

    def op_Reshape(self, node, ins, outs, attrs):
        if self.opset >= 5 and (len(ins) < 2 or not ins[1]):
            raise Unsupported("Reshape needs its shape input")
        shape = attrs.pop("shape", None) if self.opset < 5 else self.const(ins[1], "Reshape's shape")
        if shape is None or np.asarray(shape).dtype.kind not in "iu":
            raise Unsupported("Reshape's shape must be a list of integers")
        a = {"shape": [int(x) for x in np.asarray(shape).reshape(-1)]}
        if attrs.get("allowzero"):
            a["allowzero"] = int(attrs["allowzero"])
        self.emit("Reshape", ins[:1], outs, a)

    def int_attr(self, op, attrs, key, default):
        v = attrs.get(key, default)
        if not isinstance(v, int):
            raise Unsupported(f"{op} attribute '{key}' must be an int")
        return v

    def op_Flatten(self, node, ins, outs, attrs):
        shape = self.shape_hint(ins[0])
        axis = self.int_attr("Flatten", attrs, "axis", 1)
        if not -len(shape) <= axis <= len(shape):
            raise Unsupported(f"Flatten axis {axis} is out of range for rank {len(shape)}")
        axis = axis + len(shape) if axis < 0 else axis
        outer = int(np.prod(shape[:axis])) if axis > 0 else 1
        self.emit("Reshape", ins[:1], outs, {"shape": [outer, -1]})

    def op_Slice(self, node, ins, outs, attrs):
        if self.opset < 10:
            self.emit("Slice", ins[:1], outs, attrs)
            return
        if len(ins) < 3 or not ins[1] or not ins[2]:
            raise Unsupported("Slice needs its starts and ends inputs")
        a = {"starts": [int(x) for x in self.const(ins[1], "Slice's starts")],
             "ends": [int(x) for x in self.const(ins[2], "Slice's ends")]}
        if len(ins) > 3 and ins[3]:
            a["axes"] = [int(x) for x in self.const(ins[3], "Slice's axes")]
        if len(ins) > 4 and ins[4]:
            a["steps"] = [int(x) for x in self.const(ins[4], "Slice's steps")]
        self.emit("Slice", ins[:1], outs, a)

    def op_ReduceSum(self, node, ins, outs, attrs):
        if self.opset >= 13 and len(ins) > 1 and ins[1]:
            attrs["axes"] = [int(x) for x in self.const(ins[1], "ReduceSum's axes")]
        self.emit("ReduceSum", ins[:1], outs, attrs)

    def op_Clip(self, node, ins, outs, attrs):
        if self.opset >= 11:
            for i, key in ((1, "min"), (2, "max")):
                if len(ins) > i and ins[i]:
                    attrs[key] = float(np.asarray(self.const(ins[i], f"Clip's {key}")).reshape(-1)[0])
        self.emit("Clip", ins[:1], outs, attrs)

    def softmax_like(self, op, ins, outs, attrs):
        if self.opset >= 13:
            self.emit(op, ins, outs, attrs)
            return
        # Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalized per row.
        shape = self.shape_hint(ins[0])
        axis = self.int_attr(op, attrs, "axis", 1)
        if not -len(shape) <= axis < max(len(shape), 1):
            raise Unsupported(f"{op} axis {axis} is out of range for rank {len(shape)}")
        axis = axis + len(shape) if axis < 0 else axis
        if axis == len(shape) - 1:
            self.emit(op, ins, outs, {"axis": -1})
            return
        flat, norm = self.fresh(outs[0] + ".2d"), self.fresh(outs[0] + ".norm")
        outer = int(np.prod(shape[:axis])) if axis > 0 else 1
        self.emit("Reshape", ins, [flat], {"shape": [outer, -1]})
        self.emit(op, [flat], [norm], {"axis": 1})
        self.emit("Reshape", [norm], outs, {"shape": list(shape)})

    def op_Conv(self, node, ins, outs, attrs):
        rank = len(self.shape_hint(ins[0]))
        if rank != 3:
            raise Unsupported(f"Conv on rank-{rank} input (njc's Conv is 1-D: [N, C, L])")
        self.emit("Conv", ins, outs, attrs)

    def recurrent(self, op, ins, outs, attrs):
        if len(ins) > 4 and ins[4]:
            lens = np.asarray(self.const(ins[4], f"{op}'s sequence_lens")).reshape(-1)
            shape = self.shape_hint(ins[0])
            seq = shape[1] if attrs.get("layout", 0) else shape[0]
            if np.any(lens != seq):
                raise Unsupported(f"{op} with sequence_lens shorter than the sequence")
            ins = ins[:4] + [""] + ins[5:]
        for key in ("activation_alpha", "activation_beta"):
            if key in attrs:
                raise Unsupported(f"{op} attribute '{key}'")
        self.emit(op, ins, outs, attrs)

    def op_LSTM(self, node, ins, outs, attrs):
        self.recurrent("LSTM", ins, outs, attrs)

    def op_GRU(self, node, ins, outs, attrs):
        self.recurrent("GRU", ins, outs, attrs)

    def op_Softmax(self, node, ins, outs, attrs):
        self.softmax_like("Softmax", ins, outs, attrs)

    def op_LogSoftmax(self, node, ins, outs, attrs):
        self.softmax_like("LogSoftmax", ins, outs, attrs)


SHAPE_INFERENCE_SECONDS = 10


def inferred_shapes(model):
    """The model with onnx's shape inference applied, or as it is when inference fails. Inference runs in a
    child process with a time limit: onnx 1.12's C++ inference crashes (SIGSEGV) on some malformed nodes
    (an RNN with a broken shape) and loops on others, which must not take the importer down with it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.write(write_end, onnx.shape_inference.infer_shapes(model).SerializeToString())
        finally:
            os._exit(0)
    os.close(write_end)
    data, deadline = b"", time.monotonic() + SHAPE_INFERENCE_SECONDS
    with os.fdopen(read_end, "rb", buffering=0) as f:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([f], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                data = b""
                break
            chunk = f.read(1 << 20)
            if not chunk:
                break
            data += chunk
    _, status = os.waitpid(pid, 0)
    if not data or not os.WIFEXITED(status):
        return model  # shape inference is a convenience for Flatten/Softmax-1; the model may not need it
    try:
        return onnx.load_from_string(data)
    except Exception:
        return model


def convert(model, constant_inputs=None, weights_path=None):
    """Returns (njc model dict, side-file bytes). Raises Unsupported naming what cannot be converted."""
    return Converter(inferred_shapes(model), constant_inputs, weights_path).convert()


def name_from_path(path):
    """The file's stem as a C identifier (other characters become '_')."""
    stem = os.path.splitext(os.path.basename(path))[0]
    ident = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in stem) or "model"
    return "_" + ident if ident[0].isdigit() else ident


def main():
    ap = argparse.ArgumentParser(description="Convert an ONNX model into an njc model (JSON).")
    ap.add_argument("model")
    ap.add_argument("-o", "--output", required=True, help="njc model file to write")
    ap.add_argument("--weights", help="write the weights to this little-endian f32 file instead of inline")
    ap.add_argument("--name", help="model name, the symbol prefix of `njc --emit-obj` (default: the output "
                    "file's stem as a C identifier; every torch.onnx.export graph is called torch_jit)")
    args = ap.parse_args()
    try:
        model = onnx.load(args.model)
        njc_model, side = convert(model, weights_path=args.weights)
        njc_model["name"] = args.name or name_from_path(args.output)
    except Unsupported as e:
        print(f"{args.model}: error: {e}", file=sys.stderr)
        if "is not supported by njc" in str(e):
            print(f"note: njc supports {', '.join(sorted(SUPPORTED))} (docs/importers.md)", file=sys.stderr)
        return 1
    except Exception as e:  # a file onnx cannot read
        print(f"{args.model}: error: cannot read the ONNX model: {e}", file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    if args.weights:
        with open(args.weights + ".tmp", "wb") as f:
            f.write(side)
    with open(tmp, "w") as f:
        json.dump(njc_model, f, indent=1)
    if args.weights:
        os.replace(args.weights + ".tmp", args.weights)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
