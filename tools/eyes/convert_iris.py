#!/usr/bin/env python3
"""Converts MediaPipe's iris landmark model (iris_landmark.tflite: 71 eye-contour and brow points,
5 iris points, from a 64 x 64 eye crop) to ONNX.

    python3 tools/eyes/convert_iris.py [--wheel mediapipe-0.10.21-...whl | --tflite iris_landmark.tflite]
                                       [--out models/iris_landmark.onnx] [--check N]

Where the tflite comes from: the PyPI wheel `mediapipe==0.10.21` (cp311 manylinux_2_28_x86_64),
member `mediapipe/modules/iris_landmark/iris_landmark.tflite` (SHA-256 checked). Without
--wheel/--tflite the script runs `pip download mediapipe==0.10.21 --no-deps` into a temp folder.

The graph uses 6 builtin ops (CONV_2D, DEPTHWISE_CONV_2D, PRELU, ADD, MAX_POOL_2D, PAD) and two
RESHAPEs at the outputs; weights are fp32 already. The translation is the one of
tools/mediapipe/convert.py (no TensorFlow): NHWC input transposed once to NCHW, TFLite SAME padding
made explicit, PRELU written as Relu(x) + slope * Min(x, 0).

Input `input_1` float32 1 x 64 x 64 x 3 (NHWC), RGB in [0, 1] (MediaPipe's IrisLandmarkCpu graph:
TfLiteConverterCalculator with zero_center: false). The model is trained on the eye that appears on
the image's left (face-mesh points 33 and 133); the other eye is flipped horizontally first.
Outputs: `eye_contour` 1 x 213 = 71 x (x, y, z) in input pixels (0..64); points 0-15 are the eyelid
contour (0 and 8 the corners, 1-7 the lower lid, 9-15 the upper lid), 16-70 the brow and outer
rings; `iris` 1 x 15 = 5 x (x, y, z): the iris centre, then 4 points on its rim.

--check N runs the TFLite interpreter (ai-edge-litert) and onnxruntime on N random inputs and on
the same number of smooth synthetic eye-like images and prints the max |difference|.
"""
import argparse, glob, hashlib, os, subprocess, sys, tempfile, zipfile
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

WHEEL_VERSION = "0.10.21"
MEMBER = "mediapipe/modules/iris_landmark/iris_landmark.tflite"
TFLITE_SHA256 = "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f"


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def load_tflite_bytes(args):
    if args.tflite:
        data = open(args.tflite, "rb").read()
    else:
        wheel = args.wheel
        if not wheel:
            d = tempfile.mkdtemp()
            subprocess.run([sys.executable, "-m", "pip", "download", f"mediapipe=={WHEEL_VERSION}", "--no-deps",
                            "--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
                            "-d", d], check=True)
            wheel = glob.glob(os.path.join(d, "mediapipe-*.whl"))[0]
        with zipfile.ZipFile(wheel) as z:
            data = z.read(MEMBER)
        print(f"wheel {os.path.basename(wheel)} sha256 {sha256(open(wheel, 'rb').read())}")
    h = sha256(data)
    print(f"tflite {MEMBER} {len(data)} bytes sha256 {h}")
    if TFLITE_SHA256 and h != TFLITE_SHA256:
        sys.exit(f"unexpected tflite SHA-256 {h} (expected {TFLITE_SHA256})")
    return data


