#!/usr/bin/env python3
"""Measure MiniFASNetV2 (2.7), MiniFASNetV1SE (4.0) and their ensemble against the current
anti-spoofing model (faceplugin, `live` of `veriface frame --json`) on the labelled dev data.

Reads ../shared/eval in place; writes only under --work (default /tmp/minifasnet): extracted
video frames, the CLI cache, scores.csv (one row per image, every variant), report.txt.

Every threshold here is chosen on this dev data (NUAA subjects 0001-0008 and the small sets);
NUAA subjects 0009-0016 are a hidden test set and are never read.

Usage:
  python3 tools/minifasnet/measure.py --veriface /tmp/vf/veriface --models models \
      --eval ../shared/eval [--work /tmp/minifasnet]
"""

from __future__ import annotations

import argparse
import csv
import glob
import math
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SOURCES = ["NUAA", "apfol", "silentface+hyperfas", "liveportrait"]
BPCER_TARGET = 0.05


# ---------------------------------------------------------------- data


def records(eval_dir: Path, work: Path, fps: float, cap: int) -> list[dict]:
    """Every labelled face image: source, group (subject / video), path, live (bool), kind."""
    out = []
    with open(eval_dir / "nuaa_print_attack" / "labels.csv") as f:
        for r in csv.DictReader(f):
            assert r["subject"] <= "0008", "hidden NUAA subject in the dev data"
            out.append(dict(source="NUAA", group=r["subject"], path=str(eval_dir / "nuaa_print_attack" / r["path"]),
                            live=r["label"] == "live", kind=r["label"]))
    apfol = eval_dir / "liveness_webcam_real_vs_replay"
    with open(apfol / "labels.csv") as f:
        for r in csv.DictReader(f):
            if not r["path"].startswith("apfol/videos/"):
                continue
            name = Path(r["path"]).stem
            for p in common.extract_frames(apfol / r["path"], work / "frames" / f"apfol_{name}", fps, cap):
                out.append(dict(source="apfol", group=name, path=p, live=r["label"] == "live", kind=r["label"]))
    sf = eval_dir / "silentface_antispoof_samples"
    with open(sf / "labels.csv") as f:
        for r in csv.DictReader(f):
            out.append(dict(source="silentface+hyperfas", group=Path(r["path"]).stem, path=str(sf / r["path"]),
                            live=r["label"] == "live", kind=r["label"]))
    out.append(dict(source="silentface+hyperfas", group="hyperfas", kind="spoof_screen", live=False,
                    path=str(eval_dir / "hyperfas_screen_spoof_sample" / "fake_screen.png")))
    for v in sorted(glob.glob(str(eval_dir / "liveportrait_driving_videos" / "*.mp4"))):
        name = Path(v).stem
        for p in common.extract_frames(v, work / "frames" / f"liveportrait_{name}", fps, cap):
            out.append(dict(source="liveportrait", group=name, path=p, live=True, kind="live"))
    return out


def face_of(rep: dict):
    """(x1, y1, x2, y2) of the subject in a `frame --json` report, or None."""
    face = rep.get("face")
    if not face:
        return None
    b = face.get("box") or face.get("bbox")
    if isinstance(b, dict):
        return (b["x1"], b["y1"], b["x2"], b["y2"])
    return tuple(b[:4])


# ---------------------------------------------------------------- metrics


def auc(live: np.ndarray, attack: np.ndarray) -> float:
    """P(score of a live face > score of an attack), ties counting half."""
    if len(live) == 0 or len(attack) == 0:
        return float("nan")
    s = np.concatenate([live, attack])
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    r = ranks[: len(live)].sum()
    return (r - len(live) * (len(live) + 1) / 2) / (len(live) * len(attack))


def threshold_at_bpcer(live: np.ndarray, target: float = BPCER_TARGET) -> float:
    """The highest threshold t (a face passes when p >= t) at which at most `target` of the live
    faces fail: the k-th smallest live score, k = floor(target * n)."""
    s = np.sort(live)
    k = int(math.floor(target * len(s)))
    return float(s[min(k, len(s) - 1)])


