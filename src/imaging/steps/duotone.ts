import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { LUMA_B, LUMA_G, LUMA_R } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type DuotoneStep = Extract<PipelineStep, { op: 'duotone' }>;

/** Each pixel's Rec.709 luma picks its colour on the gradient from `shadow` (black) to `highlight` (white). */
export const duotone: RawStepHandler<DuotoneStep> = {
  raw: true,
  apply(pixels, step, field) {
    const shadow = parseHex(step.shadow, `${field}.shadow_color`);
    const highlight = parseHex(step.highlight, `${field}.highlight_color`);
    const gradient = new Uint8Array(256 * 3);
    for (let y = 0; y < 256; y++) {
      for (let c = 0; c < 3; c++) gradient[y * 3 + c] = Math.round(shadow[c] + ((highlight[c] - shadow[c]) * y) / 255);
    }
    const { data, channels } = pixels;
    for (let i = 0; i < data.length; i += channels) {
      const g = (((LUMA_R * data[i] + LUMA_G * data[i + 1] + LUMA_B * data[i + 2] + 5000) / 10000) | 0) * 3;
      data[i] = gradient[g];
      data[i + 1] = gradient[g + 1];
      data[i + 2] = gradient[g + 2];
    }
    return pixels;
  },
};

function parseHex(value: string, field: string): [number, number, number] {
  if (!/^#[0-9a-fA-F]{6}$/.test(value)) throw invalidArgument(field, 'a colour "#RRGGBB"', value);
  return [1, 3, 5].map((i) => parseInt(value.slice(i, i + 2), 16)) as [number, number, number];
}
