import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.js';
import type { PipelineStep } from '../../src/imaging/image-processor.js';
import { applySteps } from '../../src/imaging/steps/apply-steps.js';
import { canJoin, flattenFits, OPERATION_ORDER, type Slot } from '../../src/imaging/steps/step.js';
import { createPool } from './images.js';
import { colourNoise, decode, maxDifference } from './pixels.js';

/**
 * The ordering rules that let a whole list of steps run in one worker task: sharp's fixed order, and
 * the restarts (render to raw, continue) where a list asks for another order.
 */
const sut = createPool();
afterAll(() => sut.close());

/** Where each slot's operation starts in sharp's src/pipeline.cc (its comments). */
const PIPELINE_MARKERS: Record<Slot, string> = {
  extractBeforeResize: '// Pre extraction',
  flatten: '// Flatten image to remove alpha channel',
  greyscale: '// Convert to greyscale',
  resize: '// Resize',
  extractAfterResize: '// Post extraction',
  median: '// Median',
  threshold: '// Threshold',
  blur: '// Blur',
  convolve: '// Convolve',
  recomb: '// Recomb',
  modulate: '// Modulate',
  sharpen: '// Sharpen',
  composite: '// Composite',
  gammaOut: '// Gamma decoding',
  linear: '// Linear adjustment',
  normalise: '// Apply normalisation',
  clahe: '// Apply contrast limiting adaptive histogram equalization',
  tint: '// Tint the image',
  negate: '// Negate the colours',
};

describe('operation order', () => {
  it("is the order of the installed sharp's pipeline.cc", () => {
    const sharpRoot = path.dirname(createRequire(import.meta.url).resolve('sharp/package.json'));
    const source = readFileSync(path.join(sharpRoot, 'src/pipeline.cc'), 'utf8');
    const positions = OPERATION_ORDER.map((slot) => {
      const at = source.indexOf(PIPELINE_MARKERS[slot]);
      expect(at, `${slot} marker in pipeline.cc`).toBeGreaterThan(0);
      return at;
    });
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('lets an operation join only after earlier ones, once, and not onto float pixels where it misreads them', () => {
    expect(canJoin(new Set(), 'negate')).toBe(true);
    expect(canJoin(new Set<Slot>(['resize', 'blur']), 'modulate')).toBe(true);
    expect(canJoin(new Set<Slot>(['modulate']), 'modulate')).toBe(false);
    expect(canJoin(new Set<Slot>(['linear']), 'recomb')).toBe(false);
    expect(canJoin(new Set<Slot>(['blur']), 'resize')).toBe(false);
    expect(canJoin(new Set<Slot>(['recomb']), 'linear')).toBe(true);
    expect(canJoin(new Set<Slot>(['recomb']), 'gammaOut')).toBe(false);
    expect(canJoin(new Set<Slot>(['sharpen']), 'negate')).toBe(false);
    expect(canJoin(new Set<Slot>(['modulate']), 'clahe')).toBe(true);
    expect(flattenFits(new Set<Slot>(['extractBeforeResize', 'resize', 'blur']))).toBe(true);
    expect(flattenFits(new Set<Slot>(['resize', 'negate']))).toBe(false);
  });

  it('gives the pixels of running each step alone, for lists sharp would otherwise reorder', async () => {
    const input = await colourNoise(80, 60, 9);
    const lists: PipelineStep[][] = [
      [{ op: 'blur', sigma: 1 }, { op: 'crop', left: 5, top: 5, width: 50, height: 40 }],
      [{ op: 'negate' }, { op: 'modulate', brightness: 1.3 }],
      [{ op: 'linear', a: [1.4], b: [-30] }, { op: 'recomb', matrix: [[0.3, 0.6, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]] }],
      [{ op: 'resize', width: 40, height: 30, fit: 'fill' }, { op: 'median', size: 3 }, { op: 'resize', width: 20, height: 15, fit: 'fill' }],
      [{ op: 'posterize', levels: 6 }, { op: 'blur', sigma: 0.8 }, { op: 'threshold', level: 100, perChannel: true }],
      [{ op: 'gamma', gamma: 2 }, { op: 'gamma', gamma: 1.5 }, { op: 'tint', color: '#ff8000' }, { op: 'normalise', lower: 1, upper: 99 }],
    ];
    for (const steps of lists) {
      const together = await decode((await sut.run(input, { steps, output: { format: 'png' } })).data);
      let alone: Uint8Array = input;
      for (const step of steps) alone = (await sut.run(alone, { steps: [step], output: { format: 'png' } })).data;
      expect(maxDifference(together, await decode(alone)), JSON.stringify(steps)).toBeLessThanOrEqual(1);
    }
  });

  it('stops between steps once the deadline has passed', async () => {
    const image = sharp(await colourNoise(8, 8));
    const state = { image, size: { width: 8, height: 8 }, used: new Set<Slot>(), hasAlpha: false, maxOutputDimension: 1000, deadline: Date.now() - 1 };
    const error = await applySteps(state, [{ op: 'posterize', levels: 4 }]).catch((e: unknown) => e);
    expect(isAppError(error) && error.kind).toBe('deadline_exceeded');
  });

  it('names the step in errors from the worker', async () => {
    const input = await colourNoise(8, 8);
    const error = await sut.run(input, { steps: [{ op: 'levels', blackPoint: 100, whitePoint: 50, gamma: 1, field: 'transformations[0].levels' }] }).catch((e: unknown) => e);
    expect(isAppError(error) && error.message).toBe('transformations[0].levels.white_point: expected a white point above the black point (100), received 50');
  });
});
