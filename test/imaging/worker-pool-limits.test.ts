import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineSpec } from '../../src/imaging/image-processor.js';
import type { OperationEvent } from '../../src/imaging/worker-pool.js';
import { createPool, noise, pngBomb, solid } from './images.js';
import { drained, rejection } from './pool-calls.js';

/**
 * Slow on purpose: 12 MP of noise enlarged to 48 MP and deflated at the highest level, about 4 s on
 * one core; the worker's sharp timeout (whole seconds) stops it after about 1 s.
 */
const SLOW: PipelineSpec = { steps: [{ op: 'resize', width: 8000, height: 6000, fit: 'fill' }], output: { format: 'png', effort: 10 } };
let slowInput: Buffer;
let smallInput: Buffer;

beforeAll(async () => {
  slowInput = await noise(4000, 3000).jpeg({ quality: 95 }).toBuffer();
  smallInput = await solid(32, 32).png().toBuffer();
});

describe('WorkerPool admission', () => {
  const events: OperationEvent[] = [];
  const sut = createPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 1, onOperation: (e) => events.push(e) });
  afterAll(() => sut.close());

  it('refuses at once with resource_exhausted when the queue is full, then serves again', async () => {
    const settled: string[] = [];
    const track = <T>(name: string, call: Promise<T>) =>
      call.then(
        (v) => (settled.push(`${name} ok`), v),
        (e: unknown) => {
          settled.push(`${name} failed`);
          throw e;
        },
      );
    const running = track('running', sut.run(smallInput, { steps: [], output: { format: 'png' } }));
    const queued = track('queued', sut.run(smallInput, { steps: [], output: { format: 'webp' } }));
    expect(sut.stats()).toMatchObject({ running: 1, queued: 1 });
    const refused = [1, 2, 3].map((i) => track(`extra${i}`, sut.run(smallInput, { steps: [] })));
    const errors = await Promise.all(refused.map(rejection));
    for (const error of errors) {
      expect(error.kind).toBe('resource_exhausted');
      expect(error.reason).toBe('OVERLOADED');
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.message).toBe('image processing is at capacity (1 running, 1 waiting); retry later');
    }
    // Refused before the admitted work finished: they never waited for it.
    expect(settled.slice(0, 3)).toEqual(['extra1 failed', 'extra2 failed', 'extra3 failed']);
    await expect(running).resolves.toMatchObject({ format: 'png' });
    await expect(queued).resolves.toMatchObject({ format: 'webp' });
    await expect(sut.run(smallInput, { steps: [], output: { format: 'gif' } })).resolves.toMatchObject({ format: 'gif' });
    await drained(sut);
    expect(sut.stats()).toEqual({ running: 0, queued: 0, completed: 3, rejected: 3 });
  });

  it('reports one event per operation, with sizes and outcome but no bytes', () => {
    expect(events.length).toBe(6);
    const ok = events.find((e) => e.outcome === 'ok' && e.operation === 'run');
    expect(ok).toMatchObject({ operation: 'run', inputBytes: smallInput.length, outcome: 'ok' });
    expect(ok!.outputBytes).toBeGreaterThan(0);
    expect(events.filter((e) => e.outcome === 'resource_exhausted')).toHaveLength(3);
    expect(ok!.runMs).toBeGreaterThan(0);
    expect(ok!.waitMs).toBeGreaterThanOrEqual(0);
    expect(ok!.pixels).toBeGreaterThan(0);
    // Refused at a full queue: weighed and queued for no time, never run.
    for (const refused of events.filter((e) => e.outcome === 'resource_exhausted')) expect(refused).toMatchObject({ waitMs: expect.any(Number), runMs: undefined });
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(['durationMs', 'inputBytes', 'operation', 'outcome', 'outputBytes', 'pixels', 'runMs', 'waitMs']);
    }
  });
});

