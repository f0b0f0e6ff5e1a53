import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A flat image of one colour: what a variation of it is made of is plain from its mean. */
function flat(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 80, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

async function meanRgb(data: Uint8Array): Promise<number[]> {
  const { channels } = await sharp(data).stats();
  return channels.slice(0, 3).map((c) => Math.round(c.mean));
}

describe('GenerateVariations result cache keys', () => {
  let app: TestApp;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;
  const configs = [{ id: 'thumb', resize: { width: 30, maintainAspectRatio: true }, format: 'png' }];

  async function variations(imageData: Buffer, cacheKey: string) {
    const out = [];
    for await (const m of processing.generateVariations({ imageData, variationConfigs: configs, cacheKey })) out.push(m);
    expect(out).toHaveLength(1);
    return out[0];
  }

  beforeAll(async () => {
    app = await startTestApp();
    processing = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("never serves one input's result to another input under the same cache_key", async () => {
    const red = await variations(await flat(255, 0, 0), 'shared-key');
    expect(red.cached).toBe(false);
    expect(await meanRgb(red.image!.data)).toEqual([255, 0, 0]);

    const blue = await variations(await flat(0, 0, 255), 'shared-key');
    expect(blue.cached).toBe(false);
    expect(await meanRgb(blue.image!.data)).toEqual([0, 0, 255]);
  });

  it('serves the same input under the same cache_key from the cache, and the key only names the entry', async () => {
    const green = await flat(0, 255, 0);
    expect((await variations(green, 'k1')).cached).toBe(false);
    const again = await variations(green, 'k1');
    expect(again.cached).toBe(true);
    expect(await meanRgb(again.image!.data)).toEqual([0, 255, 0]);
    // Another key names another entry, even for the same bytes.
    expect((await variations(green, 'k2')).cached).toBe(false);
    expect((await variations(green, '')).cached).toBe(false);
    expect((await variations(green, '')).cached).toBe(true);
  });
});
