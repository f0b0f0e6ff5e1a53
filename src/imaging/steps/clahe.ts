import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { LUMA_B, LUMA_G, LUMA_R, sharpFromPixels } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type ClaheStep = Extract<PipelineStep, { op: 'clahe' }>;

/**
 * Contrast-limited adaptive histogram equalisation of luma: sharp equalises the Rec.709 luma plane and
 * the change is added to r, g and b alike, so hues stay (sharp's own clahe equalises each channel
 * separately, shifting colours, and alpha with them).
 */
export const clahe: RawStepHandler<ClaheStep> = {
  raw: true,
  async apply(pixels, step, field, deadline) {
    const width = checkIntInRange(`${field}.width`, step.width, 1, 1000);
    const height = checkIntInRange(`${field}.height`, step.height, 1, 1000);
    const maxSlope = checkIntInRange(`${field}.max_slope`, step.maxSlope, 0, 100);
    const { data, channels } = pixels;
    const count = pixels.width * pixels.height;
    const lumaPlane = Buffer.allocUnsafe(count);
    for (let p = 0, i = 0; p < count; p++, i += channels) {
      lumaPlane[p] = (LUMA_R * data[i] + LUMA_G * data[i + 1] + LUMA_B * data[i + 2] + 5000) / 10000;
    }
    const plane = { data: lumaPlane, width: pixels.width, height: pixels.height, channels: 1 as const };
    const equalised = await sharpFromPixels(plane, deadline).clahe({ width, height, maxSlope }).raw({ depth: 'uchar' }).toBuffer();
    for (let p = 0, i = 0; p < count; p++, i += channels) {
      const delta = equalised[p] - lumaPlane[p];
      if (delta === 0) continue;
      for (let c = i; c < i + 3; c++) {
        const v = data[c] + delta;
        data[c] = v <= 0 ? 0 : v >= 255 ? 255 : v;
      }
    }
    return pixels;
  },
};
