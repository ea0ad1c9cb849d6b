"""MediaPipe face mesh (models/face_landmark_468.onnx) run on a face found by veriface.

Shared by measure.py. The crop is a square, rotated so that the eye line is level, resampled to
192 x 192 RGB in [0, 1] with edge pixels replicated outside the image (as MediaPipe's own
ImageCroppingCalculator does); the 468 landmarks come back in image pixels, z in the same scale.

Crop rule from veriface's five RetinaFace points (established by `measure.py crop`, see README):
    angle  = atan2(re.y - le.y, re.x - le.x)            (le, re: eyes as seen in the image)
    D      = max(|re - le|, |mouth_mid - eye_mid|)       (inter-ocular and eye-to-mouth distances)
    centre = eye_mid + CY * D * n, n the unit vector from the eye line down the face
    side   = K * D
with K and CY the values below. MediaPipe's own tracking ROI (`roi_from_landmarks`) is the
rotated bounding box of the 468 points, squared on its long side and scaled 1.5.
"""
import math
import numpy as np
import cv2

SIZE = 192
K = 3.6    # side / D; set from `measure.py crop`
CY = 0.4   # centre below the eye midpoint, in D; set from `measure.py crop`

# Landmark indices of MediaPipe's canonical face mesh ("right"/"left" are the subject's own;
# the subject's right eye is on the image's left for a frontal face).
RIGHT_EYE = dict(outer=33, inner=133, upper=[161, 160, 159, 158, 157], lower=[163, 144, 145, 153, 154])
LEFT_EYE = dict(outer=263, inner=362, upper=[388, 387, 386, 385, 384], lower=[390, 373, 374, 380, 381])
NOSE_TIP, NOSE_BRIDGE = 1, [6, 168, 197, 195, 5, 4]
MOUTH = [61, 291]
SILHOUETTE = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
              152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109]
# The stable subset used for the parallax fits: outline, nose tip and bridge, eye corners, mouth corners.
STABLE = SILHOUETTE + [NOSE_TIP] + NOSE_BRIDGE + [33, 133, 263, 362] + MOUTH


def rot(theta):
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def roi_from_five(pts5, k=K, cy=CY):
    """(centre, side, angle) of the crop from veriface's 5 landmarks [[x, y] x 5]."""
    p = np.asarray(pts5, float)
    le, re = p[0], p[1]
    em, mm = (le + re) / 2, (p[3] + p[4]) / 2
    theta = math.atan2(re[1] - le[1], re[0] - le[0])
    d = max(np.linalg.norm(re - le), np.linalg.norm(mm - em))
    n = rot(theta) @ np.array([0.0, 1.0])
    return em + cy * d * n, k * d, theta


def roi_from_landmarks(lm, scale=1.5):
    """MediaPipe's tracking ROI: rotated bounding box of the landmarks, square on its long side, x1.5."""
    xy = lm[:, :2]
    a, b = xy[33], xy[263]
    theta = math.atan2(b[1] - a[1], b[0] - a[0])
    r = rot(theta)
    q = xy @ r            # into the eye-level frame (rows: R^T p)
    lo, hi = q.min(0), q.max(0)
    c = r @ ((lo + hi) / 2)
    return c, scale * float((hi - lo).max()), theta


def crop(img_rgb, centre, side, theta, size=SIZE):
    """Square crop (rotated by theta) resampled to size x size, float32 RGB in [0, 1]."""
    img = img_rgb
    c = np.asarray(centre, float)
    f = side / size
    if f > 1.5:  # shrink first so bilinear sampling does not alias
        img = cv2.resize(img_rgb, None, fx=1 / f, fy=1 / f, interpolation=cv2.INTER_AREA)
        sx = img.shape[1] / img_rgb.shape[1]
        c = (c + 0.5) * sx - 0.5
        side = side * sx
        f_img = sx
    else:
        f_img = 1.0
    r = rot(theta)
    s = size / side
    # crop u = s * R^T (p - c) + (size - 1) / 2
    A = s * r.T
    t = (size - 1) / 2 - A @ c
    M = np.hstack([A, t[:, None]])
    out = cv2.warpAffine(img, M, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.astype(np.float32) / 255.0, f_img


class FaceMesh:
    def __init__(self, model_path):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        self.sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])

    def run(self, img_rgb, centre, side, theta):
        """468 x 3 landmarks in image pixels (z in the same scale), and the face-presence logit."""
        x, _ = crop(img_rgb, centre, side, theta)
        lm, flag = self.sess.run(None, {"input_1": x[None]})
        lm = lm.reshape(468, 3).astype(np.float64)
        s = side / SIZE
        xy = (lm[:, :2] - SIZE / 2) * s
        p = xy @ rot(theta).T + np.asarray(centre, float)
        return np.hstack([p, lm[:, 2:3] * s]), float(flag.reshape(-1)[0])

    def refine(self, img_rgb, roi, iters=2):
        """Runs on roi, then re-crops `iters` times on MediaPipe's tracking ROI of the result."""
        lm, logit = self.run(img_rgb, *roi)
        for _ in range(iters):
            roi = roi_from_landmarks(lm)
            lm, logit = self.run(img_rgb, *roi)
        return lm, logit, roi


def eye_gap(lm, eye, norm="width"):
    """Mean upper-to-lower eyelid distance over five pairs, / eye width (corner to corner)."""
    up, lo = lm[eye["upper"], :2], lm[eye["lower"], :2]
    gap = np.linalg.norm(up - lo, axis=1).mean()
    w = np.linalg.norm(lm[eye["outer"], :2] - lm[eye["inner"], :2])
    return gap / w


def ear(lm, eye):
    """Classic 6-point eye aspect ratio (Soukupova and Cech 2016) on the mesh's eye points."""
    p1, p4 = lm[eye["outer"], :2], lm[eye["inner"], :2]
    p2, p3 = lm[eye["upper"][1], :2], lm[eye["upper"][3], :2]
    p6, p5 = lm[eye["lower"][1], :2], lm[eye["lower"][3], :2]
    return (np.linalg.norm(p2 - p6) + np.linalg.norm(p3 - p5)) / (2 * np.linalg.norm(p1 - p4))
