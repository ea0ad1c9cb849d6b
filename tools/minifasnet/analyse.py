#!/usr/bin/env python3
"""Follow-up figures from measure.py's scores.csv (dev data only): BPCER / APCER at fixed round
thresholds, leave-one-unit-out stability of the BPCER-5% threshold (unit = one NUAA subject or
one small source), live-score quantiles per source, where the NUAA live failures sit, how much
the crop box arithmetic and the effective crop scale matter.

Usage (after measure.py):
  python3 tools/minifasnet/analyse.py [--work /tmp/minifasnet] [--models models]
      [--eval ../shared/eval] [--crop-sensitivity]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from measure import SOURCES, auc, threshold_at_bpcer  # noqa: E402

KEYS = ["faceplugin", "faceplugin_ort_bgr", "v2_bgr_cv2", "v1se_bgr_cv2", "ens_bgr_cv2"]


def load(work: Path) -> list[dict]:
    rows = []
    with open(work / "scores.csv") as f:
        for r in csv.DictReader(f):
            if r["face"] != "True":
                continue
            r["live"] = r["live"] == "True"
            for k, v in r.items():
                if k not in ("source", "group", "kind", "path", "face", "live") and v != "":
                    r[k] = float(v)
            r["unit"] = f"NUAA {r['group']}" if r["source"] == "NUAA" else r["source"]
            rows.append(r)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/minifasnet")
    ap.add_argument("--models", default="models")
    ap.add_argument("--eval", default="../shared/eval")
    ap.add_argument("--crop-sensitivity", action="store_true",
                    help="also re-run the models on every 3rd face with the project's crop arithmetic and with jittered boxes")
    args = ap.parse_args()
    work = Path(args.work)
    rows = load(work)
    col = lambda rs, k: np.array([r[k] for r in rs], dtype=float)  # noqa: E731
    by = lambda pred: [r for r in rows if pred(r)]  # noqa: E731

    print("BPCER / APCER at fixed thresholds on p(live); columns: " + ", ".join(SOURCES) + ", all")
    for k in KEYS:
        print(f"== {k}")
        for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7):
            cells = []
            for s in SOURCES + [None]:
                rs = rows if s is None else by(lambda r: r["source"] == s)
                L, A = col([r for r in rs if r["live"]], k), col([r for r in rs if not r["live"]], k)
                cells.append(f"{(L < t).mean():.3f}/{(A >= t).mean() if len(A) else float('nan'):.3f}")
            print(f"  t={t:<5} " + "  ".join(cells))

    print("\nLive p(live) quantiles 1% / 5% / 10% / 50% and attack max / 99% per source")
    for k in KEYS:
        print(f"== {k}")
        for s in SOURCES:
            rs = by(lambda r: r["source"] == s)
            L, A = col([r for r in rs if r["live"]], k), col([r for r in rs if not r["live"]], k)
            q = " ".join(f"{np.quantile(L, p):.4f}" for p in (0.01, 0.05, 0.1, 0.5))
            a = f"{A.max():.4f} {np.quantile(A, 0.99):.4f}" if len(A) else "-"
            print(f"  {s:<20} live {q} | attack {a}")

    print("\nLeave-one-unit-out: BPCER-5% threshold chosen on the other units, applied to the held-out one")
    units = sorted({r["unit"] for r in rows})
    for k in KEYS[1:]:
        ts, cells = [], []
        for u in units:
            rest = by(lambda r: r["unit"] != u)
            t = threshold_at_bpcer(col([r for r in rest if r["live"]], k))
            h = by(lambda r: r["unit"] == u)
            L, A = col([r for r in h if r["live"]], k), col([r for r in h if not r["live"]], k)
            ts.append(t)
            cells.append(f"{u}: t {t:.3f} BP {(L < t).mean() if len(L) else float('nan'):.3f} "
                         f"AP {(A >= t).mean() if len(A) else float('nan'):.3f}")
        print(f"== {k}: threshold range {min(ts):.3f}..{max(ts):.3f}")
        for c in cells:
            print("   " + c)

    print("\nNUAA live failures at the pooled BPCER-5% threshold, by subject/session/glasses/position (fails/n)")
    labels = {}
    with open(Path(args.eval) / "nuaa_print_attack" / "labels.csv") as f:
        for r in csv.DictReader(f):
            labels[str((Path(args.eval) / "nuaa_print_attack" / r["path"]))] = r
    for k in KEYS[2:]:
        t = threshold_at_bpcer(col(by(lambda r: r["live"]), k))
        groups: dict[str, list[bool]] = {}
        for r in by(lambda r: r["source"] == "NUAA" and r["live"]):
            m = labels[r["path"]]
            groups.setdefault(f"{m['subject']}/s{m['session']}/g{m['glasses']}", []).append(r[k] < t)
        bad = {g: f"{sum(v)}/{len(v)}" for g, v in sorted(groups.items()) if any(v)}
        passing = [Path(r["path"]).name for r in by(lambda r: r["source"] == "NUAA" and not r["live"] and r[k] >= t)]
        print(f"  {k} (t {t:.4f}): live fails {bad}; attacks passing {passing}")

    print("\nEffective crop scale (upstream lowers the scale so the scaled box fits in the image)")
    cache = json.loads((work / "frame_cache.json").read_text())
    for s in SOURCES:
        eff = {2.7: [], 4.0: []}
        for r in by(lambda r: r["source"] == s):
            rep = cache[common.FrameCache.key(r["path"])]
            b, W, H = rep["face"]["box"], rep["image_width"], rep["image_height"]
            bw, bh = b["x2"] - b["x1"], b["y2"] - b["y1"]
            for sc in eff:
                eff[sc].append(min(sc, (H - 1) / bh, (W - 1) / bw))
        print(f"  {s:<20} " + "; ".join(
            f"{sc}: clamped in {np.mean(np.array(v) < sc):.0%}, median {np.median(v):.2f}, min {np.min(v):.2f}"
            for sc, v in eff.items()))

    if args.crop_sensitivity:
        import cv2
        import onnxruntime as ort

        sess = {k: ort.InferenceSession(str(Path(args.models) / v["onnx"]), providers=["CPUExecutionProvider"])
                for k, v in common.MODELS.items()}

        def project_crop(rgb, box, scale):
            """src/liveness/passive.rs's arithmetic: x = clamp(cx - nw/2, 0, w-1-nw), width
            floor(nw) (exclusive), then cv2 INTER_LINEAR."""
            h, w = rgb.shape[:2]
            x1, y1, x2, y2 = box
            bw, bh = x2 - x1, y2 - y1
            s = min((h - 1) / bh, (w - 1) / bw, scale)
            nw, nh = bw * s, bh * s
            x = int(min(max((x1 + x2) / 2 - nw / 2, 0), w - 1 - nw))
            y = int(min(max((y1 + y2) / 2 - nh / 2, 0), h - 1 - nh))
            return cv2.resize(rgb[y : y + int(nh), x : x + int(nw)], (80, 80), interpolation=cv2.INTER_LINEAR)

        rng = np.random.default_rng(0)
        sub = []
        for s in SOURCES:
            sub += by(lambda r: r["source"] == s)[::3]
        print(f"\nCrop sensitivity on every 3rd face per source ({len(sub)} faces), BGR, cv2 resize")
        for k, spec in common.MODELS.items():
            alt = {"project arithmetic": [], "box jitter +-2 px": []}
            for r in sub:
                b = cache[common.FrameCache.key(r["path"])]["face"]["box"]
                box = np.array((b["x1"], b["y1"], b["x2"], b["y2"]))
                rgb = common.load_rgb(r["path"])
                p = lambda c: float(common.softmax(sess[k].run(None, {"input": common.to_input(c, "bgr")})[0])[0, 1])  # noqa: E731
                alt["project arithmetic"].append(p(project_crop(rgb, box, spec["scale"])))
                alt["box jitter +-2 px"].append(p(common.crop(rgb, box + rng.uniform(-2, 2, 4), spec["scale"])))
            base, live = col(sub, f"{k}_bgr_cv2"), np.array([r["live"] for r in sub])
            for name, v in alt.items():
                v = np.array(v)
                dv = np.abs(v - base)
                print(f"  {k:<5} {name:<20} |dp| mean {dv.mean():.4f} median {np.median(dv):.4f} max {dv.max():.3f}; "
                      f"AUC {auc(v[live], v[~live]):.4f} (upstream crop {auc(base[live], base[~live]):.4f})")


if __name__ == "__main__":
    main()
