import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../src/imaging/image-processor.js';
import { createPool, solid, SVG } from './images.js';
import { drained, rejection } from './pool-calls.js';

const FILL_16K: PipelineSpec = { steps: [{ op: 'resize', width: 16_384, height: 16_384, fit: 'fill', field: 'resize' }], output: { format: 'png' } };
let tiny: Buffer;

beforeAll(async () => {
  tiny = await solid(1, 1).png().toBuffer();
});

describe('output pixel limit', () => {
  const sut = createPool({ threads: 1, maxConcurrentOperations: 2, maxQueue: 16, maxInputPixels: 100_000_000 });
  afterAll(() => sut.close());

  it('refuses a 1x1 PNG filled to 16384x16384 before it takes a slot: nothing runs', async () => {
    expect(tiny.length).toBeLessThan(100);
    const before = sut.stats();
    const error = await rejection(sut.run(tiny, FILL_16K, { field: 'image_data' }));
    expect(error.kind).toBe('resource_exhausted');
    expect(error.reason).toBe('PIXEL_LIMIT_EXCEEDED');
    expect(error.message).toBe('resize: limit is 100000000 output pixels, received a planned output of 16384x16384 = 268435456 pixels');
    expect(error.metadata).toEqual({ limit: '100000000 output pixels', received: 'a planned output of 16384x16384 = 268435456 pixels' });
    expect(sut.stats()).toEqual({ ...before, rejected: before.rejected + 1 });
  });

  it('refuses sixteen of them at once without running any', async () => {
    const before = sut.stats();
    const errors = await Promise.all(Array.from({ length: 16 }, () => rejection(sut.run(tiny, FILL_16K))));
    expect(new Set(errors.map((e) => e.reason))).toEqual(new Set(['PIXEL_LIMIT_EXCEEDED']));
    expect(sut.stats()).toEqual({ ...before, rejected: before.rejected + 16 });
  });

  it('plans in the worker what the main thread cannot read: an SVG enlarged past the limit', async () => {
    const before = sut.stats();
    const error = await rejection(sut.run(SVG, { steps: [{ op: 'resize', width: 16_000, fit: 'inside' }], output: { format: 'png' } }));
    expect(error.message).toBe('steps[0]: limit is 100000000 output pixels, received a planned output of 16000x12000 = 192000000 pixels');
    await drained(sut);
    // It took a slot (the size is only known in the worker) but was refused there, before decoding.
    expect(sut.stats()).toEqual({ ...before, completed: before.completed + 1 });
  });

  it('takes a configured limit below the input limit, and still runs what fits', async () => {
    const strict = createPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 1, maxOutputPixels: 10_000 });
    try {
      const error = await rejection(strict.run(tiny, { steps: [{ op: 'resize', width: 101, height: 100, fit: 'contain' }] }));
      expect(error.message).toBe('steps[0]: limit is 10000 output pixels, received a planned output of 101x100 = 10100 pixels');
      await expect(strict.run(tiny, { steps: [{ op: 'resize', width: 100, height: 100, fit: 'contain' }], output: { format: 'png' } })).resolves.toMatchObject({ width: 100, height: 100 });
    } finally {
      await strict.close();
    }
  });
});

describe('admission weighs planned output pixels', () => {
  it('does not admit two enlargements together when their outputs exceed the pixel budget', async () => {
    // 2 MP of output each, from a 1-pixel input: weighed by the input alone, both would run at once.
    const sut = createPool({ threads: 1, maxConcurrentOperations: 2, maxQueue: 4, maxPixelsInFlight: 3_000_000 });
    try {
      const spec: PipelineSpec = { steps: [{ op: 'resize', width: 2000, height: 1000, fit: 'fill' }], output: { format: 'png' } };
      const first = sut.run(tiny, spec);
      const second = sut.run(tiny, spec);
      expect(sut.stats()).toMatchObject({ running: 1, queued: 1 });
      await expect(first).resolves.toMatchObject({ width: 2000, height: 1000 });
      await expect(second).resolves.toMatchObject({ width: 2000, height: 1000 });
      await drained(sut);
    } finally {
      await sut.close();
    }
  });
});