def convert(data):
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator as BO
    from tflite.TensorType import TensorType as TT
    from tflite.Padding import Padding
    from tflite.ActivationFunctionType import ActivationFunctionType as AF

    m = tflite.Model.GetRootAsModel(data, 0)
    g = m.Subgraphs(0)
    np_type = {TT.FLOAT32: np.float32, TT.FLOAT16: np.float16, TT.INT32: np.int32}

    def tname(i):
        return g.Tensors(i).Name().decode()

    def tshape(i):
        return [int(v) for v in g.Tensors(i).ShapeAsNumpy()]

    def const(i):
        t = g.Tensors(i)
        raw = m.Buffers(t.Buffer()).DataAsNumpy()
        if isinstance(raw, int) or raw is None or len(raw) == 0:
            return None
        return np.frombuffer(raw.tobytes(), dtype=np_type[t.Type()]).reshape(tshape(i)).astype(np.float32) \
            if t.Type() in (TT.FLOAT32, TT.FLOAT16) else np.frombuffer(raw.tobytes(), dtype=np_type[t.Type()]).reshape(tshape(i))

    nodes, inits = [], []
    names, shapes = {}, {}
    counter = [0]

    def uniq(base):
        counter[0] += 1
        return f"{base}__{counter[0]}"

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def same_pads(in_hw, k_hw, s_hw):
        pads_b, pads_e = [], []
        for n, k, s in zip(in_hw, k_hw, s_hw):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads_b.append(total // 2)
            pads_e.append(total - total // 2)
        return pads_b + pads_e

    inp = g.InputsAsNumpy()[0]
    in_name = tname(inp)
    in_shape = tshape(inp)
    nodes.append(helper.make_node("Transpose", [in_name], ["input_nchw"], perm=[0, 3, 1, 2]))
    names[inp] = "input_nchw"
    shapes[inp] = in_shape
    out_ids = list(g.OutputsAsNumpy())
    out_names = {out_ids[0]: "eye_contour", out_ids[1]: "iris"}

    for oi in range(g.OperatorsLength()):
        op = g.Operators(oi)
        oc = m.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        ins, outs = list(op.InputsAsNumpy()), list(op.OutputsAsNumpy())
        out = outs[0]
        oname = tname(out)
        if code in (BO.CONV_2D, BO.DEPTHWISE_CONV_2D):
            if code == BO.CONV_2D:
                o = tflite.Conv2DOptions(); o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            else:
                o = tflite.DepthwiseConv2DOptions(); o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            assert o.FusedActivationFunction() == AF.NONE, "fused activation not handled"
            assert o.DilationHFactor() == 1 and o.DilationWFactor() == 1
            w, b = const(ins[1]), const(ins[2])
            x_shape = shapes[ins[0]]
            if code == BO.CONV_2D:   # tflite OHWI -> ONNX OIHW
                wk = w.transpose(0, 3, 1, 2); group = 1
            else:                    # tflite 1 x H x W x C*M -> ONNX (C*M) x 1 x H x W
                assert o.DepthMultiplier() == 1
                wk = w.transpose(3, 0, 1, 2); group = x_shape[3]
            kh, kw = wk.shape[2], wk.shape[3]
            s = [o.StrideH(), o.StrideW()]
            pads = same_pads(x_shape[1:3], [kh, kw], s) if o.Padding() == Padding.SAME else [0, 0, 0, 0]
            wn = init(tname(ins[1]), wk.astype(np.float32))
            bn = init(tname(ins[2]), b.astype(np.float32))
            nodes.append(helper.make_node("Conv", [names[ins[0]], wn, bn], [oname], kernel_shape=[kh, kw],
                                          strides=s, pads=pads, group=group, name=oname))
        elif code == BO.PRELU:
            alpha = const(ins[1])
            c = alpha.shape[-1]
            assert np.allclose(alpha.reshape(-1, c), alpha.reshape(-1, c)[0]), "non per-channel PReLU alpha"
            slope = alpha.reshape(-1, c)[0].reshape(c, 1, 1).astype(np.float32)
            sn = init(tname(ins[1]), slope)
            x = names[ins[0]]
            r, mn, mul = uniq(oname + "_relu"), uniq(oname + "_min"), uniq(oname + "_mul")
            zero = init(uniq("zero"), np.zeros((), np.float32))
            nodes += [helper.make_node("Relu", [x], [r]),
                      helper.make_node("Min", [x, zero], [mn]),
                      helper.make_node("Mul", [mn, sn], [mul]),
                      helper.make_node("Add", [r, mul], [oname], name=oname)]
        elif code == BO.ADD:
            o = tflite.AddOptions(); o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            assert o.FusedActivationFunction() == AF.NONE
            assert shapes[ins[0]] == shapes[ins[1]]
            nodes.append(helper.make_node("Add", [names[ins[0]], names[ins[1]]], [oname], name=oname))
        elif code == BO.MAX_POOL_2D:
            o = tflite.Pool2DOptions(); o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            assert o.FusedActivationFunction() == AF.NONE
            k = [o.FilterHeight(), o.FilterWidth()]; s = [o.StrideH(), o.StrideW()]
            x_shape = shapes[ins[0]]
            pads = same_pads(x_shape[1:3], k, s) if o.Padding() == Padding.SAME else [0, 0, 0, 0]
            nodes.append(helper.make_node("MaxPool", [names[ins[0]]], [oname], kernel_shape=k, strides=s,
                                          pads=pads, name=oname))
        elif code == BO.PAD:
            p = const(ins[1]).astype(np.int64)  # NHWC [[b,e],...]
            nchw = p[[0, 3, 1, 2]]
            pads = np.concatenate([nchw[:, 0], nchw[:, 1]]).astype(np.int64)
            pn = init(uniq(oname + "_pads"), pads)
            nodes.append(helper.make_node("Pad", [names[ins[0]], pn], [oname], mode="constant", name=oname))
        elif code == BO.RESHAPE:
            # only at the outputs: 1 x 1 x 1 x C (NHWC) -> 1 x C; NCHW 1 x C x 1 x 1 flattens the same way
            assert out in out_names, "RESHAPE inside the graph not handled"
            assert shapes[ins[0]][1:3] == [1, 1]
            oname = out_names[out]
            nodes.append(helper.make_node("Reshape", [names[ins[0]], init(uniq("shape"), np.array(tshape(out), np.int64))],
                                          [oname], name=oname))
        else:
            raise SystemExit(f"unsupported op {code}")
        names[out] = oname
        shapes[out] = tshape(out)

    graph = helper.make_graph(
        nodes, "mediapipe_iris_landmark",
        [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out_names[i], TensorProto.FLOAT, tshape(i)) for i in out_ids],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="veriface tools/eyes/convert_iris.py")
    model.ir_version = 7
    model.doc_string = (f"MediaPipe iris_landmark.tflite (PyPI mediapipe {WHEEL_VERSION}, sha256 {sha256(data)}), "
                        "Apache-2.0. Input NHWC RGB float [0,1] 64x64 (image-left eye; flip the other); "
                        "outputs 71x3 eye contour/brow and 5x3 iris points in input pixels.")
    onnx.checker.check_model(model)
    return model


def check(data, onnx_path, n):
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_content=data); it.allocate_tensors()
    inp = it.get_input_details()[0]["index"]
    outs = {d["name"]: d["index"] for d in it.get_output_details()}
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    worst = [0.0, 0.0]
    for k in range(2 * n):
        if k < n:
            x = rng.random((1, 64, 64, 3), np.float32)
        else:  # a dark ellipse (an "eye") of random size on a skin-coloured ground
            a, b = rng.uniform(0.2, 0.4), rng.uniform(0.02, 0.2)
            e = (((xx - 0.5) / a) ** 2 + ((yy - 0.5) / b) ** 2) < 1
            x = np.where(e[..., None], [0.15, 0.1, 0.1], [0.85, 0.65, 0.55]).astype(np.float32)[None]
        it.set_tensor(inp, x); it.invoke()
        ref = [it.get_tensor(outs["output_eyes_contours_and_brows"]), it.get_tensor(outs["output_iris"])]
        got = sess.run(["eye_contour", "iris"], {"input_1": x})
        for j in range(2):
            worst[j] = max(worst[j], float(np.abs(ref[j] - got[j]).max()))
    print(f"{2 * n} inputs: max |eye contour diff| {worst[0]:.3e} px, max |iris diff| {worst[1]:.3e} px")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel"); ap.add_argument("--tflite")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "models", "iris_landmark.onnx"))
    ap.add_argument("--check", type=int, default=0)
    a = ap.parse_args()
    data = load_tflite_bytes(a)
    model = convert(data)
    onnx.save(model, a.out)
    b = open(a.out, "rb").read()
    print(f"wrote {os.path.abspath(a.out)}: {len(b)} bytes sha256 {sha256(b)}")
    if a.check:
        check(data, a.out, a.check)


if __name__ == "__main__":
    main()
