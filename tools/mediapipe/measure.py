#!/usr/bin/env python3
"""Measures what MediaPipe's 468-point face mesh adds to veriface's liveness checks.

    python3 tools/mediapipe/measure.py [--eval ../shared/eval] [--cli target/release/veriface]
                                       [--cache /tmp/veriface-mediapipe] {crop,eyes,parallax,all}

crop      establishes the crop rule (from the five RetinaFace points) against MediaPipe's own
          tracking ROI, and how stable the landmarks are against the crop's margin.
eyes      eyelid gap / eye aspect ratio from the mesh vs the current eye model (and variants of
          its crop) on closed eyes (CEW) and open-eye sources.
montage   eye regions of 40 random frames where a stored eye measure fires (--key, --source,
          --threshold, --out), to judge by eye what the fires are.
parallax  residual of the best homography / affine map between the landmarks of two frames
          (468-point stable subset vs the 5 RetinaFace points), and a depth-based ratio, on NUAA
          print attacks, NUAA live, liveportrait head turns and synthetic tilts of a live frame.

The eval data are read in place (`--eval`, or $VERIFACE_EVAL_DIR); derived files (CEW crops padded
for the detector, video frames, detector and mesh outputs) go to --cache, outside the repository.
Faces come from the veriface CLI (`frame --json`: five landmarks, the eye model's two
probabilities). Needs numpy, opencv-python-headless, onnxruntime, ffmpeg (or the imageio-ffmpeg
wheel) and models/face_landmark_468.onnx (tools/mediapipe/convert.py).
"""
import argparse, csv, glob, json, math, os, subprocess, sys
import numpy as np
import cv2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import facemesh as fm  # noqa: E402


# ---------------------------------------------------------------- data

def ffmpeg_exe():
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except ImportError:
        return "ffmpeg"


def video_frames(video, out_dir, fps=10):
    if not os.path.isdir(out_dir) or not os.listdir(out_dir):
        os.makedirs(out_dir, exist_ok=True)
        # square pixels (d9.mp4 is 512 x 480 with SAR 15:16)
        subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-i", video, "-vf",
                        f"fps={fps},scale=trunc(iw*sar/2)*2:ih,setsar=1", os.path.join(out_dir, "%04d.png")], check=True)
    return sorted(glob.glob(os.path.join(out_dir, "*.png")))