describe('WorkerPool deadlines and cancellation', () => {
  const sut = createPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 4 });
  afterAll(() => sut.close());

  it('answers deadline_exceeded for running and queued work, drops the queued work, and releases everything', async () => {
    const before = sut.stats();
    // Running: the caller is answered at its deadline; the worker's sharp timeout stops the pipeline.
    const running = sut.run(slowInput, SLOW, { deadline: Date.now() + 400 });
    // Queued behind it with a nearer deadline: dropped before it ever starts.
    const queued = sut.run(smallInput, { steps: [] }, { deadline: Date.now() + 100 });
    expect(sut.stats()).toMatchObject({ running: 1, queued: 1 });

    const queuedError = await rejection(queued);
    expect(queuedError.kind).toBe('deadline_exceeded');
    expect(queuedError.reason).toBe('DEADLINE_EXCEEDED');
    expect(queuedError.message).toBe("run did not finish within the client's deadline (stopped while queued)");
    expect(sut.stats().queued).toBe(0);

    const runningError = await rejection(running);
    expect(runningError.kind).toBe('deadline_exceeded');
    expect(runningError.message).toBe("run did not finish within the client's deadline (stopped while running)");

    await drained(sut);
    // Only the slow task ever reached a worker.
    expect(sut.stats()).toEqual({ running: 0, queued: 0, completed: before.completed + 1, rejected: before.rejected + 1 });
    await expect(sut.run(smallInput, { steps: [], output: { format: 'jpeg' } })).resolves.toMatchObject({ format: 'jpeg' });
  });

  it('caps the client deadline with operationTimeoutMs', async () => {
    const capped = createPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 1, operationTimeoutMs: 300 });
    try {
      const error = await rejection(capped.run(slowInput, SLOW, { deadline: Date.now() + 600_000 }));
      expect(error.kind).toBe('deadline_exceeded');
      expect(error.message).toBe('run did not finish within the 300 ms operation limit (stopped while running)');
      await drained(capped);
    } finally {
      await capped.close();
    }
  });

  it('refuses a deadline that has already passed without queueing', async () => {
    const before = sut.stats();
    const error = await rejection(sut.probe(smallInput, 'image', { deadline: Date.now() - 1 }));
    expect(error.kind).toBe('deadline_exceeded');
    expect(error.message).toBe("probe arrived after the client's deadline had passed");
    expect(sut.stats()).toEqual({ ...before, rejected: before.rejected + 1 });
  });

  it('answers cancelled when the signal aborts, queued work never starts', async () => {
    const before = sut.stats();
    const runningController = new AbortController();
    const queuedController = new AbortController();
    const running = sut.run(slowInput, SLOW, { signal: runningController.signal, deadline: Date.now() + 1000 });
    const queued = sut.probe(smallInput, 'image', { signal: queuedController.signal });
    queuedController.abort();
    const queuedError = await rejection(queued);
    expect(queuedError.kind).toBe('cancelled');
    expect(queuedError.message).toBe('probe was cancelled by the caller while queued');
    runningController.abort();
    const runningError = await rejection(running);
    expect(runningError.kind).toBe('cancelled');
    expect(runningError.message).toBe('run was cancelled by the caller while running');
    await drained(sut);
    expect(sut.stats()).toEqual({ running: 0, queued: 0, completed: before.completed + 1, rejected: before.rejected + 1 });
    await expect(sut.probe(smallInput, 'image')).resolves.toMatchObject({ format: 'png' });
  });

  it('refuses an already aborted signal', async () => {
    const error = await rejection(sut.run(smallInput, { steps: [] }, { signal: AbortSignal.abort() }));
    expect(error.kind).toBe('cancelled');
    expect(error.message).toBe('run was cancelled before it was queued');
  });
});

describe('WorkerPool limits and shutdown', () => {
  it('applies the pixel limit to all frames of an animation, and to run()', async () => {
    const sut = createPool({ maxInputPixels: 10_000 });
    try {
      const sharp = (await import('sharp')).default;
      const frames = await Promise.all(['#f00', '#0f0', '#00f'].map((c) => sharp({ create: { width: 80, height: 50, channels: 3, background: c } }).png().toBuffer()));
      const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
      const error = await rejection(sut.probe(gif, 'image'));
      expect(error.kind).toBe('resource_exhausted');
      expect(error.message).toBe('image: limit is 10000 pixels, received 80x50 x 3 frames = 12000 pixels');
      const bomb = await rejection(sut.run(pngBomb(20_000, 20_000), { steps: [] }, { field: 'source' }));
      expect(bomb.kind).toBe('resource_exhausted');
      expect(bomb.message).toBe('source: limit is 10000 pixels, received 20000x20000 = 400000000 pixels');
      expect(sut.stats()).toMatchObject({ running: 0, queued: 0 });
    } finally {
      await sut.close();
    }
  });

  it('after close() refuses queued and new calls with unavailable', async () => {
    const sut = createPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 2 });
    const running = rejection(sut.run(slowInput, SLOW));
    const queued = rejection(sut.run(smallInput, { steps: [] }));
    await sut.close();
    for (const error of await Promise.all([running, queued])) {
      expect(error.kind).toBe('unavailable');
      expect(error.reason).toBe('SHUTTING_DOWN');
      expect(error.message).toBe('the image worker pool is shut down');
    }
    const later = await rejection(sut.probe(smallInput, 'image'));
    expect(later.kind).toBe('unavailable');
    expect(sut.stats()).toMatchObject({ running: 0, queued: 0 });
  });
});