def rates(live, attack, t):
    bpcer = float((live < t).mean()) if len(live) else float("nan")
    apcer = float((attack >= t).mean()) if len(attack) else float("nan")
    return bpcer, apcer


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--veriface", default="/tmp/vf/veriface")
    ap.add_argument("--models", default="models")
    ap.add_argument("--eval", default="../shared/eval")
    ap.add_argument("--work", default="/tmp/minifasnet")
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--cap", type=int, default=60, help="frames per video at most")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def say(s=""):
        print(s, flush=True)
        lines.append(s)

    recs = records(Path(args.eval), work, args.fps, args.cap)
    cache = common.FrameCache(args.veriface, args.models, work / "frame_cache.json")
    reps = cache.get([r["path"] for r in recs])
    sessions = {k: ort.InferenceSession(str(Path(args.models) / v["onnx"]), providers=["CPUExecutionProvider"])
                for k, v in common.MODELS.items()}

    fp_spec = {"onnx": "faceplugin_fr_liveness.onnx", "size": 128, "scale": 2.7, "live_class": 0}
    fp_sess = ort.InferenceSession(str(Path(args.models) / fp_spec["onnx"]), providers=["CPUExecutionProvider"])

    def faceplugin(rgb, box, order):
        """The current model re-run here (crop arithmetic of src/liveness/passive.rs, PIL bilinear
        for the image crate's Triangle filter), to check this pipeline against the CLI's `live`
        and to try BGR."""
        h, w = rgb.shape[:2]
        x1, y1, x2, y2 = box
        bw, bh = x2 - x1, y2 - y1
        s = min((h - 1) / bh, (w - 1) / bw, fp_spec["scale"])
        nw, nh = bw * s, bh * s
        x = int(min(max((x1 + x2) / 2 - nw / 2, 0), w - 1 - nw))
        y = int(min(max((y1 + y2) / 2 - nh / 2, 0), h - 1 - nh))
        region = rgb[y : y + int(nh), x : x + int(nw)]
        from PIL import Image
        c = np.asarray(Image.fromarray(region).resize((fp_spec["size"],) * 2, Image.BILINEAR))
        z = fp_sess.run(None, {"input": common.to_input(c, order)})[0]
        return float(common.softmax(z)[0, fp_spec["live_class"]])

    def probs(key, x):
        return common.softmax(sessions[key].run(None, {"input": x})[0])[0]

    # Variants: channel order x resize filter, each model at its own scale; plus diagnostics.
    variants = [(o, rz) for o in ("bgr", "rgb") for rz in ("cv2", "aa")]
    kept = []
    for r, rep in zip(recs, reps):
        box = face_of(rep)
        r["face"] = box is not None
        if box is None:
            continue
        r["faceplugin"] = rep.get("live")
        rgb = common.load_rgb(r["path"])
        r["faceplugin_ort_rgb"] = faceplugin(rgb, box, "rgb")
        r["faceplugin_ort_bgr"] = faceplugin(rgb, box, "bgr")
        for key, spec in common.MODELS.items():
            for o, rz in variants:
                p = probs(key, common.to_input(common.crop(rgb, box, spec["scale"], resize=rz), o))
                r[f"{key}_{o}_{rz}"] = float(p[common.LIVE_CLASS])
                if (o, rz) == ("bgr", "cv2"):
                    r[f"{key}_p3"] = p  # all three classes, for the class check
            # diagnostics: 0..1 input (upstream's ToTensor does not divide by 255: check), other scales
            x01 = common.to_input(common.crop(rgb, box, spec["scale"]), "bgr") / 255.0
            r[f"{key}_bgr_cv2_div255"] = float(probs(key, x01)[common.LIVE_CLASS])
            for s in (2.0, 2.7, 4.0):
                r[f"{key}_bgr_cv2_s{s}"] = float(probs(key, common.to_input(common.crop(rgb, box, s), "bgr"))[common.LIVE_CLASS])
        for o, rz in variants:
            r[f"ens_{o}_{rz}"] = (r[f"v2_{o}_{rz}"] + r[f"v1se_{o}_{rz}"]) / 2
        kept.append(r)

    # ---- counts
    say("Data (dev only; NUAA subjects 0001-0008):")
    for s in SOURCES:
        rs = [r for r in recs if r["source"] == s]
        nl = sum(r["live"] for r in rs)
        nf_l = sum(r["live"] and not r["face"] for r in rs)
        nf_a = sum((not r["live"]) and not r["face"] for r in rs)
        say(f"  {s:<20} {nl:4d} live, {len(rs) - nl:4d} attack images; no face found: {nf_l} live, {nf_a} attack")
    no_live = [r for r in kept if r["faceplugin"] is None]
    if no_live:
        say(f"  ({len(no_live)} images without a faceplugin `live` value)")

    def arr(rs, key):
        return np.array([r[key] for r in rs if r.get(key) is not None], dtype=float)

    # ---- class check: mean softmax per class, BGR, cv2
    say("\nClass check (BGR, 0..255, cv2 resize, each model at its own scale): mean softmax (class 0, 1, 2)"
        " and AUC of each class's probability, live vs attack, all sources")
    for key in common.MODELS:
        L = np.array([r[f"{key}_p3"] for r in kept if r["live"]])
        A = np.array([r[f"{key}_p3"] for r in kept if not r["live"]])
        aucs = [auc(L[:, c], A[:, c]) for c in range(3)]
        say(f"  {key:<5} live {np.round(L.mean(0), 3)}  attack {np.round(A.mean(0), 3)}  AUC per class "
            f"{[round(float(a), 3) for a in aucs]}")
        for kind in sorted({r['kind'] for r in kept if not r['live']}):
            K = np.array([r[f"{key}_p3"] for r in kept if r["kind"] == kind])
            say(f"        attack kind {kind:<20} n={len(K):3d} mean {np.round(K.mean(0), 3)}")

    fp = np.array([(r["faceplugin"], r["faceplugin_ort_rgb"]) for r in kept if r["faceplugin"] is not None])
    say(f"\nfaceplugin re-run here (RGB) vs the CLI's `live`: mean |diff| {np.abs(fp[:, 0] - fp[:, 1]).mean():.4f}, "
        f"max {np.abs(fp[:, 0] - fp[:, 1]).max():.4f} over {len(fp)} faces (resize filters differ slightly)")

    # ---- main table
    names = [("faceplugin", "faceplugin (CLI `live`)")]
    for o, rz in variants:
        for key, label in (("v2", "V2@2.7"), ("v1se", "V1SE@4.0"), ("ens", "ensemble")):
            names.append((f"{key}_{o}_{rz}", f"{label} {o.upper()} {rz}"))
    diag = [("faceplugin_ort_rgb", "faceplugin re-run RGB"), ("faceplugin_ort_bgr", "faceplugin re-run BGR")]
    for key, label in (("v2", "V2"), ("v1se", "V1SE")):
        diag.append((f"{key}_bgr_cv2_div255", f"{label} BGR 0..1 (div 255)"))
        for s in (2.0, 2.7, 4.0):
            diag.append((f"{key}_bgr_cv2_s{s}", f"{label} BGR cv2 scale {s}"))

    def table(score_names, title):
        say(f"\n{title}")
        say("  threshold t chosen on ALL dev live faces pooled so that 5% fail (p < t); per source: AUC, "
            "APCER at that source's own BPCER 5%, then BPCER / APCER at the pooled t")
        hdr = f"  {'score':<28} {'t (pooled)':>10} | " + " | ".join(f"{s[:12]:^27}" for s in SOURCES + ['overall'])
        say(hdr)
        say("  " + " " * 28 + " " * 13 + "| " + " | ".join(f"{'AUC':>5} {'AP@5':>5} {'BP':>5} {'AP':>5}    " for _ in SOURCES + ['overall']))
        for key, label in score_names:
            live_all, att_all = arr([r for r in kept if r["live"]], key), arr([r for r in kept if not r["live"]], key)
            t = threshold_at_bpcer(live_all)
            cells = []
            for s in SOURCES + ["overall"]:
                rs = kept if s == "overall" else [r for r in kept if r["source"] == s]
                L, A = arr([r for r in rs if r["live"]], key), arr([r for r in rs if not r["live"]], key)
                a = auc(L, A)
                ap5 = rates(L, A, threshold_at_bpcer(L))[1] if len(L) >= 20 and len(A) else float("nan")
                bp, apc = rates(L, A, t)
                f = lambda v: "  -  " if v != v else f"{v:5.3f}"  # noqa: E731
                cells.append(f"{f(a)} {f(ap5)} {f(bp)} {f(apc)}    ")
            say(f"  {label:<28} {t:10.4g} | " + " | ".join(cells))

    table(names, "Main table")
    table(diag, "Diagnostics (input scale, crop scale)")

    # ---- fairness on NUAA subjects
    say("\nNUAA live frames failing at the pooled BPCER-5% threshold, per subject (n live frames)")
    subj = sorted({r["group"] for r in kept if r["source"] == "NUAA"})
    show = [("faceplugin", "faceplugin"), ("faceplugin_ort_bgr", "faceplugin BGR")] + [(f"{k}_bgr_cv2", f"{k} BGR cv2") for k in ("v2", "v1se", "ens")] + \
           [(f"{k}_bgr_aa", f"{k} BGR aa") for k in ("v2", "v1se", "ens")]
    say(f"  {'score':<16} " + " ".join(f"{s:>6}" for s in subj))
    say(f"  {'n live':<16} " + " ".join(f"{sum(1 for r in kept if r['group'] == s and r['live']):6d}" for s in subj))
    for key, label in show:
        t = threshold_at_bpcer(arr([r for r in kept if r["live"]], key))
        vals = []
        for s in subj:
            L = arr([r for r in kept if r["group"] == s and r["live"] and r["source"] == "NUAA"], key)
            vals.append(f"{(L < t).mean():6.3f}")
        say(f"  {label:<16} " + " ".join(vals))
    say("\nNUAA attack frames passing at the pooled threshold, per subject (APCER)")
    say(f"  {'n attack':<16} " + " ".join(f"{sum(1 for r in kept if r['group'] == s and not r['live']):6d}" for s in subj))
    for key, label in show:
        t = threshold_at_bpcer(arr([r for r in kept if r["live"]], key))
        vals = []
        for s in subj:
            A = arr([r for r in kept if r["group"] == s and not r["live"] and r["source"] == "NUAA"], key)
            vals.append(f"{(A >= t).mean():6.3f}")
        say(f"  {label:<16} " + " ".join(vals))

    # ---- per-image scores
    cols = ["source", "group", "kind", "live", "path", "face", "faceplugin"] + [k for k, _ in names[1:]] + [k for k, _ in diag]
    with open(work / "scores.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in recs:
            w.writerow([("" if r.get(c) is None else (f"{r[c]:.6g}" if isinstance(r.get(c), float) else r.get(c))) for c in cols])
    (work / "report.txt").write_text("\n".join(lines) + "\n")
    say(f"\nwrote {work / 'scores.csv'} and {work / 'report.txt'}")


if __name__ == "__main__":
    main()
