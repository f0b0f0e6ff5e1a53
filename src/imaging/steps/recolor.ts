import { invalidArgument } from '../../errors/index.js';
import { planRecolor, recolorLut, RECOLOR_LUT_SIZE } from '../../color/recolor.js';
import type { PipelineStep } from '../image-processor.js';
import { checkNumberInRange } from '../../validation/check.js';
import { lut3d } from './lut3d.js';
import type { RawStepHandler } from './step.js';

type RecolorStep = Extract<PipelineStep, { op: 'recolor' }>;

const HEX = /^#[0-9a-f]{6}$/i;

/**
 * Palette recolouring on rendered pixels: the source palette is read from these very pixels (no second
 * decode), the transfer is sampled into a lookup table, and the lut3d step applies it. Strength 0 leaves
 * the pixels untouched.
 */
export const recolor: RawStepHandler<RecolorStep> = {
  raw: true,
  apply(pixels, step, field, deadline) {
    const strength = checkNumberInRange(`${field}.strength`, step.strength, 0, 1);
    if (!Array.isArray(step.colors) || step.colors.length < 1 || step.colors.length > 16) {
      throw invalidArgument(`${field}.colors`, '1 to 16 colours', `${step.colors?.length ?? 0} colours`);
    }
    step.colors.forEach((c, i) => {
      if (typeof c !== 'string' || !HEX.test(c)) throw invalidArgument(`${field}.colors[${i}]`, 'a colour "#RRGGBB"', c);
    });
    if (strength === 0) return pixels;
    const plan = planRecolor(pixels.data, pixels.channels, step.colors);
    const table = recolorLut(plan, strength);
    return lut3d.apply(pixels, { op: 'lut3d', size: RECOLOR_LUT_SIZE, table, domainMin: [0, 0, 0], domainMax: [1, 1, 1] }, field, deadline);
  },
};