describe('WorkerPool pixel budget', () => {
  // 4 operations at once, but only 5 MP of declared input pixels between them.
  const sut = createPool({ threads: 2, maxConcurrentOperations: 4, maxQueue: 8, maxPixelsInFlight: 5_000_000 });
  afterAll(() => sut.close());
  const toPng: PipelineSpec = { steps: [{ op: 'resize', width: 64, height: 64, fit: 'inside' }], output: { format: 'png' } };

  it('runs large images one at a time and small ones four at a time, all to completion', async () => {
    const large = await solid(2000, 2000).png().toBuffer(); // 4 MP each
    const small = await solid(100, 100).png().toBuffer();
    const larges = [1, 2, 3].map(() => sut.run(large, toPng));
    expect(sut.stats()).toMatchObject({ running: 1, queued: 2 });
    for (const image of await Promise.all(larges)) expect(image).toMatchObject({ format: 'png', width: 64, height: 64 });
    await drained(sut);

    const smalls = [1, 2, 3, 4, 5].map(() => sut.run(small, toPng));
    expect(sut.stats()).toMatchObject({ running: 4, queued: 1 });
    expect((await Promise.all(smalls)).length).toBe(5);
    await drained(sut);
  });

  it('counts an image whose header it cannot read on this thread (TIFF) as an average share', async () => {
    const large = await solid(2000, 2000).png().toBuffer();
    const tiff = await solid(100, 100).tiff().toBuffer();
    // 4 MP + 5 MP / 4 operations = 5.25 MP: over the budget, so the TIFF waits for the PNG.
    const calls = [sut.run(large, toPng), sut.run(tiff, toPng)];
    expect(sut.stats()).toMatchObject({ running: 1, queued: 1 });
    await Promise.all(calls);
    const tiffs = [1, 2, 3, 4].map(() => sut.run(tiff, toPng));
    expect(sut.stats()).toMatchObject({ running: 4, queued: 0 });
    await Promise.all(tiffs);
    await drained(sut);
  });

  it('refuses an image whose header declares more than the pixel limit at once, without queueing it', async () => {
    const large = await solid(2000, 2000).png().toBuffer();
    const running = [sut.run(large, toPng), sut.run(large, toPng)];
    expect(sut.stats()).toMatchObject({ running: 1, queued: 1 });
    const before = sut.stats();
    // 30000x30000 declared against the pool's 100 MP limit: refused here, not after the two larges.
    const bomb = await rejection(sut.run(pngBomb(30_000, 30_000), toPng, { field: 'image_data' }));
    expect(bomb.kind).toBe('resource_exhausted');
    expect(bomb.reason).toBe('PIXEL_LIMIT_EXCEEDED');
    expect(bomb.message).toBe('image_data: limit is 100000000 pixels, received 30000x30000 = 900000000 pixels');
    expect(sut.stats()).toMatchObject({ running: 1, queued: 1, completed: before.completed, rejected: before.rejected + 1 });
    await Promise.all(running);
    await drained(sut);
  });

  it('leaves a size nothing vouches for to the worker: text after a GIF signature is invalid, not a bomb', async () => {
    const error = await rejection(sut.run(Buffer.from('GIF89a-but-not-really'), toPng, { field: 'image_data' }));
    expect(error.kind).toBe('invalid_image');
    expect(error.message).toMatch(/^image_data: /);
    await drained(sut);
  });
});
