#!/usr/bin/env python3
"""Establishes what the two faceplugin classifiers' output classes mean, on labelled eval data.

    python3 tools/liveness_probe.py [--eval ../shared/eval] [--ffmpeg PATH]

Liveness (models/faceplugin_fr_liveness.onnx, 3 classes, meaning undocumented): for each labelled
image (silentface_antispoof_samples, hyperfas_screen_spoof_sample) and frames at 2 fps from the
apfol webcam videos (live and phone replay), the face is found with the veriface CLI, cropped as
the package's JS does (box scaled 2.7 about its centre, shifted inside the image), resized to
128 x 128 and fed as 0..255 in RGB and in BGR. Printed: each class's mean probability per label,
argmax counts, and the AUC of each class's probability for separating live from spoof.

Eye state (models/faceplugin_fr_eye.onnx, 2 classes): 24 x 24 grey eye crops (side 0.7 x the
distance between the eyes, centred on each eye landmark) from every 40th LFW dev image, where
nearly every eye is open: the class that wins there is "open".

Reads the eval data in place (never copies it); needs onnxruntime, numpy, pillow, ffmpeg (or
the imageio-ffmpeg wheel) and a release build of the CLI (cargo build --release).
"""
import argparse, glob, json, os, subprocess, sys, tempfile
import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "target", "release", "veriface")


def faces(path):
    out = subprocess.run([CLI, "detect", path, "--json"], capture_output=True, text=True)
    return json.loads(out.stdout)["faces"] if out.returncode == 0 else []


def liveness_crop(img, box, scale=2.7, size=128):
    w_img, h_img = img.size
    x, y, w, h = box["x1"], box["y1"], box["x2"] - box["x1"], box["y2"] - box["y1"]
    s = min((h_img - 1) / h, (w_img - 1) / w, scale)
    cx, cy, nw, nh = x + w / 2, y + h / 2, w * s, h * s
    l, t, r, b = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if l < 0: r, l = r - l, 0
    if t < 0: b, t = b - t, 0
    if r > w_img - 1: l, r = l - (r - w_img + 1), w_img - 1
    if b > h_img - 1: t, b = t - (b - h_img + 1), h_img - 1
    return img.crop((int(max(l, 0)), int(max(t, 0)), int(r), int(b))).resize((size, size), Image.BILINEAR)


def softmax(o):
    p = np.exp(o - o.max())
    return p / p.sum()


def auc(pos, neg):
    pos, neg = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default=os.environ.get("VERIFACE_EVAL_DIR", os.path.join(ROOT, "..", "shared", "eval")))
    ap.add_argument("--ffmpeg")
    args = ap.parse_args()
    ev = args.eval
    ffmpeg = args.ffmpeg
    if not ffmpeg:
        import imageio_ffmpeg
        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    items = [(f"{ev}/silentface_antispoof_samples/images/image_{n}.jpg", label) for n, label in
             [("F1", "spoof_print"), ("F2", "spoof_tablet"), ("T1", "live"), ("T2", "live")]]
    items.append((f"{ev}/hyperfas_screen_spoof_sample/fake_screen.png", "spoof_screen"))
    tmp = tempfile.mkdtemp()
    videos = f"{ev}/liveness_webcam_real_vs_replay/apfol/videos"
    for name, label in [("real2.webm", "live_video"), ("fake2_replay.webm", "spoof_replay_video")]:
        subprocess.run([ffmpeg, "-loglevel", "error", "-i", f"{videos}/{name}", "-vf", "fps=2", f"{tmp}/{label}_%03d.png"], check=True)
        items += [(p, label) for p in sorted(glob.glob(f"{tmp}/{label}_*.png"))]

    live = ort.InferenceSession(os.path.join(ROOT, "models", "faceplugin_fr_liveness.onnx"))
    print(f"liveness model: {len(items)} images ({sum(1 for _, l in items if l.startswith('live'))} live)")
    for order in ("RGB", "BGR"):
        by_label = {}
        for path, label in items:
            fs = faces(path)
            if not fs:
                print(f"  no face: {path}")
                continue
            f = max(fs, key=lambda f: (f["box"]["x2"] - f["box"]["x1"]) * (f["box"]["y2"] - f["box"]["y1"]))
            img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
            x = np.asarray(liveness_crop(img, f["box"]), np.float32)
            if order == "BGR":
                x = x[..., ::-1]
            p = softmax(live.run(None, {"input": x.transpose(2, 0, 1)[None].copy()})[0][0])
            by_label.setdefault(label, []).append(p)
        print(f"== {order}, 0..255, box x 2.7")
        for label, ps in by_label.items():
            ps = np.array(ps)
            print(f"  {label:20s} n={len(ps):3d} mean p = {np.round(ps.mean(0), 3)}  argmax counts {np.bincount(ps.argmax(1), minlength=3)}")
        pos = np.array([p for l, ps in by_label.items() if l.startswith("live") for p in ps])
        neg = np.array([p for l, ps in by_label.items() if l.startswith("spoof") for p in ps])
        print("  AUC live vs spoof of p[class]: " + ", ".join(f"class {k}: {auc(pos[:, k], neg[:, k]):.3f}" for k in range(3)))

    eye = ort.InferenceSession(os.path.join(ROOT, "models", "faceplugin_fr_eye.onnx"))
    counts, probs = np.zeros(2, int), []
    for path in sorted(glob.glob(f"{ev}/lfw-dev/images/*/*.jpg"))[::40][:80]:
        fs = faces(path)
        if not fs:
            continue
        f = min(fs, key=lambda f: abs((f["box"]["x1"] + f["box"]["x2"]) / 2 - 125) + abs((f["box"]["y1"] + f["box"]["y2"]) / 2 - 125))
        (lx, ly), (rx, ry) = f["landmarks"][0], f["landmarks"][1]
        side = 0.7 * ((rx - lx) ** 2 + (ry - ly) ** 2) ** 0.5
        grey = Image.open(path).convert("L")
        for x, y in ((lx, ly), (rx, ry)):
            c = grey.crop((int(x - side / 2), int(y - side / 2), int(x + side / 2), int(y + side / 2))).resize((24, 24), Image.BILINEAR)
            p = softmax(eye.run(None, {"input": (np.asarray(c, np.float32) / 255.0)[None, None]})[0][0])
            probs.append(p)
            counts[p.argmax()] += 1
    print(f"eye model on {counts.sum()} LFW eyes (nearly all open): argmax counts {counts}, mean p = {np.round(np.mean(probs, 0), 3)}")


if __name__ == "__main__":
    sys.exit(main())
