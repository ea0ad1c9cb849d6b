#!/usr/bin/env python3
"""Convert a dlib DNN dumped with dlib::net_to_xml() into an ONNX graph.

Usage: xml_to_onnx.py NET.xml OUT.onnx

Written for dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1,
see dlib_dump.cpp) but it interprets the layer list generically.  Supported dlib
layers and the semantics implemented (taken from dlib 19.24 dnn/layers.h and
cuda/cpu_dlib.cpp):

  input_rgb_image[_sized]  Not part of the graph.  The ONNX input "input" is a
                           float32 [1,3,H,W] RGB tensor ALREADY normalized as
                           dlib does: (pixel - mean_c) / 256, means from the XML
                           (R 122.782, G 117.001, B 104.298).  They are recorded in
                           the model metadata.
  con                      Conv, weights stored num_filters x k x nr x nc (= ONNX
                           OIHW), followed by num_filters biases if use_bias.
                           Explicit padding from the XML (dlib default: 0 when
                           stride != 1, else nr/2).  Output size
                           1 + (in + 2p - k) / s, floored (= ONNX default).
  affine_con               Per-channel y = gamma*x + beta (params: gamma[k], then
                           beta[k]).  Must directly follow a con; folded into it.
  relu                     Relu.
  max_pool / avg_pool      MaxPool / AveragePool with the XML's window, stride and
                           padding; nr=nc=0 means "whole input" (GlobalMaxPool /
                           GlobalAveragePool).  avg_pool with padding != 0 is
                           rejected (not needed here, semantics not verified).
  tag<N> / skip<N>         Graph wiring: tag remembers the current tensor, skip
                           makes the remembered tensor current again.
  add_prev<tag N>          dlib's tt::add(dest, src1, src2): the output has the
                           max of each dimension of the two inputs and elements
                           missing from the smaller input count as 0 (zero padding
                           at the END of every axis: high channels, bottom rows,
                           right columns).  Implemented as Pad (constant 0) + Add.
                           In this ResNet every ares_down pads its pooled skip
                           path in channels (32->64, 64->128, 128->256), and two
                           also differ spatially: alevel1 (conv 3x3 vs pooled
                           4x4 -> 4x4) and alevel0 (1x1 vs 2x2 -> 2x2, so the
                           final global average pool runs over 2x2).
  fc_no_bias               Flatten + MatMul; params are num_inputs x num_outputs,
                           row-major (output = x * W).
  loss_metric              Ignored: the ONNX output "output" is dlib's raw
                           descriptor (not normalized).

Only opset-13 ops supported by tract are emitted.
"""
import sys
import xml.etree.ElementTree as ET

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 7  # matches opset 13, readable by older runtimes


def parse_layers(path):
    """Stream the XML; return the layers as dicts in forward (input -> output) order."""
    layers = []
    root = None
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
            continue
        if elem.tag != "layer":
            continue
        ltype = elem.get("type")
        rec = {"idx": int(elem.get("idx")), "type": ltype}
        if ltype in ("tag", "skip"):
            rec["kind"] = ltype
            rec["id"] = int(elem.get("id"))
        else:
            children = list(elem)
            if len(children) != 1:
                raise ValueError(f"layer {rec['idx']}: expected one child, got {len(children)}")
            c = children[0]
            rec["kind"] = c.tag
            rec["attrs"] = dict(c.attrib)
            text = (c.text or "").strip()
            rec["params"] = (np.array(text.split(), dtype=np.float64).astype(np.float32)
                             if text else np.zeros(0, np.float32))
        layers.append(rec)
        elem.clear()
        root.remove(elem)
    layers.sort(key=lambda r: r["idx"], reverse=True)  # idx 0 = loss, last = input
    return layers


class Builder:
    def __init__(self):
        self.nodes = []
        self.inits = {}  # name -> np array (mutable until finish())
        self.n = 0

    def name(self, prefix):
        self.n += 1
        return f"{prefix}_{self.n}"

    def init(self, prefix, arr):
        nm = self.name(prefix)
        self.inits[nm] = arr
        return nm

    def node(self, op, inputs, prefix, **attrs):
        out = self.name(prefix)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out + "_node", **attrs))
        return out


def pool_out(n, k, s, p):
    return 1 + (n + 2 * p - k) // s


