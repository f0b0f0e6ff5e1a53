import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { WorkerPool } from '../../src/imaging/worker-pool.js';

describe('WorkerPool.compute', () => {
  const pool = new WorkerPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 4, operationTimeoutMs: 30_000, maxInputPixels: 50_000_000, maxOutputDimension: 16_384 });
  afterAll(() => pool.close());

  it('runs a named computation on decoded pixels in a worker', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();
    const mean = await pool.compute(png, 'meanColor', {});
    expect(mean).toEqual({ r: 200, g: 100, b: 50 });
  });

  it('refuses bytes that are not an image, naming the field', async () => {
    await expect(pool.compute(Buffer.from('nope'), 'meanColor', {}, { field: 'image_data' })).rejects.toMatchObject({ kind: 'invalid_image', message: expect.stringMatching(/^image_data: /) });
  });
});
