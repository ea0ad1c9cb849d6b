#!/usr/bin/env python3
"""Store an ONNX model's float32 weights as float16, keep computing in float32.

Usage: to_fp16.py IN.onnx OUT.onnx [--min-elements N]

Every float32 initializer of the main graph with at least N elements (default
16; small tensors such as scalars, Resize scales or Clip bounds stay float32)
is replaced by a float16 initializer "<name>__fp16" followed by a
Cast(to=FLOAT) node that re-creates the original name.  The Casts are put at
the front of the node list, so the graph stays topologically sorted, and no
other node changes: activations, inputs and outputs stay float32.  Only ops
tract already handles are added (Cast f16 -> f32 of a constant, which tract
folds at load time).  This roughly halves the file size; it changes results
only by the fp16 rounding of the weights.

Initializers that are also listed as graph inputs (old IR < 4 style
overridable weights) are left untouched, as are values outside the float16
range (|w| > 65504), which are reported.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FP16_MAX = float(np.finfo(np.float16).max)


def convert(model, min_elements=16):
    g = model.graph
    graph_inputs = {i.name for i in g.input}
    used = {n for node in g.node for n in node.input}
    casts, new_inits = [], []
    n_conv = n_kept = 0
    for init in g.initializer:
        if (init.data_type != TensorProto.FLOAT or init.name in graph_inputs
                or init.name not in used):
            new_inits.append(init)
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elements:
            new_inits.append(init)
            n_kept += 1
            continue
        if np.any(np.abs(arr) > FP16_MAX):
            print(f"to_fp16: keeping {init.name} as float32 (values beyond float16 range)",
                  file=sys.stderr)
            new_inits.append(init)
            n_kept += 1
            continue
        h_name = init.name + "__fp16"
        new_inits.append(numpy_helper.from_array(arr.astype(np.float16), name=h_name))
        casts.append(helper.make_node("Cast", [h_name], [init.name],
                                      name=init.name + "__cast", to=TensorProto.FLOAT))
        n_conv += 1
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    return n_conv, n_kept


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--min-elements", type=int, default=16)
    a = ap.parse_args()
    model = onnx.load(a.input)
    n_conv, n_kept = convert(model, a.min_elements)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, a.output)
    print(f"to_fp16: {n_conv} initializers stored as float16, {n_kept} small/out-of-range kept "
          f"as float32 -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
