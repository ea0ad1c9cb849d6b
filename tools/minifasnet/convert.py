#!/usr/bin/env python3
"""Convert the two Silent-Face-Anti-Spoofing MiniFASNet state dicts to ONNX.

The network is defined here from the state dicts' own keys and shapes (every channel width is
read from a weight's shape; strides and paddings are what brings an 80 x 80 input to the 5 x 5
map that the 5 x 5 'conv_6_dw' kernel reduces to 1 x 1). The training-only Fourier-transform
generator branch of upstream's MultiFTNet is not part of it (the released state dicts carry no
weights for it: the script lists any such keys it drops).

Export: opset 13, input 'input' float32 [1, 3, 80, 80] (BGR, 0..255, no normalisation),
output 'logits' float32 [1, 3] (raw logits; softmax them; class 1 = live). Each PRelu is
rewritten as Relu(x) + slope * Min(x, 0) (same function; tract runs PRelu slowly), and the
rewritten graph is checked against the exported one and against PyTorch.

Usage:
  python3 tools/minifasnet/convert.py \
      --src ../shared/third_party/silent_face_anti_spoofing --out models \
      [--veriface /tmp/vf/veriface --models models --check-images IMG...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
from prelu import rewrite_prelu  # noqa: E402  (tools/prelu.py: one rewrite for every model)

FILES = {
    "v2": "2.7_80x80_MiniFASNetV2.pth",
    "v1se": "4_0_0_80x80_MiniFASNetV1SE.pth",
}
TRAINING_ONLY_PREFIXES = ("FTGenerator.", "ft_generator.")


# ---------------------------------------------------------------- network, from shapes


class ConvBN(nn.Module):
    """Conv (no bias) + BatchNorm, + per-channel PReLU unless linear."""

    def __init__(self, cin, cout, k, stride, pad, groups=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout) if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if self.prelu is not None else x


class SqueezeExcite(nn.Module):
    """Global average -> 1x1 conv -> BN -> ReLU -> 1x1 conv -> BN -> sigmoid, times the input."""

    def __init__(self, channels, reduced):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, reduced, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(reduced)
        self.fc2 = nn.Conv2d(reduced, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        s = x.mean(dim=(2, 3), keepdim=True)
        s = torch.relu(self.bn1(self.fc1(s)))
        s = torch.sigmoid(self.bn2(self.fc2(s)))
        return x * s


class InvertedBlock(nn.Module):
    """1x1 expand (PReLU) -> 3x3 depthwise (PReLU) -> 1x1 linear projection [-> SE] [+ input]."""

    def __init__(self, cin, mid, cout, stride, residual, se_reduced=None):
        super().__init__()
        self.conv = ConvBN(cin, mid, 1, 1, 0)
        self.conv_dw = ConvBN(mid, mid, 3, stride, 1, groups=mid)
        self.project = ConvBN(mid, cout, 1, 1, 0, act=False)
        self.se_module = SqueezeExcite(cout, se_reduced) if se_reduced else None
        self.residual = residual

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        if self.se_module is not None:
            y = self.se_module(y)
        return x + y if self.residual else y


class Stage(nn.Module):
    """Residual blocks at constant resolution (state dict names: <stage>.model.<i>.*)."""

    def __init__(self, blocks):
        super().__init__()
        self.model = nn.Sequential(*blocks)

    def forward(self, x):
        return self.model(x)


class MiniFASNet(nn.Module):
    """80 x 80 -> conv1 (s2) 40 -> conv2_dw -> conv_23 (s2) 20 -> conv_3 -> conv_34 (s2) 10 ->
    conv_4 -> conv_45 (s2) 5 -> conv_5 -> conv_6_sep (1x1) -> conv_6_dw (5x5 depthwise, linear:
    global depthwise conv) 1 -> flatten -> linear -> BatchNorm1d -> [dropout: identity at
    inference] -> prob (3 logits)."""

    def __init__(self, sd: dict):
        super().__init__()
        shape = lambda k: tuple(sd[k].shape)  # noqa: E731

        def block(name, stride, residual):
            cin = shape(f"{name}.conv.conv.weight")[1]
            mid = shape(f"{name}.conv.conv.weight")[0]
            cout = shape(f"{name}.project.conv.weight")[0]
            se = f"{name}.se_module.fc1.weight"
            return InvertedBlock(cin, mid, cout, stride, residual, shape(se)[0] if se in sd else None)

        def stage(name):
            idx = sorted({int(m.group(1)) for k in sd for m in [re.match(rf"{name}\.model\.(\d+)\.", k)] if m})
            return Stage([block(f"{name}.model.{i}", 1, True) for i in idx])

        c1 = shape("conv1.conv.weight")
        self.conv1 = ConvBN(c1[1], c1[0], 3, 2, 1)
        c2 = shape("conv2_dw.conv.weight")
        self.conv2_dw = ConvBN(c2[0], c2[0], 3, 1, 1, groups=c2[0])
        self.conv_23 = block("conv_23", 2, False)
        self.conv_3 = stage("conv_3")
        self.conv_34 = block("conv_34", 2, False)
        self.conv_4 = stage("conv_4")
        self.conv_45 = block("conv_45", 2, False)
        self.conv_5 = stage("conv_5")
        s6 = shape("conv_6_sep.conv.weight")
        self.conv_6_sep = ConvBN(s6[1], s6[0], 1, 1, 0)
        d6 = shape("conv_6_dw.conv.weight")
        self.conv_6_dw = ConvBN(d6[0], d6[0], d6[2:], 1, 0, groups=d6[0], act=False)
        lin = shape("linear.weight")
        self.linear = nn.Linear(lin[1], lin[0], bias="linear.bias" in sd)
        self.bn = nn.BatchNorm1d(lin[0])
        prob = shape("prob.weight")
        self.prob = nn.Linear(prob[1], prob[0], bias="prob.bias" in sd)

    def forward(self, x):
        for m in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34,
                  self.conv_4, self.conv_45, self.conv_5, self.conv_6_sep, self.conv_6_dw):
            x = m(x)
        x = torch.flatten(x, 1)
        return self.prob(self.bn(self.linear(x)))


def load(path: Path) -> tuple[MiniFASNet, list[str]]:
    raw = torch.load(path, map_location="cpu", weights_only=True)
    sd = OrderedDict((k[len("module."):] if k.startswith("module.") else k, v) for k, v in raw.items())
    dropped = [k for k in sd if k.startswith(TRAINING_ONLY_PREFIXES)]
    for k in dropped:
        del sd[k]
    model = MiniFASNet(sd)
    model.load_state_dict(sd, strict=True)  # raises on any missing or unexpected key
    model.eval()
    return model, dropped


# ---------------------------------------------------------------- ONNX


def export(model: nn.Module, path: Path) -> None:
    dummy = torch.zeros(1, 3, common.INPUT_SIZE, common.INPUT_SIZE)
    torch.onnx.export(model, (dummy,), str(path), opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamo=False, do_constant_folding=True)


UPSTREAM = "https://github.com/minivision-ai/Silent-Face-Anti-Spoofing"
UPSTREAM_COMMIT = "b6d5f04ad78778917853b25c778acef6d5626d15"


def stamp(m: onnx.ModelProto, key: str, fname: str) -> None:
    """Provenance, licence notice and input facts in the file itself (Apache-2.0 section 4:
    modified files carry a notice that they were changed)."""
    spec = common.MODELS[key]
    m.doc_string = (f"MiniFASNet passive anti-spoofing, converted by veriface tools/minifasnet/convert.py from "
                    f"{UPSTREAM} @ {UPSTREAM_COMMIT} resources/anti_spoof_models/{fname}. Copyright 2020 Minivision, "
                    f"Apache License 2.0. Changed: network re-defined from the state dict, exported to ONNX "
                    f"(opset 13), PRelu rewritten as Relu(x) + slope * Min(x, 0).")
    meta = {
        "source": f"{UPSTREAM}@{UPSTREAM_COMMIT}:resources/anti_spoof_models/{fname}",
        "license": "Apache-2.0",
        "copyright": "Copyright 2020 Minivision",
        "modified": "converted to ONNX by veriface tools/minifasnet/convert.py; PRelu rewritten as Relu(x) + slope * Min(x, 0)",
        "input": "1x3x80x80 float32, BGR, 0..255 (no mean, no scaling)",
        "crop": f"face box scaled {spec['scale']} about its centre (scale lowered to fit the image, box shifted inside), "
                "resized to 80x80 with bilinear interpolation without anti-aliasing (OpenCV INTER_LINEAR)",
        "output": "logits 1x3; softmax; class 1 = live (0 = print attack, 2 = screen replay, on the data measured)",
        "live_class": str(common.LIVE_CLASS),
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)


def run_ort(path_or_bytes, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(path_or_bytes, providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": x})[0]


def check_inputs(args, scale: float) -> list[tuple[str, np.ndarray]]:
    """Real crops (BGR, 0..255) of the given images when the CLI is given, else none; plus two
    fixed synthetic inputs so the check always runs."""
    out = []
    rng = np.random.default_rng(0)
    out.append(("random 0..255", rng.uniform(0, 255, (1, 3, 80, 80)).astype(np.float32)))
    yy, xx = np.mgrid[0:80, 0:80]
    grad = np.stack([xx * 3, yy * 3, (xx + yy) * 1.5]).astype(np.float32)[None]
    out.append(("gradient", grad))
    if args.veriface and args.check_images:
        for img in args.check_images:
            o = subprocess.run([args.veriface, "detect", img, "--json", "--models", args.models],
                               capture_output=True, text=True, check=True)
            faces = json.loads(o.stdout).get("faces", [])
            if not faces:
                continue
            b = faces[0]["box"]
            box = (b["x1"], b["y1"], b["x2"], b["y2"]) if isinstance(b, dict) else tuple(b)
            rgb = common.load_rgb(img)
            out.append((Path(img).name, common.to_input(common.crop(rgb, box, scale), "bgr")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default="../shared/third_party/silent_face_anti_spoofing")
    ap.add_argument("--out", default="models")
    ap.add_argument("--keep-original", default=None,
                    help="directory to also write the exported graphs before the PRelu rewrite")
    ap.add_argument("--veriface", default=None, help="veriface CLI, for face boxes of --check-images")
    ap.add_argument("--models", default="models", help="--models for the CLI")
    ap.add_argument("--check-images", nargs="*", default=[])
    ap.add_argument("--only", choices=sorted(FILES), default=None,
                    help="convert one network (v2 is the one veriface ships)")
    args = ap.parse_args()
    torch.manual_seed(0)

    Path(args.out).mkdir(parents=True, exist_ok=True)
    for key, fname in FILES.items():
        if args.only and key != args.only:
            continue
        spec = common.MODELS[key]
        model, dropped = load(Path(args.src) / fname)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"== {fname}: loaded strict=True, {n_params} parameters; "
              f"training-only keys dropped: {dropped if dropped else 'none (the file has none)'}")
        with tempfile.TemporaryDirectory() as tmp:
            orig = Path(tmp) / "orig.onnx"
            export(model, orig)
            m = onnx.load(str(orig))
        orig_bytes = m.SerializeToString()
        if args.keep_original:
            Path(args.keep_original).mkdir(parents=True, exist_ok=True)
            (Path(args.keep_original) / spec["onnx"].replace(".onnx", "_prelu.onnx")).write_bytes(orig_bytes)
        ops = sorted({n.op_type for n in m.graph.node})
        m, n = rewrite_prelu(m)
        stamp(m, key, fname)
        new_bytes = m.SerializeToString()
        out = Path(args.out) / spec["onnx"]
        out.write_bytes(new_bytes)
        print(f"   exported ops {ops}; {n} PRelu rewritten; ops now {sorted({x.op_type for x in m.graph.node})}")

        d_torch_orig = d_torch_new = d_orig_new = d_p = 0.0
        for name, x in check_inputs(args, spec["scale"]):
            with torch.no_grad():
                t = model(torch.from_numpy(x)).numpy()
            a = run_ort(orig_bytes, x)
            b = run_ort(new_bytes, x)
            pd = np.abs(common.softmax(t) - common.softmax(b)).max()
            d_torch_orig = max(d_torch_orig, np.abs(t - a).max())
            d_torch_new = max(d_torch_new, np.abs(t - b).max())
            d_orig_new = max(d_orig_new, np.abs(a - b).max())
            d_p = max(d_p, pd)
            print(f"   {name:>24}: torch logits {np.array2string(t[0], precision=4)}, p(live) {common.softmax(t)[0, 1]:.6f}; "
                  f"|torch-onnx| {np.abs(t - a).max():.2e}, |onnx-rewritten| {np.abs(a - b).max():.2e}")
        print(f"   max |diff| logits: torch vs onnx {d_torch_orig:.3e}; torch vs rewritten {d_torch_new:.3e}; "
              f"onnx vs rewritten {d_orig_new:.3e}; softmax torch vs rewritten {d_p:.3e}")
        print(f"   wrote {out}: {len(new_bytes)} bytes, sha256 {hashlib.sha256(new_bytes).hexdigest()}")


if __name__ == "__main__":
    main()
