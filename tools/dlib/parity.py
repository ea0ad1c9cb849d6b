#!/usr/bin/env python3
"""Parity check: dlib's own descriptors (dlib_dump --descriptors) vs ONNX models.

Usage:
  parity.py --dlib-dump BIN --dat MODEL.dat --workdir DIR --onnx A.onnx [--onnx B.onnx ...]
            [--real IMAGE.jpg ...]

Writes 4 deterministic synthetic 150x150 crops (seeded gradients + noise +
shapes) into DIR, plus one 150x150 crop per --real image (centre 130x130 box of
the image, resized with PIL bicubic; meant for 250x250 LFW images).  Runs dlib
and every ONNX model (onnxruntime, CPU) on the same pixels, normalized exactly as
dlib's input_rgb_image does: (float32(pixel) - float32(mean_c)) / 256 with
means R 122.782, G 117.001, B 104.298.  Prints the max absolute difference per
crop for each model, vs dlib and vs the first ONNX model.
Keep DIR outside the repository (real crops are third-party images).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw

MEANS = np.array([122.782, 117.001, 104.298], dtype=np.float32)  # dlib input.h, R,G,B


def synthetic(seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:150, 0:150].astype(np.float64) / 149.0
    img = np.zeros((150, 150, 3))
    for c in range(3):
        a, b_, c0 = rng.uniform(-120, 120, 3)
        fx, fy = rng.uniform(0.5, 3.0, 2)
        img[..., c] = 128 + a * x + b_ * y + c0 * 0.3 * np.sin(2 * np.pi * (fx * x + fy * y))
    img += rng.normal(0, 12, img.shape)
    im = Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for _ in range(5):
        x0, y0 = rng.integers(0, 120, 2)
        w, h = rng.integers(10, 60, 2)
        col = tuple(int(v) for v in rng.integers(0, 256, 3))
        box = [int(x0), int(y0), int(min(149, x0 + w)), int(min(149, y0 + h))]
        if rng.random() < 0.5:
            d.ellipse(box, fill=col)
        else:
            d.rectangle(box, fill=col)
    return im


def real_crop(path):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    s = min(130, w, h)
    l, t = (w - s) // 2, (h - s) // 2
    return im.crop((l, t, l + s, t + s)).resize((150, 150), Image.BICUBIC)


def normalize(png):
    px = np.asarray(Image.open(png).convert("RGB"), dtype=np.float32)  # HWC, RGB
    x = (px - MEANS) / np.float32(256.0)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])  # 1x3x150x150


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dlib-dump", required=True)
    ap.add_argument("--dat", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--onnx", action="append", required=True)
    ap.add_argument("--real", action="append", default=[])
    args = ap.parse_args()

    import onnxruntime as ort

    os.makedirs(args.workdir, exist_ok=True)
    crops = []
    for i in range(4):
        p = os.path.join(args.workdir, f"synthetic_{i}.png")
        synthetic(1000 + i).save(p)
        crops.append(p)
    for r in args.real:
        p = os.path.join(args.workdir, "real_" + os.path.splitext(os.path.basename(r))[0] + ".png")
        real_crop(r).save(p)
        crops.append(p)

    out = subprocess.run([args.dlib_dump, args.dat, "--descriptors", *crops],
                         check=True, capture_output=True, text=True).stdout
    ref = {}
    for line in out.splitlines():
        j = json.loads(line)
        ref[j["file"]] = np.array(j["descriptor"], dtype=np.float64)

    sessions = []
    for m in args.onnx:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sessions.append((m, ort.InferenceSession(m, so, providers=["CPUExecutionProvider"])))

    worst = {}
    for c in crops:
        x = normalize(c)
        first = None
        for m, s in sessions:
            y = s.run(["output"], {"input": x})[0][0].astype(np.float64)
            d = float(np.max(np.abs(y - ref[c])))
            msg = f"{os.path.basename(c):32s} {os.path.basename(m):32s} max|onnx-dlib|={d:.3e}"
            if first is None:
                first = y
            else:
                msg += f"  max|vs {os.path.basename(args.onnx[0])}|={np.max(np.abs(y - first)):.3e}"
            msg += f"  |dlib|={np.linalg.norm(ref[c]):.4f}"
            print(msg)
            worst[m] = max(worst.get(m, 0.0), d)
    for m, d in worst.items():
        print(f"WORST {os.path.basename(m)}: {d:.3e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
