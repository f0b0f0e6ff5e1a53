import type { PipelineStep } from '../image-processor.js';
import { checkNumberInRange } from '../../validation/check.js';
import type { RawStepHandler } from './step.js';

type VignetteStep = Extract<PipelineStep, { op: 'vignette' }>;

/**
 * Darkens with the distance from the centre, d, measured in half-diagonals (1 at the corner pixels):
 * nothing inside `radius`, then a smoothstep up to `strength` at the corners (a radius of 1 or more
 * leaves the image as it is). Colour channels are scaled; alpha is kept.
 */
export const vignette: RawStepHandler<VignetteStep> = {
  raw: true,
  apply(pixels, step, field) {
    const strength = checkNumberInRange(`${field}.strength`, step.strength, 0, 1);
    const radius = checkNumberInRange(`${field}.radius`, step.radius, 0.1, 1.5);
    const { data, width, height, channels } = pixels;
    const span = 1 - radius;
    if (strength === 0 || span <= 0) return pixels;
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    const halfDiagonal = Math.hypot(cx, cy) || 1;
    const dx2 = new Float64Array(width);
    for (let x = 0; x < width; x++) dx2[x] = ((x - cx) / halfDiagonal) ** 2;
    for (let y = 0; y < height; y++) {
      const dy2 = ((y - cy) / halfDiagonal) ** 2;
      let i = y * width * channels;
      for (let x = 0; x < width; x++, i += channels) {
        const t = (Math.sqrt(dx2[x] + dy2) - radius) / span;
        if (t <= 0) continue;
        const s = t >= 1 ? 1 : t * t * (3 - 2 * t);
        const factor = 1 - strength * s;
        data[i] = Math.round(data[i] * factor);
        data[i + 1] = Math.round(data[i + 1] * factor);
        data[i + 2] = Math.round(data[i + 2] * factor);
      }
    }
    return pixels;
  },
};
