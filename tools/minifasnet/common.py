"""Shared helpers for tools/minifasnet: image loading, the upstream crop rule, face boxes from
the veriface CLI (cached), frame extraction from videos.

Nothing here writes into the repository: caches and frames go under a work directory in /tmp.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

# Upstream file names encode the crop: '2.7_80x80_MiniFASNetV2' and '4_0_0_80x80_MiniFASNetV1SE'.
MODELS = {
    "v2": {"onnx": "minifasnet_v2_2.7.onnx", "scale": 2.7},
    "v1se": {"onnx": "minifasnet_v1se_4.0.onnx", "scale": 4.0},
}
INPUT_SIZE = 80
LIVE_CLASS = 1  # established on data by measure.py (see README.md)


def load_rgb(path: str | Path) -> np.ndarray:
    """Upright RGB uint8 H x W x 3 (EXIF orientation applied, as the CLI and OpenCV do)."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return np.asarray(im.convert("RGB"))


def crop_box(w: int, h: int, box, scale: float):
    """The upstream crop rule on an (x1, y1, x2, y2) face box, in an image of w x h pixels.

    The box is scaled by `scale` about its centre (width and height separately, so the crop keeps
    the box's aspect ratio); the scale is first lowered to min(scale, (h-1)/box_h, (w-1)/box_w) so
    that the scaled box fits inside the image; the scaled box is then shifted (not clipped) to lie
    inside [0, w-1] x [0, h-1]; corners are truncated to integers and the crop takes pixels
    left..right and top..bottom inclusive. Returns (left, top, right, bottom), inclusive.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    scale = min(scale, (h - 1) / bh, (w - 1) / bw)
    nw, nh = bw * scale, bh * scale
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    l, t, r, b = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if l < 0:
        r -= l
        l = 0.0
    if t < 0:
        b -= t
        t = 0.0
    if r > w - 1:
        l -= r - (w - 1)
        r = float(w - 1)
    if b > h - 1:
        t -= b - (h - 1)
        b = float(h - 1)
    return int(l), int(t), int(r), int(b)


def crop(rgb: np.ndarray, box, scale: float, size: int = INPUT_SIZE, resize: str = "cv2") -> np.ndarray:
    """size x size RGB uint8 crop. resize 'cv2' = cv2.resize INTER_LINEAR (upstream: bilinear
    from the 2 x 2 nearest source pixels, no anti-aliasing when shrinking); 'aa' = PIL BILINEAR,
    whose triangle filter widens with the shrink factor (anti-aliased, like the image crate's
    FilterType::Triangle that src/liveness/passive.rs uses)."""
    h, w = rgb.shape[:2]
    l, t, r, b = crop_box(w, h, box, scale)
    region = rgb[t : b + 1, l : r + 1]
    if resize == "cv2":
        return cv2.resize(region, (size, size), interpolation=cv2.INTER_LINEAR)
    if resize == "aa":
        return np.asarray(Image.fromarray(region).resize((size, size), Image.BILINEAR))
    raise ValueError(resize)


def to_input(crop_rgb: np.ndarray, order: str = "bgr") -> np.ndarray:
    """1 x 3 x H x W float32, 0..255, no mean or std; channel order 'bgr' (upstream, OpenCV) or 'rgb'."""
    x = crop_rgb[:, :, ::-1] if order == "bgr" else crop_rgb
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None].astype(np.float32))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class FrameCache:
    """`veriface frame IMG... --json` results (largest face box and the current model's `live`),
    cached in a JSON file keyed by path, size and mtime."""

    def __init__(self, veriface: str, models: str, cache_file: str | Path):
        self.veriface, self.models, self.cache_file = veriface, models, Path(cache_file)
        self.data = json.loads(self.cache_file.read_text()) if self.cache_file.exists() else {}

    @staticmethod
    def key(path: str | Path) -> str:
        st = os.stat(path)
        return hashlib.sha1(f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()

    def get(self, paths: list[str], batch: int = 32) -> list[dict]:
        todo = [p for p in paths if self.key(p) not in self.data]
        for i in range(0, len(todo), batch):
            chunk = todo[i : i + batch]
            out = subprocess.run(
                [self.veriface, "frame", *chunk, "--json", "--models", self.models],
                capture_output=True, text=True)
            lines = [l for l in out.stdout.splitlines() if l.strip()]
            if len(lines) != len(chunk):
                # fall back to one image at a time so one bad file does not lose the batch
                lines = []
                for p in chunk:
                    o = subprocess.run([self.veriface, "frame", p, "--json", "--models", self.models],
                                       capture_output=True, text=True)
                    lines.append(o.stdout.strip() or json.dumps({"error": o.stderr.strip()}))
            for p, line in zip(chunk, lines):
                rep = json.loads(line)
                if "file" in rep and Path(rep["file"]).resolve() != Path(p).resolve():
                    raise RuntimeError(f"frame --json answered for {rep['file']}, expected {p}")
                self.data[self.key(p)] = rep
            self.cache_file.write_text(json.dumps(self.data))
            print(f"  frame --json: {min(i + batch, len(todo))}/{len(todo)}", flush=True)
        return [self.data[self.key(p)] for p in paths]


def extract_frames(video: str | Path, out_dir: str | Path, fps: float = 2.0, cap: int = 60) -> list[str]:
    """PNG frames at `fps` (ffmpeg's fps filter), at most `cap`, into out_dir (reused if present)."""
    out_dir = Path(out_dir)
    frames = sorted(out_dir.glob("f_*.png"))
    if not frames:
        out_dir.mkdir(parents=True, exist_ok=True)
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        subprocess.run([ffmpeg, "-loglevel", "error", "-i", str(video), "-vf", f"fps={fps}",
                        "-frames:v", str(cap), str(out_dir / "f_%04d.png")], check=True)
        frames = sorted(out_dir.glob("f_*.png"))
    return [str(f) for f in frames[:cap]]
