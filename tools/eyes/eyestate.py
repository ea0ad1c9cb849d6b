"""Reference implementation of the eye-state measures studied in tools/eyes/README.md.

Everything a Rust port needs is here, in numpy: the image crate's Triangle resize (exact, f32, half-away
rounding), OpenCV-style bilinear resize, the eye model's patch (as src/liveness/passive.rs builds it),
the test-time-augmented eye-model logit, and the MediaPipe iris-landmark eyelid aperture.
"""
import math
import numpy as np

# ---------------------------------------------------------------- constants of the recommended rule

EYE_CROP = 0.5                     # eye-model patch side, x inter-eye distance (IOD), as today
EYE_PATCH_MEAN_STD = (110.0, 45.0)  # patch normalisation, as today
TTA_DY = (-0.075, 0.0, 0.075)      # vertical offsets of the patch centre, x IOD (image y axis, + = down)
IRIS_CROP = 1.03                   # iris-model crop side, x IOD  (MediaPipe: 2.3 x eye-corner distance ~ 0.448 IOD)
IRIS_DY = 0.02                     # iris crop centre below the eye landmark, x IOD
IRIS_SIZE = 64
APERTURE_WEIGHT = 50.0             # fused score = eye-model logit + 50 x eyelid aperture
UPPER = (10, 11, 12, 13, 14)       # iris-model eye-contour points: upper lid ...
LOWER = (2, 3, 4, 5, 6)            # ... and the lower-lid points facing them; 0 and 8 are the corners


# ---------------------------------------------------------------- resizing

def _triangle_weights(n_src, n_dst):
    ratio = np.float32(n_src) / np.float32(n_dst)
    sratio = max(ratio, np.float32(1.0))
    W = np.zeros((n_dst, n_src), np.float32)
    for o in range(n_dst):
        inp = (np.float32(o) + np.float32(0.5)) * ratio
        left = min(max(math.floor(inp - sratio), 0), n_src - 1)
        right = min(max(math.ceil(inp + sratio), left + 1), n_src)
        inp = inp - np.float32(0.5)
        w = np.array([max(0.0, 1.0 - abs((np.float32(i) - inp) / sratio)) for i in range(left, right)], np.float32)
        W[o, left:right] = w / np.float32(w.sum())
    return W


_W = {}


def resize_triangle(rgb, w_out, h_out):
    """uint8 H x W x 3 -> uint8, as image::imageops::resize(.., FilterType::Triangle) in image 0.25:
    vertical pass into f32, then horizontal, rounding half away from zero."""
    h, w = rgb.shape[:2]
    if (h, w) == (h_out, w_out):
        return rgb.copy()
    key = (h, w, h_out, w_out)
    if key not in _W:
        _W[key] = (_triangle_weights(h, h_out), _triangle_weights(w, w_out))
    Wy, Wx = _W[key]
    tmp = np.einsum("oh,hwc->owc", Wy, rgb.astype(np.float32))
    out = np.einsum("pw,owc->opc", Wx, tmp)
    return np.floor(np.clip(out, 0, 255) + 0.5).astype(np.uint8)


def resize_bilinear(rgb, w_out, h_out):
    """OpenCV INTER_LINEAR (no anti-aliasing), as passive.rs resize_bilinear."""
    h, w = rgb.shape[:2]

    def axis(n_dst, n_src):
        f = (np.arange(n_dst) + 0.5) * n_src / n_dst - 0.5
        lo = np.floor(np.maximum(f, 0))
        frac = np.where(f < 0, 0, f - lo)
        i0 = np.minimum(lo.astype(int), n_src - 1)
        i1 = np.minimum(i0 + 1, n_src - 1)
        frac = np.where(i0 == n_src - 1, 0, frac)
        return i0, i1, frac.astype(np.float32)
    y0, y1, fy = axis(h_out, h)
    x0, x1, fx = axis(w_out, w)
    a = rgb.astype(np.float32)
    top = a[y0][:, x0] + (a[y0][:, x1] - a[y0][:, x0]) * fx[None, :, None]
    bot = a[y1][:, x0] + (a[y1][:, x1] - a[y1][:, x0]) * fx[None, :, None]
    out = top + (bot - top) * fy[:, None, None]
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- crops

def square(W, H, cx, cy, side):
    """passive.rs square(): side floored (and at most the image), shifted inside the image; top-left truncated."""
    side = math.floor(min(side, W, H))
    if not side >= 1:
        return None
    x = min(max(cx - side / 2, 0), W - side)
    y = min(max(cy - side / 2, 0), H - side)
    return int(x), int(y), side


def iod_of(lm5):
    le, re = np.asarray(lm5[0], np.float32), np.asarray(lm5[1], np.float32)
    return float(np.hypot(*(re - le))), le, re


def eye_patch(rgb, cx, cy, side, norm=True):
    """24 x 24 grey patch as passive.rs builds it (before /255)."""
    H, W = rgb.shape[:2]
    x, y, s = square(W, H, cx, cy, side)
    small = resize_triangle(rgb[y:y + s, x:x + s], 24, 24).astype(np.float32)
    g = 0.299 * small[..., 0] + 0.587 * small[..., 1] + 0.114 * small[..., 2]
    if norm:
        m = g.mean(); sd = math.sqrt(((g - m) ** 2).mean())
        g = np.clip((g - m) / max(sd, 1.0) * EYE_PATCH_MEAN_STD[1] + EYE_PATCH_MEAN_STD[0], 0, 255)
    return g


def eye_views(rgb, lm5, side_f=EYE_CROP, dys=TTA_DY, flip=True):
    """Patches (n_eyes=2, n_dy, n_flip, 24, 24) for the test-time augmentation."""
    iod, le, re = iod_of(lm5)
    out = []
    for e in (le, re):
        per = []
        for dy in dys:
            g = eye_patch(rgb, float(e[0]), float(e[1]) + dy * iod, side_f * iod)
            per.append([g, g[:, ::-1]] if flip else [g])
        out.append(per)
    return np.asarray(out, np.float32)


def iris_input(rgb, lm5, eye, resize="bilinear"):
    """64 x 64 x 3 float32 in [0, 1] for eye 0 (image left) or 1 (image right, mirrored)."""
    iod, le, re = iod_of(lm5)
    e = (le, re)[eye]
    H, W = rgb.shape[:2]
    x, y, s = square(W, H, float(e[0]), float(e[1]) + IRIS_DY * iod, IRIS_CROP * iod)
    crop = rgb[y:y + s, x:x + s]
    small = (resize_bilinear if resize == "bilinear" else resize_triangle)(crop, IRIS_SIZE, IRIS_SIZE)
    if eye == 1:
        small = small[:, ::-1]
    return small.astype(np.float32) / 255.0


def aperture(eye_contour):
    """Mean upper-to-lower lid distance over 5 point pairs / corner-to-corner width, from the
    iris model's 71 x 3 output (any pixel units: the ratio is what counts)."""
    p = np.asarray(eye_contour, np.float64).reshape(71, 3)[:, :2]
    gap = np.linalg.norm(p[list(UPPER)] - p[list(LOWER)], axis=1).mean()
    return float(gap / max(np.linalg.norm(p[0] - p[8]), 1e-6))
