import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../src/imaging/probe-image.js';
import { createPool, slowPng } from './images.js';
import { drained, rejection } from './pool-calls.js';

describe('the upload probe decodes under the deadline', () => {
  it('stops a decode of seconds at the deadline instead of finishing it', async () => {
    // 400 MP of 16-bit pixels in 3 MB: many seconds to decode, whatever the machine.
    const input = slowPng(20_000, 20_000);
    const error = await rejection(probeImage(input, 'png', { field: 'file_data', format: 'png', maxInputPixels: 400_000_000, deadline: Date.now() + 500 }));
    expect(error.kind).toBe('deadline_exceeded');
    expect(error.reason).toBe('DEADLINE_EXCEEDED');
    expect(error.message).toMatch(/^image processing was stopped at the deadline \(timeout: \d+% complete\)$/);
  });

  it('still refuses truncated data and reads every frame', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const cut = await rejection(probeImage(jpeg.subarray(0, jpeg.length >> 1), 'jpeg', { field: 'file_data', format: 'jpeg', maxInputPixels: 1e8, deadline: Date.now() + 60_000 }));
    expect(cut.message).toMatch(/^file_data: truncated jpeg: expected the end-of-image marker/);
    const frames = await Promise.all(['#f00', '#0f0', '#00f'].map((c) => sharp({ create: { width: 10, height: 8, channels: 3, background: c } }).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    await expect(probeImage(gif, 'gif', { field: 'file_data', format: 'gif', maxInputPixels: 1e8, deadline: Date.now() + 60_000 })).resolves.toMatchObject({ width: 10, height: 8, pages: 3 });
  });

  it('answers at the operation limit in the pool, and the worker lets go of the slot', async () => {
    const sut = createPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 1, operationTimeoutMs: 500 });
    try {
      const error = await rejection(sut.probe(slowPng(10_000, 10_000), 'file_data'));
      expect(error.kind).toBe('deadline_exceeded');
      expect(error.message).toBe('probe did not finish within the 500 ms operation limit (stopped while running)');
      await drained(sut);
      expect(sut.stats()).toMatchObject({ running: 0, completed: 1 });
    } finally {
      await sut.close();
    }
  });
});
