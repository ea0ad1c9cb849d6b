#!/usr/bin/env python3
"""Rewrite every PRelu of an ONNX graph as Relu(x) + slope * Min(x, 0), and check the result.

Why: tract (0.23) runs PRelu as three element-wise passes (compare, multiply, select) that it
cannot fuse into the convolution before it, which cost about a third of the MobileFaceNet-class
embedder's time; Relu, Min, Mul and Add it fuses. The two forms are the same function: for
x >= 0 it is x + slope * 0, for x < 0 it is 0 + slope * x, each exact in float32, so the outputs
should agree to the last bit (the check reports the largest difference it sees).

Usage:
  python3 tools/prelu.py IN.onnx OUT.onnx [--check N]

--check N (default 8) runs IN and OUT under onnxruntime on N inputs (seeded uniform noise in the
input's range, plus all zeros) and prints the largest absolute output difference; a difference
above 1e-5 fails. Needs onnx and numpy; the check needs onnxruntime.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def rewrite_prelu(m: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """Every PRelu(x, slope) -> Add(Relu(x), Mul(slope, Min(x, 0)))."""
    g = m.graph
    zero = "prelu_rewrite_zero"
    g.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero))
    nodes, n = [], 0
    for node in g.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        x, slope = node.input
        (y,) = node.output
        p = f"prelu{n}"
        nodes += [
            helper.make_node("Relu", [x], [f"{p}_pos"], name=f"{p}_relu"),
            helper.make_node("Min", [x, zero], [f"{p}_neg"], name=f"{p}_min"),
            helper.make_node("Mul", [slope, f"{p}_neg"], [f"{p}_scaled"], name=f"{p}_mul"),
            helper.make_node("Add", [f"{p}_pos", f"{p}_scaled"], [y], name=f"{p}_add"),
        ]
        n += 1
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m, n


def max_difference(a_path: str, b_path: str, runs: int) -> float:
    """Largest |a - b| over every output of the two models on the same inputs."""
    import onnxruntime as ort

    a = ort.InferenceSession(a_path, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(b_path, providers=["CPUExecutionProvider"])
    (inp,) = a.get_inputs()
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    rng = np.random.default_rng(20261203)
    worst = 0.0
    for i in range(runs):
        x = (np.zeros(shape) if i == 0 else rng.uniform(-1.0, 1.0, shape)).astype(np.float32)
        for ya, yb in zip(a.run(None, {inp.name: x}), b.run(None, {inp.name: x})):
            worst = max(worst, float(np.max(np.abs(ya - yb))))
    return worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--check", type=int, default=8, help="inputs to compare (0: no check)")
    args = ap.parse_args()
    m = onnx.load(args.src)
    m, n = rewrite_prelu(m)
    note = "PRelu rewritten as Relu(x) + slope * Min(x, 0) by veriface tools/prelu.py"
    m.doc_string = f"{m.doc_string}\n{note}".strip()
    onnx.save(m, args.dst)
    print(f"{args.dst}: {n} PRelu rewritten")
    if args.check > 0:
        diff = max_difference(args.src, args.dst, args.check)
        print(f"max |difference| over {args.check} inputs (onnxruntime): {diff:.3g}")
        if diff > 1e-5:
            print("FAIL: the rewritten graph does not compute the same function", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
