import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import type { RawStepHandler } from './step.js';

type PixelateStep = Extract<PipelineStep, { op: 'pixelate' }>;

/**
 * Square blocks from the top-left corner (smaller at the right and bottom edges) take their mean colour.
 * With alpha the mean is weighted by it, so the colour of invisible pixels does not show; alpha itself
 * is kept. Done here rather than as a resize down and up, which leaves uneven blocks when the size is
 * not a multiple of the block.
 */
export const pixelate: RawStepHandler<PixelateStep> = {
  raw: true,
  apply(pixels, step, field) {
    const block = checkIntInRange(`${field}.block_size`, step.blockSize, 1, 65_536);
    const { data, width, height, channels } = pixels;
    const across = Math.ceil(width / block);
    const blockOf = new Uint32Array(width);
    for (let x = 0; x < width; x++) blockOf[x] = (x / block) | 0;
    const down = Math.ceil(height / block);
    // Per block: weighted r, g, b and weight; plain r, g, b and count (for blocks with no alpha at all).
    const sums = new Float64Array(across * down * 8);
    for (let y = 0; y < height; y++) {
      const row = ((y / block) | 0) * across;
      for (let x = 0, i = y * width * channels; x < width; x++, i += channels) {
        const s = (row + blockOf[x]) * 8;
        const w = channels === 4 ? data[i + 3] : 1;
        sums[s] += w * data[i];
        sums[s + 1] += w * data[i + 1];
        sums[s + 2] += w * data[i + 2];
        sums[s + 3] += w;
        sums[s + 4] += data[i];
        sums[s + 5] += data[i + 1];
        sums[s + 6] += data[i + 2];
        sums[s + 7] += 1;
      }
    }
    const colours = new Uint8Array(across * down * 3);
    for (let b = 0; b < across * down; b++) {
      const s = b * 8;
      const [offset, weight] = sums[s + 3] > 0 ? [s, sums[s + 3]] : [s + 4, sums[s + 7]];
      colours[b * 3] = Math.round(sums[offset] / weight);
      colours[b * 3 + 1] = Math.round(sums[offset + 1] / weight);
      colours[b * 3 + 2] = Math.round(sums[offset + 2] / weight);
    }
    for (let y = 0; y < height; y++) {
      const row = ((y / block) | 0) * across;
      for (let x = 0, i = y * width * channels; x < width; x++, i += channels) {
        const c = (row + blockOf[x]) * 3;
        data[i] = colours[c];
        data[i + 1] = colours[c + 1];
        data[i + 2] = colours[c + 2];
      }
    }
    return pixels;
  },
};