def sources(ev, cache):
    """name -> list of items {path, ...}. Frames are 10 per second of video (0.1 s apart)."""
    s = {}
    # CEW: tight crops padded to twice their size with the edge colour.
    d = os.path.join(cache, "cew_padded"); os.makedirs(d, exist_ok=True)
    s["cew_closed"] = []
    for r in csv.DictReader(open(os.path.join(ev, "cew_closed_eyes", "labels.csv"))):
        out = os.path.join(d, os.path.splitext(r["path"])[0] + ".png")
        if not os.path.exists(out):
            im = cv2.imread(os.path.join(ev, "cew_closed_eyes", r["path"]))
            h, w = im.shape[:2]
            cv2.imwrite(out, cv2.copyMakeBorder(im, h // 2, h // 2, w // 2, w // 2, cv2.BORDER_REPLICATE))
        s["cew_closed"].append(dict(path=out, group="cew"))
    nu = os.path.join(ev, "nuaa_print_attack")
    s["nuaa_live"], s["nuaa_spoof"] = [], []
    for r in csv.DictReader(open(os.path.join(nu, "labels.csv"))):
        it = dict(path=os.path.join(nu, r["path"]), subject=r["subject"], glasses=r["glasses"],
                  position=r["position"], session=r["session"], picture=int(r["picture"]), group="nuaa_" + r["subject"])
        s["nuaa_live" if r["label"] == "live" else "nuaa_spoof"].append(it)
    s["lfw"] = [dict(path=p, group="lfw") for p in sorted(glob.glob(os.path.join(ev, "lfw-dev", "images", "*", "*.jpg")))[::40]]
    s["apfol_live"] = [dict(path=p, group="apfol", t=i / 10) for i, p in enumerate(video_frames(
        os.path.join(ev, "liveness_webcam_real_vs_replay", "apfol", "videos", "real2.webm"), os.path.join(cache, "frames", "apfol_real2")))]
    s["liveportrait"] = []
    for v in sorted(glob.glob(os.path.join(ev, "liveportrait_driving_videos", "*.mp4"))):
        name = os.path.splitext(os.path.basename(v))[0]
        s["liveportrait"] += [dict(path=p, group="lp_" + name, t=i / 10) for i, p in
                              enumerate(video_frames(v, os.path.join(cache, "frames", "lp_" + name)))]
    return s


# ---------------------------------------------------------------- veriface CLI

def cli_reports(cli, models, cache, paths):
    """path -> the CLI's frame report (JSON), cached in cache/cli_frame.jsonl."""
    fn = os.path.join(cache, "cli_frame.jsonl")
    done = {}
    if os.path.exists(fn):
        for line in open(fn):
            r = json.loads(line); done[r["file"]] = r
    todo = [p for p in paths if p not in done]
    with open(fn, "a") as f:
        for i in range(0, len(todo), 40):
            chunk = todo[i:i + 40]
            out = subprocess.run([cli, "--models", models, "frame", "--json"] + chunk, capture_output=True, text=True)
            lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
            if len(lines) != len(chunk):  # one bad image stops the batch: run one by one
                lines = []
                for p in chunk:
                    o = subprocess.run([cli, "--models", models, "frame", "--json", p], capture_output=True, text=True)
                    try:
                        r = json.loads(o.stdout)
                    except json.JSONDecodeError:
                        r = {"error": (o.stdout + o.stderr)[-300:]}
                    r["file"] = p; lines.append(json.dumps(r))
            for l in lines:
                r = json.loads(l)
                if "file" not in r:
                    r["file"] = chunk[0]
                done[r["file"]] = r; f.write(json.dumps(r) + "\n")
            print(f"  cli: {min(i + 40, len(todo))}/{len(todo)}", file=sys.stderr, flush=True)
    return done


def five(report):
    subj = report.get("face") if report else None
    if not subj:
        return None, None
    return np.asarray(subj["landmarks"], float), subj["box"]


# ---------------------------------------------------------------- mesh

_mesh = None


def mesh_model(a):
    global _mesh
    if _mesh is None:
        _mesh = fm.FaceMesh(a.model)
    return _mesh


def read_rgb(path):
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)


def meshes(a, items, reports, tag="rule", k=None, cy=None):
    """path -> (468 x 3 landmarks, logit) with the crop rule (cached per rule)."""
    k = fm.K if k is None else k
    cy = fm.CY if cy is None else cy
    fn = os.path.join(a.cache, f"mesh_{tag}_{k:.2f}_{cy:.2f}.npz")
    store = dict(np.load(fn, allow_pickle=True)["d"].item()) if os.path.exists(fn) else {}
    new = 0
    for it in items:
        p = it["path"]
        if p in store:
            continue
        pts, _ = five(reports.get(p))
        if pts is None:
            store[p] = None; continue
        lm, logit = mesh_model(a).run(read_rgb(p), *fm.roi_from_five(pts, k, cy))
        store[p] = (lm.astype(np.float32), logit); new += 1
    if new:
        np.savez_compressed(fn, d=np.array(store, dtype=object))
    return store


# ---------------------------------------------------------------- statistics

def auc(pos, neg):
    """P(pos > neg) + 0.5 P(=)."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.concatenate([pos, neg])
    ranks = order.argsort().argsort().astype(float) + 1
    # average ranks for ties
    _, inv, cnt = np.unique(order, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, ranks); ranks = (sums / cnt)[inv]
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def pct(v, q):
    return float(np.percentile(v, q)) if len(v) else float("nan")


def dist(v):
    v = np.asarray(v, float)
    return f"n={len(v):4d}  median {pct(v, 50):.4f}  p5 {pct(v, 5):.4f}  p95 {pct(v, 95):.4f}"


# ---------------------------------------------------------------- crop

def cmd_crop(a, src, reports):
    """Compares crop rules to the converged MediaPipe tracking ROI."""
    items = src["lfw"] + src["nuaa_live"][::4] + src["liveportrait"][::10] + src["cew_closed"][::10]
    items = [it for it in items if five(reports.get(it["path"]))[0] is not None]
    m = mesh_model(a)
    print(f"\n== crop rule: {len(items)} faces (every LFW-40th, every 4th NUAA live, every 10th liveportrait frame, every 10th CEW)")
    canon, feats = [], []
    for it in items:
        img = read_rgb(it["path"])
        pts, box = five(reports[it["path"]])
        lm, logit, roi = m.refine(img, fm.roi_from_five(pts, 3.0, 0.5), iters=3)
        c, side, th = roi
        le, re = pts[0], pts[1]
        em, mm = (le + re) / 2, (pts[3] + pts[4]) / 2
        iod, emd = np.linalg.norm(re - le), np.linalg.norm(mm - em)
        bw, bh = box["x2"] - box["x1"], box["y2"] - box["y1"]
        t5 = math.atan2(re[1] - le[1], re[0] - le[0])
        off = fm.rot(t5).T @ (c - em)
        canon.append((img, pts, lm, roi))
        feats.append(dict(iod=iod, emd=emd, D=max(iod, emd), box=max(bw, bh), side=side, offx=off[0], offy=off[1],
                          dtheta=math.degrees(th - t5)))
    F = {k: np.array([f[k] for f in feats]) for k in feats[0]}
    print("MediaPipe's tracking ROI (3 refinements), side divided by each candidate scale:")
    for k in ["iod", "emd", "D", "box"]:
        r = F["side"] / F[k]
        print(f"  side / {k:4s}: median {np.median(r):.3f}  p5 {pct(r, 5):.3f}  p95 {pct(r, 95):.3f}  (coefficient of variation {r.std() / r.mean():.3f})")
    for k in ["offx", "offy"]:
        r = F[k] / F["D"]
        print(f"  centre {k} / D (eye-level frame, from the eye midpoint): median {np.median(r):.3f}  p5 {pct(r, 5):.3f}  p95 {pct(r, 95):.3f}")
    print(f"  angle of the ROI minus the RetinaFace eye line: median {np.median(F['dtheta']):.2f} deg, p5 {pct(F['dtheta'], 5):.2f}, p95 {pct(F['dtheta'], 95):.2f}")
    k_fit, cy_fit = float(np.median(F["side"] / F["D"])), float(np.median(F["offy"] / F["D"]))
    print(f"  -> rule: side = {k_fit:.2f} D, centre = eye midpoint + {cy_fit:.2f} D down the face (facemesh.K, facemesh.CY)")
    # the same against the box: centre offset from the box centre, in box sides
    # Landmark error of one pass at a rule against the converged landmarks, and jitter.
    print("Landmarks from one pass at a rule vs the converged ones (RMS over 468 points / IOD of the mesh's outer eye corners),")
    print("and jitter: RMS spread of the landmarks over 6 perturbed crops (centre moved 5% of the side each way, side x0.9, x1.1):")

    def evaluate(label, roi_fn):
        errs, jit = [], []
        for img, pts, lm0, roi in canon:
            c, s, th = roi_fn(pts, roi)
            lm, _ = m.run(img, c, s, th)
            iod = np.linalg.norm(lm0[33, :2] - lm0[263, :2])
            errs.append(np.sqrt(((lm[:, :2] - lm0[:, :2]) ** 2).sum(1).mean()) / iod)
            outs = [m.run(img, c + fm.rot(th) @ np.array(dc) * s, s * ds, th)[0] for dc, ds in
                    [((0.05, 0), 1), ((-0.05, 0), 1), ((0, 0.05), 1), ((0, -0.05), 1), ((0, 0), 0.9), ((0, 0), 1.1)]]
            st = np.stack([o[:, :2] for o in outs])
            jit.append(np.sqrt(st.var(0).sum(1).mean()) / iod)
        print(f"  {label:52s} error median {np.median(errs):.4f} p95 {pct(errs, 95):.4f} | jitter median {np.median(jit):.4f} p95 {pct(jit, 95):.4f}")

    for k in [2.2, 2.6, 3.0, 3.4, 3.6, 3.8, 4.0, 4.4]:
        evaluate(f"side {k:.1f} D, centre eye mid + {cy_fit:.2f} D", lambda pts, roi, k=k: fm.roi_from_five(pts, k, cy_fit))
    for cy in [0.2, 0.3, 0.5, 0.6]:
        evaluate(f"side 3.6 D, centre eye mid + {cy:.2f} D", lambda pts, roi, cy=cy: fm.roi_from_five(pts, 3.6, cy))
    # box-based: box centre, side kb x the box's longer side, rotated by the eye line
    boxes = [five(reports[it["path"]])[1] for it in items]
    box_of = {id(c[1]): b for c, b in zip(canon, boxes)}

    def box_rule(pts, roi, kb):
        b = box_of[id(pts)]
        le, re = pts[0], pts[1]
        return (np.array([(b["x1"] + b["x2"]) / 2, (b["y1"] + b["y2"]) / 2]), kb * max(b["x2"] - b["x1"], b["y2"] - b["y1"]),
                math.atan2(re[1] - le[1], re[0] - le[0]))
    for kb in [1.2, 1.34, 1.5]:
        evaluate(f"box centre, side {kb:.2f} x box's longer side", lambda pts, roi, kb=kb: box_rule(pts, roi, kb))
    evaluate("converged ROI itself (noise floor)", lambda pts, roi: roi)


# ---------------------------------------------------------------- eyes

def eye_model_probs(sess, rgb, pts, side_f=0.7, shift=(0.0, 0.0), contrast=None):
    """The current eye model on a square of side side_f x IOD around each eye landmark, as
    src/liveness/passive.rs does it: integer crop clamped inside the image, RGB resized to 24 x 24
    (triangle filter), then Rec. 601 grey / 255. `contrast` normalises the 24 x 24 grey patch first:
    "stretch" (2nd-98th percentile to 0-255), "equalize" (histogram), "meanstd" (to mean 110, std 45),
    "std" (std to 45, mean kept)."""
    from PIL import Image
    le, re = pts[0], pts[1]
    iod = float(np.linalg.norm(re - le))
    H, W = rgb.shape[:2]
    out = []
    for e in (le, re):
        side = math.floor(min(side_f * iod, W, H))
        cx, cy = e[0] + shift[0] * iod, e[1] + shift[1] * iod
        x = int(min(max(cx - side / 2, 0), W - side)); y = int(min(max(cy - side / 2, 0), H - side))
        small = np.asarray(Image.fromarray(rgb[y:y + side, x:x + side]).resize((24, 24), Image.BILINEAR), np.float32)
        small = 0.299 * small[..., 0] + 0.587 * small[..., 1] + 0.114 * small[..., 2]
        if contrast == "stretch":
            lo, hi = np.percentile(small, 2), np.percentile(small, 98)
            small = np.clip((small - lo) / max(hi - lo, 1) * 255, 0, 255)
        elif contrast == "equalize":
            small = cv2.equalizeHist(np.clip(np.round(small), 0, 255).astype(np.uint8)).astype(np.float32)
        elif contrast == "meanstd":
            small = np.clip((small - small.mean()) / max(small.std(), 1) * 45 + 110, 0, 255)
        elif contrast == "std":
            small = np.clip((small - small.mean()) / max(small.std(), 1) * 45 + small.mean(), 0, 255)
        o = sess.run(None, {"input": (small / 255.0)[None, None].astype(np.float32)})[0][0]
        p = np.exp(o - o.max()); p /= p.sum()
        out.append(float(p[1]))
    return out


OPEN_SOURCES = ["nuaa_live", "lfw", "apfol_live", "liveportrait"]


def report_measure(label, vals, subj, fixed=None):
    """vals: source -> list of openness (higher = more open); closed fires when value < t."""
    closed = np.asarray(vals["cew_closed"])
    opens = np.concatenate([vals[s] for s in OPEN_SOURCES])
    t = fixed if fixed is not None else float(np.percentile(closed, 90))
    fire_c = float((closed < t).mean()) if fixed is not None else float((closed <= t).mean())
    cmp = (lambda v: np.asarray(v) < t) if fixed is not None else (lambda v: np.asarray(v) <= t)
    line = f"  {label:44s} AUC {auc(opens, closed):.3f} | t {t:.4f} fires on CEW {fire_c:.3f} ({len(closed)}) |"
    for s in OPEN_SOURCES:
        v = vals[s]
        line += f" {s} {cmp(v).mean():.3f} ({len(v)})"
    print(line)
    per = {k: f"{cmp(v).mean():.2f}/{len(v)}" for k, v in sorted(subj.items())}
    print(f"  {'':44s} NUAA live per subject (false-fire rate/n): " + ", ".join(f"{k} {v}" for k, v in per.items()))
    return t


def cmd_eyes(a, src, reports):
    import onnxruntime as ort
    eye = ort.InferenceSession(os.path.join(a.models, "faceplugin_fr_eye.onnx"), providers=["CPUExecutionProvider"])
    names = ["cew_closed"] + OPEN_SOURCES
    found = {s: [it for it in src[s] if five(reports.get(it["path"]))[0] is not None] for s in names}
    print("\n== eyes: faces found by veriface (frame --json: 'face') / images")
    for s in names:
        print(f"  {s:14s} {len(found[s]):4d} / {len(src[s])}")
    M = {}
    for s in names:
        M.update(meshes(a, found[s], reports))
    meas = {
        "mesh eyelid gap / eye width, min of 2": lambda lm: min(fm.eye_gap(lm, fm.RIGHT_EYE), fm.eye_gap(lm, fm.LEFT_EYE)),
        "mesh eyelid gap / eye width, mean of 2": lambda lm: (fm.eye_gap(lm, fm.RIGHT_EYE) + fm.eye_gap(lm, fm.LEFT_EYE)) / 2,
        "mesh EAR (6 points), mean of 2": lambda lm: (fm.ear(lm, fm.RIGHT_EYE) + fm.ear(lm, fm.LEFT_EYE)) / 2,
        "mesh eyelid gap / IOD, mean of 2": lambda lm: (np.linalg.norm(lm[fm.RIGHT_EYE["upper"], :2] - lm[fm.RIGHT_EYE["lower"], :2], axis=1).mean()
                                                         + np.linalg.norm(lm[fm.LEFT_EYE["upper"], :2] - lm[fm.LEFT_EYE["lower"], :2], axis=1).mean())
                                                        / 2 / np.linalg.norm(lm[fm.RIGHT_EYE["upper"] + fm.RIGHT_EYE["lower"], :2].mean(0) - lm[fm.LEFT_EYE["upper"] + fm.LEFT_EYE["lower"], :2].mean(0)),
    }
    print("\nMesh measures (closed fires when value <= t; t = 90th percentile of CEW, so it fires on >= 90% of CEW):")
    per_item = {}
    for label, fn in meas.items():
        vals = {s: [fn(M[it["path"]][0].astype(float)) for it in found[s]] for s in names}
        subj = {}
        for it, v in zip(found["nuaa_live"], vals["nuaa_live"]):
            subj.setdefault(it["subject"], []).append(v)
        report_measure(label, vals, subj)
        per_item[label] = vals
    # The current model, as the CLI runs it.
    print("\nCurrent eye model (faceplugin_fr_eye.onnx), value = max of the two p(open) (EYES_CLOSED fires when < 0.5):")
    cli_vals = {s: [max(reports[it["path"]]["eyes_open"]) for it in found[s]] for s in names}
    subj = {}
    for it, v in zip(found["nuaa_live"], cli_vals["nuaa_live"]):
        subj.setdefault(it["subject"], []).append(v)
    report_measure("CLI eyes_open, threshold 0.5", cli_vals, subj, fixed=0.5)
    report_measure("CLI eyes_open, threshold at CEW 90%", cli_vals, subj)
    # Variants of the crop, re-run in Python (checked against the CLI first).
    greys = {}
    def grey(p):  # the RGB image, cached
        if p not in greys:
            greys[p] = read_rgb(p)
        return greys[p]
    chk = [max(eye_model_probs(eye, grey(it["path"]), five(reports[it["path"]])[0])) for it in found["nuaa_live"][:40]]
    ref = [max(reports[it["path"]]["eyes_open"]) for it in found["nuaa_live"][:40]]
    print(f"  (Python re-implementation vs CLI on 40 NUAA faces: |diff| of max p(open) max {np.abs(np.subtract(chk, ref)).max():.4f}, median {np.median(np.abs(np.subtract(chk, ref))):.5f})")
    # Why: the brightness and contrast of the 24 x 24 eye patches the model sees, per source.
    print("  Eye patches (24 x 24 grey, 0-255, side 0.7 IOD) per source: median mean, median std (p10), and the")
    print("  share of open-eye patches read as closed (p(open) < 0.5) among low-contrast (std < 20) and other patches:")
    from PIL import Image
    for s_ in names:
        st, po = [], []
        for it in found[s_]:
            rgb = grey(it["path"]); pts = five(reports[it["path"]])[0]
            iod = float(np.linalg.norm(pts[1] - pts[0])); H, W = rgb.shape[:2]
            for e in pts[:2]:
                side = math.floor(min(0.7 * iod, W, H))
                x = int(min(max(e[0] - side / 2, 0), W - side)); y = int(min(max(e[1] - side / 2, 0), H - side))
                sm = np.asarray(Image.fromarray(rgb[y:y + side, x:x + side]).resize((24, 24), Image.BILINEAR), np.float32)
                g = 0.299 * sm[..., 0] + 0.587 * sm[..., 1] + 0.114 * sm[..., 2]
                st.append((g.mean(), g.std()))
            po += list(reports[it["path"]]["eyes_open"])
        st, po = np.array(st), np.array(po)
        low = st[:, 1] < 20
        print(f"    {s_:13s} mean {np.median(st[:, 0]):5.1f}  std {np.median(st[:, 1]):5.1f} (p10 {pct(st[:, 1], 10):5.1f})  "
              f"low-contrast patches {low.mean():.2f}: read closed {(po[low] < 0.5).mean() if low.any() else float('nan'):.2f}, others {(po[~low] < 0.5).mean():.2f}")
    variants = [("side 0.7 (current)", dict()), ("side 1.0", dict(side_f=1.0)), ("side 1.3", dict(side_f=1.3)),
                ("side 0.5", dict(side_f=0.5)),
                ("side 0.7, centre 0.1 IOD up", dict(shift=(0, -0.1))), ("side 0.7, centre 0.1 IOD down", dict(shift=(0, 0.1))),
                ("side 1.0, centre 0.1 IOD up", dict(side_f=1.0, shift=(0, -0.1))),
                ("side 0.7, contrast stretch 2-98%", dict(contrast="stretch")), ("side 0.7, histogram equalised", dict(contrast="equalize")),
                ("side 0.7, mean/std normalised", dict(contrast="meanstd")),
                ("side 0.7, std normalised (mean kept)", dict(contrast="std")),
                ("side 0.5, mean/std normalised", dict(side_f=0.5, contrast="meanstd")),
                ("side 1.0, contrast stretch", dict(side_f=1.0, contrast="stretch"))]
    for label, kw in variants:
        probs = {s: [eye_model_probs(eye, grey(it["path"]), five(reports[it["path"]])[0], **kw) for it in found[s]] for s in names}
        for agg_name, agg in [("max", max), ("mean", lambda v: sum(v) / 2)]:
            vals = {s: [agg(p) for p in probs[s]] for s in names}
            subj = {}
            for it, v in zip(found["nuaa_live"], vals["nuaa_live"]):
                subj.setdefault(it["subject"], []).append(v)
            report_measure(f"{label}, {agg_name}, t=0.5", vals, subj, fixed=0.5)
            report_measure(f"{label}, {agg_name}, t at CEW 90%", vals, subj)
            per_item[f"eye model {label} {agg_name}"] = vals
    # Centred on the mesh's eye centre instead of the RetinaFace eye point.
    def mesh_centred(it, side_f):
        lm = M[it["path"]][0].astype(float)
        r = lm[fm.RIGHT_EYE["upper"] + fm.RIGHT_EYE["lower"], :2].mean(0); l = lm[fm.LEFT_EYE["upper"] + fm.LEFT_EYE["lower"], :2].mean(0)
        pts = np.array([r, l] if r[0] < l[0] else [l, r])
        return max(eye_model_probs(eye, grey(it["path"]), pts, side_f=side_f))
    for sf in [0.7, 1.0]:
        vals = {s: [mesh_centred(it, sf) for it in found[s]] for s in names}
        subj = {}
        for it, v in zip(found["nuaa_live"], vals["nuaa_live"]):
            subj.setdefault(it["subject"], []).append(v)
        report_measure(f"side {sf}, centred on mesh eye centre, max, t=0.5", vals, subj, fixed=0.5)
        report_measure(f"side {sf}, centred on mesh eye centre, max, t CEW90", vals, subj)
    np.savez_compressed(os.path.join(a.cache, "eyes_values.npz"), d=np.array(
        {k: {s: list(v) for s, v in vals.items()} for k, vals in per_item.items()}, dtype=object),
        paths=np.array({s: [it["path"] for it in found[s]] for s in names}, dtype=object))


# ---------------------------------------------------------------- parallax

def fit_residual(A, B, model):
    """RMS residual of the least-squares map A -> B (N x 2)."""
    n = len(A)
    if model == "affine":
        X = np.hstack([A, np.ones((n, 1))])
        P, *_ = np.linalg.lstsq(X, B, rcond=None)
        R = X @ P - B
    else:  # homography: normalised DLT, then Gauss-Newton on the reprojection error
        H = homography(A, B)
        R = apply_h(H, A) - B
    return float(np.sqrt((R ** 2).sum(1).mean()))


def normalise(P):
    c = P.mean(0); s = math.sqrt(2) / np.sqrt(((P - c) ** 2).sum(1)).mean()
    T = np.array([[s, 0, -s * c[0]], [0, s, -s * c[1]], [0, 0, 1]])
    return T


def apply_h(H, P):
    q = np.hstack([P, np.ones((len(P), 1))]) @ H.T
    return q[:, :2] / q[:, 2:3]


def homography(A, B, iters=10):
    Ta, Tb = normalise(A), normalise(B)
    a = apply_h(Ta, A); b = apply_h(Tb, B)
    rows = []
    for (x, y), (u, v) in zip(a, b):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u]); rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, _, Vt = np.linalg.svd(np.asarray(rows))
    Hn = Vt[-1].reshape(3, 3); Hn /= Hn[2, 2]
    # Gauss-Newton on the geometric error in normalised coordinates
    h = Hn.ravel()[:8].copy()
    for _ in range(iters):
        Hm = np.append(h, 1).reshape(3, 3)
        q = np.hstack([a, np.ones((len(a), 1))]) @ Hm.T
        w = q[:, 2]; pu, pv = q[:, 0] / w, q[:, 1] / w
        r = np.concatenate([pu - b[:, 0], pv - b[:, 1]])
        x, y = a[:, 0], a[:, 1]; z = np.zeros_like(x); o = np.ones_like(x)
        Ju = np.stack([x / w, y / w, o / w, z, z, z, -pu * x / w, -pu * y / w], 1)
        Jv = np.stack([z, z, z, x / w, y / w, o / w, -pv * x / w, -pv * y / w], 1)
        J = np.vstack([Ju, Jv])
        step, *_ = np.linalg.lstsq(J, -r, rcond=None)
        h += step
        if np.abs(step).max() < 1e-12:
            break
    Hn = np.append(h, 1).reshape(3, 3)
    return np.linalg.inv(Tb) @ Hn @ Ta


def similarity3d(A, B):
    """B ~ s R A + t (Umeyama), returns (s, R, t)."""
    ma, mb = A.mean(0), B.mean(0)
    a, b = A - ma, B - mb
    U, S, Vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(U @ Vt))
    D = np.diag([1, 1, d])
    R = U @ D @ Vt
    s = (S * np.diag(D)).sum() / (a ** 2).sum()
    return s, R, mb - s * R @ ma


def yaw_deg(lm):
    """Head yaw from the mesh: angle of the outer-eye-corner line out of the image plane."""
    d = lm[263] - lm[33]
    return math.degrees(math.atan2(d[2], math.hypot(d[0], d[1])))


def pair_measures(lmA, lmB, p5A, p5B):
    idx = fm.STABLE
    A, B = lmA[idx].astype(float), lmB[idx].astype(float)
    iod = float(np.linalg.norm(lmA[33, :2] - lmA[263, :2]))
    iod5 = float(np.linalg.norm(p5A[0] - p5A[1]))
    s, R, t = similarity3d(A, B)
    ang = math.degrees(math.acos(np.clip((np.trace(R) - 1) / 2, -1, 1)))
    pred = (s * A @ R.T + t)[:, :2]  # where a rigid 3D face would put the points
    obs_h = fit_residual(A[:, :2], B[:, :2], "homography")
    exp_h = fit_residual(A[:, :2], pred, "homography")
    return dict(
        h468=obs_h / iod, a468=fit_residual(A[:, :2], B[:, :2], "affine") / iod,
        h5=fit_residual(p5A, p5B, "homography") / iod5, a5=fit_residual(p5A, p5B, "affine") / iod5,
        rigid3d=float(np.sqrt(((pred - B[:, :2]) ** 2).sum(1).mean())) / iod,
        rot3d=ang, expected_h=exp_h / iod, ratio=obs_h / max(exp_h, 1e-9),
        dyaw=abs(yaw_deg(lmB) - yaw_deg(lmA)),
        motion=float(np.sqrt(((B[:, :2] - A[:, :2]) ** 2).sum(1).mean())) / iod)


def synth_tilt(img, centre, deg, f=None):
    """Image of a flat picture turned by `deg` about a vertical axis through `centre` (pinhole, focal f px)."""
    h, w = img.shape[:2]
    f = f or float(w)
    cx, cy = w / 2, h / 2
    th = math.radians(deg)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = []
    for u, v in src:
        X = np.array([(u - cx) / f, (v - cy) / f, 1.0])  # on the plane Z = 1
        ax = np.array([(centre[0] - cx) / f, 0, 1.0])     # axis through the face centre
        Ry = np.array([[math.cos(th), 0, math.sin(th)], [0, 1, 0], [-math.sin(th), 0, math.cos(th)]])
        Y = Ry @ (X - ax) + ax
        dst.append([cx + f * Y[0] / Y[2], cy + f * Y[1] / Y[2]])
    H = cv2.getPerspectiveTransform(src, np.array(dst, np.float32))
    return cv2.warpPerspective(img, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), H


def render_bent(img, ax, R, deg, f=None):
    """A flat picture (img, seen face-on at distance f) bent round a vertical cylinder of radius R px
    (R = inf: flat) through x = ax, then turned by `deg` about the vertical axis through the same line."""
    h, w = img.shape[:2]
    f = f or float(w)
    cx, cy = w / 2, h / 2
    th = math.radians(deg)
    lim = 2 * w if math.isinf(R) else min(2 * w, 1.2 * R)  # at most 1.2 rad round the cylinder
    s = np.arange(-lim, lim, 0.25)
    if math.isinf(R):
        X, Z = s, np.zeros_like(s)
    else:
        X, Z = R * np.sin(s / R), R * (1 - np.cos(s / R))  # edges bend away from the camera
    Xr = X * math.cos(th) + Z * math.sin(th)
    Zr = -X * math.sin(th) + Z * math.cos(th) + f
    u = cx + f * ((ax - cx) + Xr) / Zr
    # keep the part of the surface that faces the camera (u increasing), around the face
    bad = np.where(np.diff(u) <= 0)[0]
    mid = len(s) // 2
    lo = bad[bad < mid].max() + 1 if (bad < mid).any() else 0
    hi = bad[bad >= mid].min() + 1 if (bad >= mid).any() else len(s)
    s, u, Zr = s[lo:hi], u[lo:hi], Zr[lo:hi]
    uu = np.arange(w, dtype=float)
    s_of_u = np.interp(uu, u, s)
    z_of_u = np.interp(uu, u, Zr)
    xs = np.tile((ax + s_of_u).astype(np.float32), (h, 1))
    vv = np.arange(h, dtype=float)[:, None]
    ys = (cy + (vv - cy) * z_of_u[None, :] / f).astype(np.float32)
    return cv2.remap(img, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def synthetic_bent(a, src, reports):
    """(source item, radius in IOD, degrees, path A, path B): a picture bent round a vertical cylinder,
    seen face-on (A) and turned by +-15 degrees (B)."""
    d = os.path.join(a.cache, "synthetic_bent"); os.makedirs(d, exist_ok=True)
    out = []
    for it in src["nuaa_live"][::12] + src["liveportrait"][::50]:
        r = reports.get(it["path"])
        if five(r)[0] is None or abs(r["pose"]["yaw"]) > 10:
            continue
        p5 = five(r)[0]
        iod = float(np.linalg.norm(p5[1] - p5[0]))
        base = it["path"].replace("/", "_").replace(".", "_")
        img = None
        for rad in (2, 4):
            fa = os.path.join(d, f"{base}_r{rad}_0.png")
            for deg in (15, -15):
                fb = os.path.join(d, f"{base}_r{rad}_{deg}.png")
                if not (os.path.exists(fa) and os.path.exists(fb)):
                    img = read_rgb(it["path"]) if img is None else img
                    cv2.imwrite(fa, cv2.cvtColor(render_bent(img, p5[:, 0].mean(), rad * iod, 0), cv2.COLOR_RGB2BGR))
                    cv2.imwrite(fb, cv2.cvtColor(render_bent(img, p5[:, 0].mean(), rad * iod, deg), cv2.COLOR_RGB2BGR))
                out.append((it, rad, deg, fa, fb))
    return out


def synthetic_items(a, src, reports):
    """(source item, degrees, sign, warped image path), the warped images written to the cache once."""
    d = os.path.join(a.cache, "synthetic_tilt"); os.makedirs(d, exist_ok=True)
    out = []
    for it in src["nuaa_live"][::6] + src["liveportrait"][::25]:
        r = reports.get(it["path"])
        if five(r)[0] is None or abs(r["pose"]["yaw"]) > 10:
            continue
        base = it["path"].replace("/", "_").replace(".", "_")
        img = None
        for deg in (10, 15, 20, 25):
            for sign in (1, -1):
                fn = os.path.join(d, f"{base}_{'p' if sign > 0 else 'm'}{deg}.png")
                if not os.path.exists(fn):
                    img = read_rgb(it["path"]) if img is None else img
                    warped, _ = synth_tilt(img, five(r)[0].mean(0), sign * deg)
                    cv2.imwrite(fn, cv2.cvtColor(warped, cv2.COLOR_RGB2BGR))
                out.append((it, deg, sign, fn))
    return out


def cmd_parallax(a, src, reports):
    pairs = {"nuaa_spoof_rotate_twist": [], "nuaa_live": [], "liveportrait_turn": [], "liveportrait_turn_cli": [], "liveportrait_turn_both": [],
             "liveportrait_any": [], "synthetic_tilt": [], "synthetic_bent_turn": []}
    all_items = src["nuaa_live"] + src["nuaa_spoof"] + src["liveportrait"]
    M = meshes(a, [it for it in all_items if five(reports.get(it["path"]))[0] is not None], reports)
    synth = synthetic_items(a, src, reports)
    reports.update(cli_reports(a.cli, a.models, a.cache, [s[3] for s in synth]))
    bent = synthetic_bent(a, src, reports)
    reports.update(cli_reports(a.cli, a.models, a.cache, sorted({p for b in bent for p in b[3:]})))
    M_synth = meshes(a, [dict(path=s[3]) for s in synth if five(reports.get(s[3]))[0] is not None]
                     + [dict(path=p) for p in sorted({p for b in bent for p in b[3:]}) if five(reports.get(p))[0] is not None], reports)

    def ok(it):
        return M.get(it["path"]) is not None

    def add(name, A, B, extra=None):
        if ok(A) and ok(B):
            m = pair_measures(M[A["path"]][0], M[B["path"]][0], five(reports[A["path"]])[0], five(reports[B["path"]])[0])
            m.update(extra or {}); pairs[name].append(m)

    seqs = {}
    for it in src["nuaa_spoof"] + src["nuaa_live"]:
        key = ("live" if "ClientRaw" in it["path"] else "spoof", it["subject"], it["glasses"], it["position"], it["session"])
        seqs.setdefault(key, []).append(it)
    for key, its in seqs.items():
        its.sort(key=lambda i: i["picture"])
        for A, B in zip(its, its[1:]):
            if key[0] == "spoof" and key[3] in ("01", "02", "03", "04"):
                add("nuaa_spoof_rotate_twist", A, B, dict(position=key[3], subject=key[1]))
            elif key[0] == "live":
                add("nuaa_live", A, B, dict(subject=key[1]))
    lp = {}
    for it in src["liveportrait"]:
        lp.setdefault(it["group"], []).append(it)
    for g, its in lp.items():
        for A, B in zip(its, its[3:]):  # 0.3 s apart
            if ok(A) and ok(B):
                add("liveportrait_any", A, B, dict(video=g))
                if pairs["liveportrait_any"][-1]["dyaw"] >= a.turn_deg:
                    pairs["liveportrait_turn"].append(pairs["liveportrait_any"][-1])
                # the same selection by the CLI's 5-point yaw (independent of the mesh)
                if abs(reports[B["path"]]["pose"]["yaw"] - reports[A["path"]]["pose"]["yaw"]) >= a.turn_deg:
                    pairs["liveportrait_turn_cli"].append(pairs["liveportrait_any"][-1])
                    # both estimates agree: the least biased towards either landmark set
                    if pairs["liveportrait_any"][-1]["dyaw"] >= a.turn_deg:
                        pairs["liveportrait_turn_both"].append(pairs["liveportrait_any"][-1])
    # Synthetic: frontal live frames (|yaw| <= 10 deg by the CLI's pose) warped as a flat picture turned
    # by 10-25 degrees about a vertical axis through the face; the warped image is detected again.
    for it, deg, sign, out in synthetic_items(a, src, reports):
        rB = reports.get(out)
        if not ok(it) or five(rB)[0] is None:
            continue
        lmB, _ = M_synth[out] if out in M_synth and M_synth[out] is not None else (None, None)
        if lmB is None:
            continue
        mm = pair_measures(M[it["path"]][0], lmB, five(reports[it["path"]])[0], five(rB)[0]); mm["deg"] = deg
        pairs["synthetic_tilt"].append(mm)
    for it, rad, deg, fa, fb in bent:
        if M_synth.get(fa) is None or M_synth.get(fb) is None:
            continue
        mm = pair_measures(M_synth[fa][0], M_synth[fb][0], five(reports[fa])[0], five(reports[fb])[0]); mm["rad"] = rad
        pairs["synthetic_bent_turn"].append(mm)
    keys = [("h468", "homography residual, 468-point stable subset (%d pts) / IOD" % len(fm.STABLE)),
            ("a468", "affine residual, same points / IOD"),
            ("h5", "homography residual, 5 RetinaFace points / IOD"),
            ("a5", "affine residual, 5 RetinaFace points / IOD (the PLANAR_MOTION_ONLY value)"),
            ("rigid3d", "residual of the best rigid 3D motion of the mesh (x, y, z) / IOD"),
            ("ratio", "observed / expected homography residual (expected: the mesh's own 3D motion)"),
            ("rot3d", "3D rotation between the meshes, degrees"),
            ("dyaw", "|yaw change| from the mesh, degrees"),
            ("motion", "RMS landmark motion / IOD")]
    print(f"\n== parallax: pairs per class (liveportrait frames 0.3 s apart; a turn is a yaw change >= {a.turn_deg} deg:"
          " _turn by the mesh's yaw, _turn_cli by the CLI's 5-point yaw, _turn_both by both)")
    for k, v in pairs.items():
        print(f"  {k:26s} {len(v)}")
    for key, label in keys:
        print(f"\n{label}:")
        for k, v in pairs.items():
            print(f"  {k:26s} {dist([p[key] for p in v])}")
    print("\nBy NUAA print position (01 up-down rotate, 02 up-down twist, 03 left-right rotate, 04 left-right twist):")
    for pos in ("01", "02", "03", "04"):
        v = [p for p in pairs["nuaa_spoof_rotate_twist"] if p["position"] == pos]
        print(f"  {pos}: h468 {dist([p['h468'] for p in v])} | a5 {dist([p['a5'] for p in v])}")
    print("\nSynthetic tilt by angle:")
    for deg in (10, 15, 20, 25):
        v = [p for p in pairs["synthetic_tilt"] if p["deg"] == deg]
        print(f"  {deg:2d} deg: h468 {dist([p['h468'] for p in v])} | a468 {dist([p['a468'] for p in v])} | a5 {dist([p['a5'] for p in v])}")
    print("\nBent picture turned by 15 degrees, by cylinder radius (in IOD):")
    for rad in (2, 4):
        v = [p for p in pairs["synthetic_bent_turn"] if p["rad"] == rad]
        print(f"  R = {rad} IOD: h468 {dist([p['h468'] for p in v])} | a5 {dist([p['a5'] for p in v])}")
    print("\nAccept (live) when value >= t. Best t by balanced accuracy, live = liveportrait turns (both yaw estimates agree),"
          "\nattack = NUAA prints + synthetic tilts + bent turns; then t at 95% of those live turns accepted:")
    for key, _ in keys[:6]:
        live = np.array([p[key] for p in pairs["liveportrait_turn_both"]])
        att = np.array([p[key] for p in pairs["nuaa_spoof_rotate_twist"] + pairs["synthetic_tilt"] + pairs["synthetic_bent_turn"]])
        ts = np.unique(np.concatenate([live, att]))
        best = max(ts, key=lambda t: ((live >= t).mean() + (att < t).mean()) / 2)
        for name, t in [("balanced", best), ("live 95%", float(np.percentile(live, 5)))]:
            line = f"  {key:8s} AUC {auc(live, att):.3f}  {name:8s} t {t:.4f}: accepts"
            for k in pairs:
                v = np.array([p[key] for p in pairs[k]])
                line += f" {k} {(v >= t).mean():.3f},"
            print(line.rstrip(","))
    np.savez_compressed(os.path.join(a.cache, "parallax_pairs.npz"), d=np.array(pairs, dtype=object))


def cmd_montage(a):
    """Eye regions of 40 random frames (seed 0) where a stored eye measure fires: for judging by eye."""
    z = np.load(os.path.join(a.cache, "eyes_values.npz"), allow_pickle=True)
    d, paths = z["d"].item(), z["paths"].item()
    reports = {}
    for line in open(os.path.join(a.cache, "cli_frame.jsonl")):
        r = json.loads(line); reports[r["file"]] = r
    v, ps = np.array(d[a.key][a.source]), np.array(paths[a.source])
    fired = ps[v < a.threshold]
    print(f"{len(fired)} of {len(ps)} fire; {a.out}")
    sel = fired if len(fired) <= 40 else np.random.default_rng(0).choice(fired, 40, replace=False)
    tiles = []
    for p in sel:
        im = cv2.imread(p); L = np.array(reports[p]["face"]["landmarks"])
        iod = np.linalg.norm(L[1] - L[0]); c = (L[0] + L[1]) / 2
        t = im[max(int(c[1] - 0.45 * iod), 0):int(c[1] + 0.45 * iod), max(int(c[0] - iod), 0):int(c[0] + iod)]
        t = cv2.resize(t, (200, 90))
        cv2.putText(t, "/".join(p.split("/")[-2:])[-12:], (2, 12), 0, 0.4, (0, 255, 0), 1)
        tiles.append(t)
    while len(tiles) % 5:
        tiles.append(np.zeros_like(tiles[0]))
    cv2.imwrite(a.out, np.vstack([np.hstack(tiles[i:i + 5]) for i in range(0, len(tiles), 5)]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["crop", "eyes", "parallax", "all", "montage"])
    ap.add_argument("--key", default="eye model side 0.7 (current) max", help="montage: a measure stored by `eyes`")
    ap.add_argument("--source", default="liveportrait", help="montage: source")
    ap.add_argument("--threshold", type=float, default=0.5, help="montage: fires below this")
    ap.add_argument("--out", default="/tmp/veriface-mediapipe/montage.png", help="montage: output PNG")
    ap.add_argument("--eval", default=os.environ.get("VERIFACE_EVAL_DIR", os.path.join(ROOT, "..", "shared", "eval")))
    ap.add_argument("--cli", default=os.path.join(ROOT, "target", "release", "veriface"))
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "face_landmark_468.onnx"))
    ap.add_argument("--cache", default="/tmp/veriface-mediapipe")
    ap.add_argument("--turn-deg", type=float, default=8.0)
    a = ap.parse_args()
    os.makedirs(a.cache, exist_ok=True)
    if a.cmd == "montage":
        return cmd_montage(a)
    src = sources(a.eval, a.cache)
    paths = [it["path"] for v in src.values() for it in v]
    reports = cli_reports(a.cli, a.models, a.cache, paths)
    if a.cmd in ("crop", "all"):
        cmd_crop(a, src, reports)
    if a.cmd in ("eyes", "all"):
        cmd_eyes(a, src, reports)
    if a.cmd in ("parallax", "all"):
        cmd_parallax(a, src, reports)


if __name__ == "__main__":
    main()