def convert(layers):
    b = Builder()
    shape = None          # current (C, H, W)
    cur = None            # current tensor name
    tags = {}             # tag id -> (tensor name, shape)
    last_conv = None      # (output name, W name, B name) of the conv just emitted
    meta = {}

    for L in layers:
        kind = L["kind"]
        a = L.get("attrs", {})
        p = L.get("params")
        prev_conv, last_conv = last_conv, None

        if kind in ("input_rgb_image_sized", "input_rgb_image"):
            if cur is not None:
                raise ValueError("input layer is not the first layer")
            if kind == "input_rgb_image_sized":
                h, w = int(a["nr"]), int(a["nc"])
            else:
                raise ValueError("input_rgb_image has no fixed size; expected input_rgb_image_sized")
            shape = (3, h, w)
            cur = "input"
            meta["dlib_input_mean_rgb"] = f"{a['r']},{a['g']},{a['b']}"
            meta["dlib_input_scale"] = "1/256"
        elif kind == "con":
            nf, kr, kc = int(a["num_filters"]), int(a["nr"]), int(a["nc"])
            sy, sx = int(a["stride_y"]), int(a["stride_x"])
            py, px = int(a["padding_y"]), int(a["padding_x"])
            use_bias = a.get("use_bias", "true") == "true"
            cin = shape[0]
            nw = nf * cin * kr * kc
            if p.size != nw + (nf if use_bias else 0):
                raise ValueError(f"con layer {L['idx']}: {p.size} params, expected {nw}+bias")
            W = p[:nw].reshape(nf, cin, kr, kc).astype(np.float64)
            B = p[nw:].astype(np.float64) if use_bias else np.zeros(nf)
            wn = b.init("conv_w", W)
            bn = b.init("conv_b", B)
            cur = b.node("Conv", [cur, wn, bn], "conv", kernel_shape=[kr, kc],
                         strides=[sy, sx], pads=[py, px, py, px])
            shape = (nf, pool_out(shape[1], kr, sy, py), pool_out(shape[2], kc, sx, px))
            last_conv = (cur, wn, bn)
        elif kind == "affine_con":
            if a.get("disabled") == "true":
                continue
            k = shape[0]
            if p.size != 2 * k:
                raise ValueError(f"affine layer {L['idx']}: {p.size} params, expected {2*k}")
            if prev_conv is None or prev_conv[0] != cur:
                raise ValueError(f"affine layer {L['idx']} does not directly follow a con")
            gamma, beta = p[:k].astype(np.float64), p[k:].astype(np.float64)
            _, wn, bn = prev_conv
            b.inits[wn] = b.inits[wn] * gamma[:, None, None, None]
            b.inits[bn] = b.inits[bn] * gamma + beta
            last_conv = prev_conv  # a second affine could still fold
        elif kind == "relu":
            cur = b.node("Relu", [cur], "relu")
        elif kind in ("max_pool", "avg_pool"):
            kr, kc = int(a["nr"]), int(a["nc"])
            sy, sx = int(a["stride_y"]), int(a["stride_x"])
            py, px = int(a["padding_y"]), int(a["padding_x"])
            if kr == 0 and kc == 0:
                op = "GlobalMaxPool" if kind == "max_pool" else "GlobalAveragePool"
                cur = b.node(op, [cur], "gpool")
                shape = (shape[0], 1, 1)
            else:
                if kr == 0 or kc == 0:
                    raise ValueError("pooling over a whole single axis is not supported")
                if kind == "avg_pool" and (py or px):
                    raise ValueError("avg_pool with padding is not supported")
                op = "MaxPool" if kind == "max_pool" else "AveragePool"
                cur = b.node(op, [cur], "pool", kernel_shape=[kr, kc], strides=[sy, sx],
                             pads=[py, px, py, px])
                shape = (shape[0], pool_out(shape[1], kr, sy, py), pool_out(shape[2], kc, sx, px))
        elif kind == "tag":
            tags[L["id"]] = (cur, shape)
        elif kind == "skip":
            cur, shape = tags[L["id"]]
        elif kind == "add_prev":
            other, oshape = tags[int(a["tag"])]
            target = tuple(max(x, y) for x, y in zip(shape, oshape))
            ins = []
            for t, s in ((cur, shape), (other, oshape)):
                if s != target:
                    pads = [0, 0, 0, 0, 0] + [target[i] - s[i] for i in range(3)]
                    pn = b.init("pads", np.array(pads, dtype=np.int64))
                    t = b.node("Pad", [t, pn], "pad", mode="constant")
                ins.append(t)
            cur = b.node("Add", ins, "add")
            shape = target
        elif kind == "fc_no_bias":
            nout = int(a["num_outputs"])
            nin = shape[0] * shape[1] * shape[2]
            if p.size != nin * nout:
                raise ValueError(f"fc layer {L['idx']}: {p.size} params, expected {nin}x{nout}")
            W = p.reshape(nin, nout)
            # dlib flattens (k, nr, nc) row-major, exactly like ONNX Flatten(axis=1)
            flat = b.node("Flatten", [cur], "flatten", axis=1)
            wn = b.init("fc_w", W)
            cur = b.node("MatMul", [flat, wn], "fc")
            shape = (nout,)
        elif kind == "loss_metric":
            pass
        else:
            raise ValueError(f"unsupported dlib layer '{kind}' (idx {L['idx']})")

    # name the final tensor "output"
    last = b.nodes[-1]
    if last.output[0] != cur:
        raise ValueError("final tensor is not produced by the last node")
    last.output[0] = "output"
    return b, shape, meta


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: xml_to_onnx.py NET.xml OUT.onnx")
    layers = parse_layers(sys.argv[1])
    b, shape, meta = convert(layers)
    inp_shape = None
    for L in layers:
        if L["kind"] == "input_rgb_image_sized":
            inp_shape = [1, 3, int(L["attrs"]["nr"]), int(L["attrs"]["nc"])]
    inits = [numpy_helper.from_array(
        v.astype(np.int64) if v.dtype == np.int64 else v.astype(np.float32), name=k)
        for k, v in b.inits.items()]
    graph = helper.make_graph(
        b.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, inp_shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, shape[0]])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="veriface tools/dlib/xml_to_onnx.py")
    model.ir_version = IR_VERSION
    model.doc_string = ("dlib face recognition ResNet v1 (dlib_face_recognition_resnet_model_v1.dat, "
                        "Davis E. King, public domain / CC0). Input: RGB 150x150 aligned crop, "
                        "(pixel - mean)/256. Output: raw 128-d descriptor.")
    for k, v in meta.items():
        e = model.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, sys.argv[2])
    nparams = sum(int(np.prod(v.shape)) for v in b.inits.values() if v.dtype != np.int64)
    print(f"wrote {sys.argv[2]}: {len(b.nodes)} nodes, {nparams} float params, "
          f"output [1,{shape[0]}]", file=sys.stderr)


if __name__ == "__main__":
    main()
