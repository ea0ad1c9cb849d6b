#!/usr/bin/env python3
"""Run both ONNX files through tract 0.23 (the throwaway binary built from tract_check.rs) and
onnxruntime on real crops, and print max |diff|.

Build the binary outside the repository first (README.md), then:
  python3 tools/minifasnet/tract_compare.py --tract /tmp/tract-check-target/release/tract-check \
      --veriface /tmp/vf/veriface --models models --eval ../shared/eval
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tract", required=True)
    ap.add_argument("--veriface", default="/tmp/vf/veriface")
    ap.add_argument("--models", default="models")
    ap.add_argument("--eval", default="../shared/eval")
    ap.add_argument("--work", default="/tmp/minifasnet")
    args = ap.parse_args()
    e = Path(args.eval)
    imgs = [e / "silentface_antispoof_samples/images/image_T1.jpg",
            e / "silentface_antispoof_samples/images/image_F2.jpg",
            e / "hyperfas_screen_spoof_sample/fake_screen.png",
            e / "nuaa_print_attack/ClientRaw/0001/0001_00_00_01_0.jpg",
            e / "nuaa_print_attack/ImposterRaw/0001/0001_00_00_01_40.jpg"]
    imgs = [str(p) for p in imgs]
    Path(args.work).mkdir(parents=True, exist_ok=True)
    reps = common.FrameCache(args.veriface, args.models, Path(args.work) / "frame_cache.json").get(imgs)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "crop.f32"
        for key, spec in common.MODELS.items():
            path = str(Path(args.models) / spec["onnx"])
            sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            worst = worst_p = 0.0
            for img, rep in zip(imgs, reps):
                b = rep["face"]["box"]
                x = common.to_input(common.crop(common.load_rgb(img), (b["x1"], b["y1"], b["x2"], b["y2"]),
                                                spec["scale"]), "bgr")
                x.astype("<f4").tofile(raw)
                o = sess.run(None, {"input": x})[0][0]
                out = subprocess.run([args.tract, path, str(raw)], capture_output=True, text=True, check=True)
                t = np.array([float(v) for v in out.stdout.split()])
                d = float(np.abs(o - t).max())
                dp = float(np.abs(common.softmax(o) - common.softmax(t)).max())
                worst, worst_p = max(worst, d), max(worst_p, dp)
                print(f"{key:<5} {Path(img).name:>22}: tract logits {np.round(t, 5)}, p(live) "
                      f"{common.softmax(t)[common.LIVE_CLASS]:.6f}, |ort - tract| {d:.2e}")
            print(f"{key}: max |ort - tract| logits {worst:.3e}, softmax {worst_p:.3e}")


if __name__ == "__main__":
    main()
