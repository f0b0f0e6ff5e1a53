import type { Vec3 } from '../color/oklab.js';
import { byteToOklab } from '../color/recolor-transfer.js';
import { clamp01, lumaPlane, type Plane, type Rgba } from './plane.js';

export interface CompositionAnalysisResult {
  focalPoint: { x: number; y: number };
  ruleOfThirds: number;
  symmetry: number;
  edgeDensity: number;
  score: number;
}

/** Sizes the measures are taken at (long side). */
export const SALIENCY_SIDE = 128;
export const EDGE_SIDE = 512;
/** Sobel gradient (luma units per pixel) from which a pixel is on an edge: about 10% of the range. */
const EDGE_THRESHOLD = 25;
/** Distance from a thirds intersection to the centre, in normalised coordinates. */
const THIRDS_TO_CENTRE = Math.hypot(1 / 6, 1 / 6);

/**
 * Composition, from `small` (at most 128 px on the long side) and `edges` (at most 512 px):
 * - focal point: the centroid of frequency-tuned saliency (Achanta et al. 2009: the OKLab distance of
 *   each slightly blurred pixel from the image's mean colour), counting only what stands out above the
 *   mean saliency;
 * - rule of thirds: 1 at a thirds intersection, falling linearly to 0 at the centre's distance from it;
 * - symmetry: 1 - mean |Y(x, y) - Y(w - 1 - x, y)| / (1.41 x mean absolute deviation of Y), clamped to
 *   0-1 (1.41 MAD is what two unrelated halves differ by, for normally distributed values);
 * - edge density: share of pixels whose Sobel gradient exceeds 25 luma levels per pixel, at 512 px;
 * - score 0-100: 40% placement (the better of rule of thirds and symmetry squared), 30% edge balance
 *   (best at 8% edges, 0 at 1% or 64%), 30% focus (how much of the saliency lies near the focal point).
 */
export function compositionAnalysis(small: Rgba, edges: Rgba): CompositionAnalysisResult {
  const saliency = saliencyMap(small);
  const { x, y, focus } = focalPoint(saliency);
  const thirds = [1 / 3, 2 / 3];
  let nearest = Infinity;
  for (const tx of thirds) for (const ty of thirds) nearest = Math.min(nearest, Math.hypot(x - tx, y - ty));
  const ruleOfThirds = clamp01(1 - nearest / THIRDS_TO_CENTRE);
  const symmetry = mirrorSymmetry(lumaPlane(small));
  const edgeDensity = sobelDensity(lumaPlane(edges));
  const edgeBalance = edgeDensity <= 0 ? 0 : clamp01(1 - Math.abs(Math.log2(edgeDensity / 0.08)) / 3);
  const placement = Math.max(ruleOfThirds, symmetry * symmetry);
  const score = 100 * (0.4 * placement + 0.3 * edgeBalance + 0.3 * focus);
  return {
    focalPoint: { x: round4(x), y: round4(y) },
    ruleOfThirds: round4(ruleOfThirds),
    symmetry: round4(symmetry),
    edgeDensity: round4(edgeDensity),
    score: Math.round(score * 10) / 10,
  };
}

function saliencyMap(image: Rgba): Plane {
  const { data, width, height, channels } = image;
  const n = width * height;
  const lab = new Float32Array(n * 3);
  const mean = [0, 0, 0];
  const px: Vec3 = [0, 0, 0];
  for (let p = 0, i = 0; p < n; p++, i += channels) {
    byteToOklab(data[i], data[i + 1], data[i + 2], px);
    for (let c = 0; c < 3; c++) {
      lab[p * 3 + c] = px[c];
      mean[c] += px[c];
    }
  }
  for (let c = 0; c < 3; c++) mean[c] /= n;
  const blurred = blur5(lab, width, height);
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const dL = blurred[p * 3] - mean[0];
    const da = blurred[p * 3 + 1] - mean[1];
    const db = blurred[p * 3 + 2] - mean[2];
    out[p] = Math.sqrt(dL * dL + da * da + db * db);
  }
  return { data: out, width, height };
}

/** The centroid of saliency above its mean, and the share of that saliency within 0.2 of it (rescaled 0-1). */
function focalPoint(saliency: Plane): { x: number; y: number; focus: number } {
  const { data, width, height } = saliency;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let yy = 0; yy < height; yy++) {
    for (let xx = 0; xx < width; xx++) {
      const w = Math.max(0, data[yy * width + xx] - mean);
      sum += w;
      sx += w * (xx + 0.5);
      sy += w * (yy + 0.5);
    }
  }
  if (sum === 0) return { x: 0.5, y: 0.5, focus: 0 };
  const x = sx / sum / width;
  const y = sy / sum / height;
  let near = 0;
  for (let yy = 0; yy < height; yy++) {
    for (let xx = 0; xx < width; xx++) {
      if (Math.hypot((xx + 0.5) / width - x, (yy + 0.5) / height - y) <= 0.2) near += Math.max(0, data[yy * width + xx] - mean);
    }
  }
  // A spread-out map still has about pi 0.2^2 = 12.6% of its mass in any such disc.
  const uniform = Math.PI * 0.04;
  return { x, y, focus: clamp01((near / sum - uniform) / (0.7 - uniform)) };
}

export function mirrorSymmetry(plane: Plane): number {
  const { data, width, height } = plane;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  let mad = 0;
  for (let i = 0; i < data.length; i++) mad += Math.abs(data[i] - mean);
  mad /= data.length;
  if (mad < 1e-3) return 1;
  let diff = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width >> 1; x++) {
      diff += Math.abs(data[row + x] - data[row + width - 1 - x]);
      n++;
    }
  }
  return n === 0 ? 1 : clamp01(1 - diff / n / (1.41 * mad));
}

export function sobelDensity(plane: Plane): number {
  const { data, width, height } = plane;
  if (width < 3 || height < 3) return 0;
  let edges = 0;
  const t2 = (EDGE_THRESHOLD * 4) ** 2;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      const a = data[i - width - 1];
      const b = data[i - width];
      const c = data[i - width + 1];
      const d = data[i - 1];
      const f = data[i + 1];
      const g = data[i + width - 1];
      const h = data[i + width];
      const k = data[i + width + 1];
      const gx = c + 2 * f + k - a - 2 * d - g;
      const gy = g + 2 * h + k - a - 2 * b - c;
      if (gx * gx + gy * gy > t2) edges++;
    }
  }
  return edges / ((width - 2) * (height - 2));
}

/** Separable [1 4 6 4 1] / 16 blur of interleaved 3-channel floats, edges clamped. */
function blur5(src: Float32Array, width: number, height: number): Float32Array {
  const k = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let d = -2; d <= 2; d++) s += k[d + 2] * src[(y * width + Math.min(width - 1, Math.max(0, x + d))) * 3 + c];
        tmp[(y * width + x) * 3 + c] = s;
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let d = -2; d <= 2; d++) s += k[d + 2] * tmp[(Math.min(height - 1, Math.max(0, y + d)) * width + x) * 3 + c];
        out[(y * width + x) * 3 + c] = s;
      }
    }
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
