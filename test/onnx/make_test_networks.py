#!/usr/bin/python3
"""Builds small multi-layer ONNX networks for the importer test, with reference outputs computed in numpy.

    make_test_networks.py OUT_DIR

Writes OUT_DIR/<net>.onnx, <net>.input.json ({input name: flat values}) and <net>.expected.json ({output
name: flat values}) for:
  mlp   Gemm(transB) -> Relu -> MatMul -> Add -> Tanh -> Gemm -> Softmax          x [2, 16] -> probs [2, 8]
  lstm  LSTM (3 steps, initial_h/c as inputs) -> Reshape(Y_h) -> Gemm -> Sigmoid     plus Y, Y_h, Y_c
The references are this file's own numpy forms of the ONNX operators (the Debian onnx 1.12 has no
onnx.reference); the weights come from a fixed seed. Also exposes the builders for test_networks.py.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20240508


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def finish(graph, name):
    model = helper.make_model(graph, producer_name="njc make_test_networks", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def mlp(rng):
    w1 = rng.uniform(-0.5, 0.5, (32, 16)).astype(np.float32)
    b1 = rng.uniform(-0.1, 0.1, (32,)).astype(np.float32)
    w2 = rng.uniform(-0.4, 0.4, (32, 24)).astype(np.float32)
    b2 = rng.uniform(-0.1, 0.1, (24,)).astype(np.float32)
    w3 = rng.uniform(-0.6, 0.6, (24, 8)).astype(np.float32)
    b3 = rng.uniform(-0.1, 0.1, (8,)).astype(np.float32)
    x = rng.uniform(-1, 1, (2, 16)).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("MatMul", ["a1", "w2"], ["m2"], name="fc2_matmul"),
        helper.make_node("Add", ["m2", "b2"], ["h2"], name="fc2_bias"),
        helper.make_node("Tanh", ["h2"], ["a2"], name="tanh2"),
        helper.make_node("Gemm", ["a2", "w3", "b3"], ["logits"], name="fc3"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [2, 8])],
        [init("w1", w1), init("b1", b1), init("w2", w2), init("b2", b2), init("w3", w3), init("b3", b3)])
    xd = x.astype(np.float64)
    a1 = np.maximum(xd @ w1.T + b1, 0)
    a2 = np.tanh(a1 @ w2 + b2)
    probs = softmax(a2 @ w3 + b3)
    return finish(graph, "mlp"), {"x": x}, {"probs": probs}


def lstm_reference(x, w, r, b, h, c):
    """ONNX LSTM, one direction, gates i, o, f, c, default activations; x [seq, batch, in]."""
    hidden = r.shape[0] // 4
    ys = []
    for t in range(x.shape[0]):
        g = x[t] @ w.T + h @ r.T + b[:4 * hidden] + b[4 * hidden:]
        i, o, f, cc = (g[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
        h = sigmoid(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys), h, c


def lstm(rng):
    seq, inp, hidden, out = 3, 4, 6, 2
    w = rng.uniform(-0.5, 0.5, (1, 4 * hidden, inp)).astype(np.float32)
    r = rng.uniform(-0.5, 0.5, (1, 4 * hidden, hidden)).astype(np.float32)
    b = rng.uniform(-0.2, 0.2, (1, 8 * hidden)).astype(np.float32)
    wo = rng.uniform(-0.7, 0.7, (out, hidden)).astype(np.float32)
    bo = rng.uniform(-0.1, 0.1, (out,)).astype(np.float32)
    x = rng.uniform(-1, 1, (seq, 1, inp)).astype(np.float32)
    h0 = rng.uniform(-0.5, 0.5, (1, 1, hidden)).astype(np.float32)
    c0 = rng.uniform(-0.5, 0.5, (1, 1, hidden)).astype(np.float32)
    nodes = [
        helper.make_node("LSTM", ["x", "w", "r", "b", "", "h0", "c0"], ["y", "y_h", "y_c"], name="lstm",
                         hidden_size=hidden),
        helper.make_node("Reshape", ["y_h", "flat_shape"], ["h_last"], name="flatten_h"),
        helper.make_node("Gemm", ["h_last", "wo", "bo"], ["logits"], name="head", transB=1),
        helper.make_node("Sigmoid", ["logits"], ["out"], name="sigmoid"),
    ]
    f = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes, "lstm",
        [helper.make_tensor_value_info("x", f, [seq, 1, inp]), helper.make_tensor_value_info("h0", f, [1, 1, hidden]),
         helper.make_tensor_value_info("c0", f, [1, 1, hidden])],
        [helper.make_tensor_value_info("out", f, [1, out]), helper.make_tensor_value_info("y", f, [seq, 1, 1, hidden]),
         helper.make_tensor_value_info("y_h", f, [1, 1, hidden]), helper.make_tensor_value_info("y_c", f, [1, 1, hidden])],
        [init("w", w), init("r", r), init("b", b), init("wo", wo), init("bo", bo),
         init("flat_shape", np.array([1, hidden], dtype=np.int64))])
    d = np.float64
    ys, h, c = lstm_reference(x.astype(d), w[0].astype(d), r[0].astype(d), b[0].astype(d), h0[0].astype(d),
                              c0[0].astype(d))
    result = sigmoid(h @ wo.T + bo)
    return (finish(graph, "lstm"), {"x": x, "h0": h0, "c0": c0},
            {"out": result, "y": ys, "y_h": h, "y_c": c})


def unsupported():
    """A graph with an op njc lacks (Einsum), to check the importer names it."""
    nodes = [helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Einsum", ["r", "b"], ["y"], name="contract_ab", equation="ij,jk->ik")]
    f = TensorProto.FLOAT
    graph = helper.make_graph(nodes, "unsupported",
                              [helper.make_tensor_value_info("a", f, [2, 3]), helper.make_tensor_value_info("b", f, [3, 2])],
                              [helper.make_tensor_value_info("y", f, [2, 2])])
    return finish(graph, "unsupported")


NETWORKS = {"mlp": mlp, "lstm": lstm}


def flat(d):
    return {k: np.asarray(v, dtype=np.float64).reshape(-1).tolist() for k, v in d.items()}


def write_all(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for name, build in NETWORKS.items():
        model, inputs, expected = build(rng)
        onnx.save(model, os.path.join(out_dir, name + ".onnx"))
        with open(os.path.join(out_dir, name + ".input.json"), "w") as f:
            json.dump(flat(inputs), f)
        with open(os.path.join(out_dir, name + ".expected.json"), "w") as f:
            json.dump(flat(expected), f)
    onnx.save(unsupported(), os.path.join(out_dir, "unsupported.onnx"))
    return list(NETWORKS)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print("wrote", ", ".join(write_all(sys.argv[1])), "and unsupported.onnx to", sys.argv[1])
