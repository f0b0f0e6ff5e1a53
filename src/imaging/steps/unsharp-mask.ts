import type { PipelineStep } from '../image-processor.js';
import { checkNumberInRange } from '../../validation/check.js';
import { sharpFromPixels } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type UnsharpMaskStep = Extract<PipelineStep, { op: 'unsharpMask' }>;

/**
 * The classic unsharp mask on each colour channel: the difference from a Gaussian blur (sigma = radius),
 * times `amount`, added back where it is at least `threshold`. sharp's sharpen works on L alone and
 * bends the difference through its own curve, so the blur comes from sharp and the rest happens here.
 */
export const unsharpMask: RawStepHandler<UnsharpMaskStep> = {
  raw: true,
  async apply(pixels, step, field, deadline) {
    const radius = checkNumberInRange(`${field}.radius`, step.radius, 0.3, 100);
    const amount = checkNumberInRange(`${field}.amount`, step.amount, 0, 10);
    const threshold = checkNumberInRange(`${field}.threshold`, step.threshold, 0, 255);
    // sharp blurs RGBA premultiplied, so colour under transparent pixels does not bleed into the mask.
    const blurred = await sharpFromPixels(pixels, deadline).blur(radius).raw({ depth: 'uchar' }).toBuffer();
    const { data, channels } = pixels;
    for (let i = 0; i < data.length; i += channels) {
      for (let c = i; c < i + 3; c++) {
        const d = data[c] - blurred[c];
        if (d !== 0 && (d >= threshold || -d >= threshold)) {
          const v = data[c] + amount * d;
          data[c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
    return pixels;
  },
};
