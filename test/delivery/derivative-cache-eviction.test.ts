import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DerivativeCache, lowWater } from '../../src/services/derivative-cache.js';
import { sha256Hex } from '../../src/storage/blob-key.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A stored derivative of `size` bytes under its own key (the cache never reads what it stores). */
const image = (size: number, seed: number) => ({ data: Buffer.alloc(size, seed), format: 'png' as const, contentType: 'image/png', width: 1, height: 1 });
const key = (seed: number) => sha256Hex(Buffer.from(`derivative ${seed}`));

describe('the derivative cache measures its total only when it may have passed the budget', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('evicts to the low-water mark, skips the SUM while under budget, and measures again after a second', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const budget = 10_000;
    const cache = new DerivativeCache({ repository: app.db.derivatives, blobs: app.blobs, maxBytes: budget, touchIntervalMs: 60_000, now: () => new Date(now) });
    const usage = vi.spyOn(app.db.derivatives, 'usage');

    // Each store a millisecond after the last, so least recently used is an order, not a tie.
    const measuredBy = async (store: () => Promise<unknown>) => {
      now += 1;
      const before = usage.mock.calls.length;
      await store();
      return usage.mock.calls.length - before;
    };

    // The first store measures (nothing is known yet); the next seven, 9,600 bytes in all, stay under budget.
    expect(await measuredBy(() => cache.store(key(0), image(1_200, 0)))).toBe(1);
    for (let i = 1; i < 8; i++) expect(await measuredBy(() => cache.store(key(i), image(1_200, i)))).toBe(0);

    // 10,800 bytes: measured, and evicted down to the low-water mark, least recently used first.
    expect(await measuredBy(() => cache.store(key(8), image(1_200, 8)))).toBe(1);
    const after = await app.db.derivatives.usage();
    expect(after.bytes).toBeLessThanOrEqual(lowWater(budget));
    expect(after.bytes).toBeGreaterThan(lowWater(budget) - 1_200);
    expect(await cache.lookup(key(0))).toBeUndefined();
    expect(await cache.lookup(key(8))).toBeDefined();

    // Under the budget again, within the second: no SUM.
    expect(await measuredBy(() => cache.store(key(9), image(100, 9)))).toBe(0);
    // Other instances store too: a second later, the next store measures again.
    now += 1_000;
    expect(await measuredBy(() => cache.store(key(10), image(100, 10)))).toBe(1);
  });
});
