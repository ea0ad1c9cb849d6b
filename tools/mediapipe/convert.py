#!/usr/bin/env python3
"""Converts MediaPipe's face mesh model (face_landmark.tflite, 468 points with depth) to ONNX.

    python3 tools/mediapipe/convert.py [--wheel mediapipe-0.10.21-...whl | --tflite face_landmark.tflite]
                                       [--out models/face_landmark_468.onnx] [--prelu decomposed|native]
                                       [--check IMG_DIR_OR_FILES ...]

Where the tflite comes from: the PyPI wheel `mediapipe==0.10.21` (cp311 manylinux_2_28_x86_64),
member `mediapipe/modules/face_landmark/face_landmark.tflite` (the 1.x wheels no longer carry it).
Without --wheel/--tflite the script runs `pip download mediapipe==0.10.21 --no-deps` into a temp
folder. The tflite's SHA-256 is checked.

The graph is small and uses 7 builtin ops only (DEQUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, PRELU,
ADD, MAX_POOL_2D, PAD); this is a direct translation, written with the `tflite` flatbuffer parser
and `onnx.helper`, no TensorFlow:
  - the fp16 weights behind each DEQUANTIZE are stored as fp32 initializers (no Dequantize op);
  - the graph keeps the tflite's NHWC input `input_1` [1,192,192,3] (RGB, float, [0,1]), transposes
    once to NCHW and runs NCHW Conv / MaxPool / Pad / Add;
  - TFLite SAME padding becomes explicit (asymmetric) pads, as TensorFlow computes them;
  - PRELU becomes `Relu(x) + slope * Min(x, 0)` (--prelu decomposed, the default: tract runs ONNX
    PRelu slowly) or ONNX PRelu (--prelu native);
  - outputs: `landmarks` [1,1404] (468 x (x, y, z), x and y in input pixels 0..192, z in the same
    scale, relative) and `face_flag` [1,1] (logit of face presence; sigmoid for a probability).

--check runs the TFLite interpreter (ai-edge-litert, or tensorflow's tf.lite) and onnxruntime on
192x192 crops of the given images (the image resized whole unless it is already 192x192) and prints
the max |difference| of landmarks in pixels and of the face logit.
Needs: numpy, onnx, tflite (flatbuffer parser); for --check also onnxruntime, pillow, ai-edge-litert.
"""
import argparse, glob, hashlib, os, subprocess, sys, tempfile, zipfile
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

WHEEL_VERSION = "0.10.21"
MEMBER = "mediapipe/modules/face_landmark/face_landmark.tflite"
TFLITE_SHA256 = "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"


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
    if h != TFLITE_SHA256:
        sys.exit(f"unexpected tflite SHA-256 {h} (expected {TFLITE_SHA256})")
    return data


