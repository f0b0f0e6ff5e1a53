import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/errors/index.js';
import type { PipelineStep } from '../../src/imaging/image-processor.js';
import { planEitherWay, planPixels } from '../../src/imaging/plan-pixels.js';
import { solid } from './images.js';

const LIMIT = 100_000_000;

function refusal(plan: () => unknown): AppError {
  try {
    plan();
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

/** What sharp itself makes of a resize, to hold the plan to it. */
async function sharpSize(input: { width: number; height: number }, step: Extract<PipelineStep, { op: 'resize' }>) {
  const image = await solid(input.width, input.height).png().toBuffer();
  const { info } = await sharp(image)
    .resize({ width: step.width, height: step.height, fit: step.fit, withoutEnlargement: step.withoutEnlargement })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
}

describe('planPixels', () => {
  it('refuses a 1x1 image filled to 16384x16384, naming the step, the planned size and the limit', () => {
    const error = refusal(() => planPixels([{ op: 'resize', width: 16_384, height: 16_384, fit: 'fill', field: 'resize' }], { width: 1, height: 1 }, LIMIT));
    expect(error.kind).toBe('resource_exhausted');
    expect(error.reason).toBe('PIXEL_LIMIT_EXCEEDED');
    expect(error.message).toBe('resize: limit is 100000000 output pixels, received a planned output of 16384x16384 = 268435456 pixels');
  });

  it('plans a whole box without knowing the input, and nothing it cannot tell', () => {
    expect(() => planPixels([{ op: 'resize', width: 16_384, height: 16_384, fit: 'contain' }], undefined, LIMIT)).toThrow(/steps\[0\]: limit is 100000000 output pixels/);
    expect(planPixels([{ op: 'resize', width: 16_384, height: 16_384, fit: 'inside' }], undefined, LIMIT)).toEqual({ peakPixels: 0, output: undefined });
    expect(planPixels([{ op: 'crop', left: 0, top: 0, width: 10, height: 20 }], undefined, LIMIT)).toEqual({ peakPixels: 200, output: { width: 10, height: 20 } });
  });

  it('weighs the largest of input, intermediate and output', () => {
    // cover resamples a 100x10 strip to 10000x1000 before it crops 1000x1000 out of it.
    const cover = planPixels([{ op: 'resize', width: 1000, height: 1000, fit: 'cover' }], { width: 100, height: 10 }, LIMIT);
    expect(cover).toEqual({ peakPixels: 10_000_000, output: { width: 1000, height: 1000 } });
    expect(() => planPixels([{ op: 'resize', width: 1000, height: 1000, fit: 'cover' }], { width: 100, height: 10 }, 5_000_000)).toThrow(
      'steps[0]: limit is 5000000 output pixels, received a planned intermediate of 10000x1000 = 10000000 pixels',
    );
    const shrink = planPixels([{ op: 'resize', width: 10, fit: 'inside' }], { width: 4000, height: 3000 }, LIMIT);
    expect(shrink).toEqual({ peakPixels: 12_000_000, output: { width: 10, height: 8 } });
  });

  it.each<Extract<PipelineStep, { op: 'resize' }>>([
    { op: 'resize', width: 300, height: 200, fit: 'fill' },
    { op: 'resize', width: 300, height: 200, fit: 'inside' },
    { op: 'resize', width: 300, height: 200, fit: 'outside' },
    { op: 'resize', width: 300, height: 200, fit: 'cover' },
    { op: 'resize', width: 300, height: 200, fit: 'contain' },
    { op: 'resize', width: 300, fit: 'inside' },
    { op: 'resize', height: 500, fit: 'outside' },
    { op: 'resize', width: 300, height: 200, fit: 'fill', withoutEnlargement: true },
    { op: 'resize', width: 30, height: 500, fit: 'inside', withoutEnlargement: true },
    { op: 'resize', width: 500, height: 500, fit: 'contain', withoutEnlargement: true },
  ])('plans what sharp makes of $fit $width x $height (withoutEnlargement $withoutEnlargement)', async (step) => {
    const input = { width: 120, height: 90 };
    expect(planPixels([step], input, LIMIT).output).toEqual(await sharpSize(input, step));
  });

  it('refuses from a stored size only when the plan is refused either way round', () => {
    const steps: PipelineStep[] = [{ op: 'resize', width: 10_000, height: 10, fit: 'outside' }];
    // 4000x3000 outside 10000x10 is 10000x7500; turned (3000x4000) it is 10000x13333.
    expect(planEitherWay(steps, { width: 4000, height: 3000 }, true, 200_000_000).peakPixels).toBe(10_000 * 13_333);
    expect(planEitherWay(steps, { width: 4000, height: 3000 }, false, 200_000_000).peakPixels).toBe(10_000 * 7500);
    // Turned, it would be refused; as stored, it is not: the worker decides from the real orientation.
    expect(planEitherWay(steps, { width: 4000, height: 3000 }, true, 100_000_000).peakPixels).toBe(10_000 * 7500);
    expect(() => planEitherWay(steps, { width: 4000, height: 3000 }, true, 70_000_000)).toThrow(/planned output of 10000x7500/);
  });
});
