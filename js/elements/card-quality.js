// Two cheap measures of a photo of an ID card, computed here in JavaScript on a canvas (no
// model): is it sharp, and is the portrait washed out by glare? With the portrait found by the
// detector they decide whether <veriface-id-capture> accepts a picture.
//
// Sharpness: the variance of the 4-neighbour Laplacian of the grey levels of the card region,
// resized so that its long side is 640 px (so the value does not depend on the camera's
// resolution). A sharp card has crisp text and edges (a high variance); blur flattens them.
//
// Glare: the share of the portrait region's pixels (the largest face's box, enlarged by 10%) that
// are clipped white (all three channels at 250 or more). Measured on the portrait, not the whole
// card: a white card design or the white margin of a scan is not glare, while a reflection over
// the face is what spoils a face match.
//
// Thresholds (SHARPNESS_MIN, GLARE_MAX) were chosen on the ID images in ../shared/eval
// (passporteye specimens, docxpand templates): README "Capture elements" gives the figures.

import { canvas2d } from "./media.js";

export const SHARPNESS_MIN = 100;
export const GLARE_MAX = 0.04;
const SHARPNESS_SIDE = 640;

/** Pixels of `region` ({ x, y, width, height } in source pixels) of `source`, scaled to fit `side`. */
function pixels(source, region, side) {
  const scale = Math.min(1, side / Math.max(region.width, region.height));
  const w = Math.max(3, Math.round(region.width * scale));
  const h = Math.max(3, Math.round(region.height * scale));
  const ctx = canvas2d(w, h);
  ctx.drawImage(source, region.x, region.y, region.width, region.height, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

/** Variance of the Laplacian of the grey levels of `region` (long side brought to 640 px). */
export function sharpness(source, region) {
  const { width: w, height: h, data } = pixels(source, region, SHARPNESS_SIDE);
  const grey = new Float32Array(w * h);
  for (let i = 0, p = 0; i < grey.length; i++, p += 4) grey[i] = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w] - 4 * grey[i];
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  if (!n) return 0;
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/** Share of the pixels of `region` that are clipped white (every channel >= 250). */
export function glare(source, region) {
  const { data } = pixels(source, region, 256);
  let clipped = 0;
  const n = data.length / 4;
  for (let p = 0; p < data.length; p += 4) if (data[p] >= 250 && data[p + 1] >= 250 && data[p + 2] >= 250) clipped++;
  return n ? clipped / n : 0;
}

/** The face box enlarged by `k` of its size on each side, clipped to `width` x `height`. */
export function around(box, k, width, height) {
  const bw = box.x2 - box.x1;
  const bh = box.y2 - box.y1;
  const x = Math.max(0, Math.floor(box.x1 - k * bw));
  const y = Math.max(0, Math.floor(box.y1 - k * bh));
  const x2 = Math.min(width, Math.ceil(box.x2 + k * bw));
  const y2 = Math.min(height, Math.ceil(box.y2 + k * bh));
  return { x, y, width: Math.max(1, x2 - x), height: Math.max(1, y2 - y) };
}