def convert(data, prelu="decomposed"):
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
        return np.frombuffer(raw.tobytes(), dtype=np_type[t.Type()]).reshape(tshape(i))

    nodes, inits = [], []
    consts = {}   # tensor index -> fp32 numpy (weights after dequantize)
    names = {}    # tensor index -> ONNX value name (NCHW activations)
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
    nodes.append(helper.make_node("Transpose", [in_name], ["input_nchw"], perm=[0, 3, 1, 2]))
    names[inp] = "input_nchw"
    shapes = {inp: tshape(inp)}  # NHWC shapes from the tflite

    for oi in range(g.OperatorsLength()):
        op = g.Operators(oi)
        oc = m.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        ins, outs = list(op.InputsAsNumpy()), list(op.OutputsAsNumpy())
        out = outs[0]
        oname = tname(out)
        if code == BO.DEQUANTIZE:
            consts[out] = const(ins[0]).astype(np.float32)
            continue
        if code in (BO.CONV_2D, BO.DEPTHWISE_CONV_2D):
            if code == BO.CONV_2D:
                o = tflite.Conv2DOptions(); o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            else:
                o = tflite.DepthwiseConv2DOptions(); o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            assert o.FusedActivationFunction() == AF.NONE, "fused activation not handled"
            assert o.DilationHFactor() == 1 and o.DilationWFactor() == 1
            w = consts[ins[1]] if ins[1] in consts else const(ins[1]).astype(np.float32)
            b = consts[ins[2]] if ins[2] in consts else const(ins[2]).astype(np.float32)
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
            alpha = consts[ins[1]] if ins[1] in consts else const(ins[1]).astype(np.float32)
            c = alpha.shape[-1]
            slope = alpha.reshape(-1, c)[0].reshape(c, 1, 1).astype(np.float32)
            assert np.allclose(alpha.reshape(-1, c), alpha.reshape(-1, c)[0]), "non per-channel PReLU alpha"
            sn = init(tname(ins[1]), slope)
            x = names[ins[0]]
            if prelu == "native":
                nodes.append(helper.make_node("PRelu", [x, sn], [oname], name=oname))
            else:
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
            # SAME max-pool pads with -inf in TF; ONNX MaxPool pads ignore padded cells too.
            nodes.append(helper.make_node("MaxPool", [names[ins[0]]], [oname], kernel_shape=k, strides=s,
                                          pads=pads, name=oname))
        elif code == BO.PAD:
            p = const(ins[1]).astype(np.int64)  # NHWC [[b,e],...]
            nchw = p[[0, 3, 1, 2]]
            pads = np.concatenate([nchw[:, 0], nchw[:, 1]]).astype(np.int64)
            pn = init(uniq(oname + "_pads"), pads)
            nodes.append(helper.make_node("Pad", [names[ins[0]], pn], [oname], mode="constant", name=oname))
        else:
            raise SystemExit(f"unsupported op {code}")
        names[out] = oname
        shapes[out] = tshape(out)

    out_lm, out_flag = g.OutputsAsNumpy()
    nodes.append(helper.make_node("Reshape", [names[out_lm], init("shape_lm", np.array([1, 1404], np.int64))], ["landmarks"]))
    nodes.append(helper.make_node("Reshape", [names[out_flag], init("shape_flag", np.array([1, 1], np.int64))], ["face_flag"]))
    graph = helper.make_graph(
        nodes, "mediapipe_face_landmark_468",
        [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, [1, 192, 192, 3])],
        [helper.make_tensor_value_info("landmarks", TensorProto.FLOAT, [1, 1404]),
         helper.make_tensor_value_info("face_flag", TensorProto.FLOAT, [1, 1])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="veriface tools/mediapipe/convert.py")
    model.ir_version = 7
    model.doc_string = (f"MediaPipe face_landmark.tflite (PyPI mediapipe {WHEEL_VERSION}, sha256 {TFLITE_SHA256}), "
                        "Apache-2.0. Input NHWC RGB float [0,1] 192x192; output 468x3 landmarks in input pixels, face logit.")
    onnx.checker.check_model(model)
    return model


def tflite_interpreter(data):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from tensorflow.lite import Interpreter  # type: ignore
    it = Interpreter(model_content=data)
    it.allocate_tensors()
    return it


def check(data, onnx_path, paths):
    import onnxruntime as ort
    from PIL import Image
    it = tflite_interpreter(data)
    inp = it.get_input_details()[0]["index"]
    outs = {d["name"]: d["index"] for d in it.get_output_details()}
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    files = []
    for p in paths:
        files += sorted(glob.glob(os.path.join(p, "*"))) if os.path.isdir(p) else [p]
    worst_lm = worst_flag = 0.0
    for f in files:
        x = np.asarray(Image.open(f).convert("RGB").resize((192, 192), Image.BILINEAR), np.float32)[None] / 255.0
        it.set_tensor(inp, x); it.invoke()
        lm_t = it.get_tensor(outs["conv2d_21"]).reshape(-1); fl_t = it.get_tensor(outs["conv2d_31"]).reshape(-1)
        lm_o, fl_o = sess.run(None, {"input_1": x})
        d_lm = float(np.abs(lm_t - lm_o.reshape(-1)).max()); d_fl = float(np.abs(fl_t - fl_o.reshape(-1)).max())
        worst_lm, worst_flag = max(worst_lm, d_lm), max(worst_flag, d_fl)
        print(f"{os.path.basename(f)}: max|dlandmark| {d_lm:.2e} px  |dlogit| {d_fl:.2e}  logit {fl_t[0]:.2f}")
    print(f"{len(files)} crops: max |landmark diff| {worst_lm:.3e} px, max |face logit diff| {worst_flag:.3e}")
    return worst_lm, worst_flag


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel"); ap.add_argument("--tflite")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "models", "face_landmark_468.onnx"))
    ap.add_argument("--prelu", choices=["decomposed", "native"], default="decomposed")
    ap.add_argument("--check", nargs="*")
    a = ap.parse_args()
    data = load_tflite_bytes(a)
    model = convert(data, a.prelu)
    onnx.save(model, a.out)
    b = open(a.out, "rb").read()
    print(f"wrote {os.path.abspath(a.out)}: {len(b)} bytes sha256 {sha256(b)}")
    if a.check:
        check(data, a.out, a.check)


if __name__ == "__main__":
    main()
