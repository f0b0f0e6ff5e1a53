import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { ModelConfig } from '../../src/generation/generation-config.js';
import type { ImageGenerator } from '../../src/generation/image-generator.js';
import { JigsawStackGenerator } from '../../src/generation/providers/jigsawstack.js';
import { png, recordingHttp, rejection, startFakeProvider, type FakeProvider } from './fake-provider.js';

const KEY = 'jsk_test_0123456789abcdef';

/**
 * The JigsawStack contract (POST /v1/ai/image_generation, x-api-key, JSON body with advance_config,
 * image bytes back, 429 with rate-limit headers), against a local fake that checks each request.
 */
describe('jigsawstack provider', () => {
  let fake: FakeProvider;
  let http: ReturnType<typeof recordingHttp>;
  let sut: JigsawStackGenerator;
  const model = (over: Partial<ModelConfig> = {}): ModelConfig => ({
    name: 'jigsawstack',
    provider: 'jigsawstack',
    baseUrl: fake.url,
    apiKey: KEY,
    retry: { timeoutMs: 5000, maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
    ...over,
  });
  const input = { prompt: 'a calm lake', negativePrompt: 'people', width: 512, height: 384, style: 'watercolor' as const, seed: 1234, steps: 8, guidanceScale: 3.5 };

  beforeAll(async () => {
    fake = await startFakeProvider(async (req, res) => {
      // The documented contract, checked on every successful call.
      if (req.method !== 'POST' || req.path !== '/v1/ai/image_generation') throw new Error(`unexpected ${req.method} ${req.path}`);
      if (req.headers['x-api-key'] !== KEY) throw new Error('missing x-api-key');
      const body = JSON.parse(req.body.toString());
      if (typeof body.prompt !== 'string' || body.prompt.length < 1 || body.prompt.length > 5000) throw new Error('bad prompt');
      for (const side of ['width', 'height']) if (body[side] < 256 || body[side] > 1920) throw new Error(`bad ${side}`);
      if (body.steps < 1 || body.steps > 90) throw new Error('bad steps');
      res.writeHead(200, { 'content-type': 'image/png', 'x-jigsaw-rate-limit-remaining': '49' });
      res.end(await png(body.width, body.height));
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    http = recordingHttp();
    sut = new JigsawStackGenerator(model(), 10 * 1024 * 1024, http);
  });

  it('sends the documented request and returns the PNG bytes', async () => {
    const out = await sut.textToImage(input, {});
    expect(fake.requests).toHaveLength(1);
    const sent = JSON.parse(fake.requests[0].body.toString());
    expect(sent).toEqual({
      prompt: 'a calm lake, watercolor painting, soft washes of pigment on paper',
      width: 512,
      height: 384,
      steps: 8,
      advance_config: { seed: 1234, negative_prompt: 'people', guidance: 3.5 },
    });
    expect(fake.requests[0].headers['content-type']).toBe('application/json');
    expect(await sharp(out.data).metadata()).toMatchObject({ format: 'png', width: 512, height: 384 });
    expect(out).toMatchObject({ seed: 1234, steps: 8, guidanceScale: 3.5 });
    expect(out.providerInfo).toMatchObject({ content_type: 'image/png', rate_limit_remaining: 49, attempts: 1 });
  });

  it('uses the documented default of 4 steps and omits guidance when none is given', async () => {
    const out = await sut.textToImage({ ...input, steps: undefined, guidanceScale: undefined, negativePrompt: '' }, {});
    const sent = JSON.parse(fake.requests[0].body.toString());
    expect(sent.steps).toBe(4);
    expect(sent.advance_config).toEqual({ seed: 1234 });
    expect(out).toMatchObject({ steps: 4, guidanceScale: 0 });
  });

  it('has no image-to-image', () => {
    expect(typeof (sut as ImageGenerator).imageToImage).toBe('undefined');
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    fake.script({ kind: 'status', status: 429, body: { success: false, message: 'Too many requests' }, headers: { 'retry-after': '2' } });
    const out = await sut.textToImage(input, {});
    expect(fake.requests).toHaveLength(2);
    expect(http.waits).toHaveLength(1);
    expect(http.waits[0]).toBeGreaterThanOrEqual(2000);
    expect(out.providerInfo.attempts).toBe(2);
  });

  it('honours x-jigsaw-rate-limit-reset when there is no Retry-After', async () => {
    fake.script({ kind: 'status', status: 429, body: { message: 'rate limited' }, headers: { 'x-jigsaw-rate-limit-reset': String(Date.now() + 3000) } });
    await sut.textToImage(input, {});
    expect(http.waits[0]).toBeGreaterThan(2000);
    expect(http.waits[0]).toBeLessThanOrEqual(3000 + 250);
  });

  it('gives up after max attempts on 429 with PROVIDER_RATE_LIMITED and the provider message and retry delay', async () => {
    const limited = { kind: 'status' as const, status: 429, body: { success: false, message: 'Rate limit exceeded' }, headers: { 'retry-after': '1' } };
    fake.script(limited, limited, limited);
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(3);
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'PROVIDER_RATE_LIMITED', retryAfterMs: 1000 });
    expect(err.message).toBe('model "jigsawstack" (jigsawstack) is rate limited after 3 attempts: Rate limit exceeded');
    expect(err.metadata).toEqual({ model: 'jigsawstack', provider: 'jigsawstack', attempts: '3', http_status: '429' });
  });

  it('does not wait for a Retry-After longer than the configured maximum: it fails at once with it', async () => {
    sut = new JigsawStackGenerator(model({ retry: { timeoutMs: 5000, maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000 } }), 1 << 20, http);
    fake.script({ kind: 'status', status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '60' } });
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(1);
    expect(http.waits).toEqual([]);
    expect(err).toMatchObject({ reason: 'PROVIDER_RATE_LIMITED', retryAfterMs: 60_000 });
  });

  it('retries 5xx with jittered exponential backoff, and reports the last failure', async () => {
    fake.script(
      { kind: 'status', status: 500, body: { success: false, message: 'internal error' } },
      { kind: 'status', status: 502, body: 'bad gateway' },
      { kind: 'status', status: 503, body: { success: false, message: 'model overloaded' } },
    );
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(3);
    // random() = 0.5 with equal jitter: 75% of each step (100 ms, then 200 ms).
    expect(http.waits).toEqual([75, 150]);
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'GENERATION_FAILED' });
    expect(err.message).toBe('model "jigsawstack" (jigsawstack) failed after 3 attempts with HTTP 503: model overloaded');
  });

  it('recovers when a 5xx is followed by success', async () => {
    fake.script({ kind: 'status', status: 500, body: { message: 'oops' } });
    const out = await sut.textToImage(input, {});
    expect(out.data.byteLength).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(2);
  });

  it('times out each attempt, aborting the request, and fails with PROVIDER_TIMEOUT after the last', async () => {
    sut = new JigsawStackGenerator(model({ retry: { timeoutMs: 150, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 10 } }), 1 << 20, http);
    fake.script({ kind: 'hang' }, { kind: 'hang' });
    const err = await rejection(sut.textToImage(input, {}));
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'PROVIDER_TIMEOUT' });
    expect(err.message).toBe('model "jigsawstack" (jigsawstack) did not answer in time after 2 attempts');
    await Promise.all(fake.requests.map((r) => r.aborted));
    expect(fake.requests).toHaveLength(2);
  });

  it("stops at the client's deadline instead of retrying past it", async () => {
    sut = new JigsawStackGenerator(model({ retry: { timeoutMs: 60_000, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 } }), 1 << 20, http);
    fake.script({ kind: 'hang' });
    const err = await rejection(sut.textToImage(input, { deadline: Date.now() + 200 }));
    expect(err).toMatchObject({ kind: 'deadline_exceeded', reason: 'DEADLINE_EXCEEDED' });
    expect(err.message).toBe(`generation by model "jigsawstack" did not finish within the client's deadline`);
    expect(fake.requests).toHaveLength(1);
    await fake.requests[0].aborted;
  });

  it('aborts the request in flight when the caller cancels', async () => {
    fake.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = rejection(sut.textToImage(input, { signal: controller.signal }));
    while (fake.requests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'cancelled' });
    await fake.requests[0].aborted;
  });

  it('maps a 400 to INVALID_ARGUMENT with the provider message, without retrying', async () => {
    fake.script({ kind: 'status', status: 400, body: { success: false, message: 'prompt contains disallowed content' } });
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(1);
    expect(err).toMatchObject({ kind: 'invalid_argument', reason: 'PROVIDER_REJECTED_REQUEST' });
    expect(err.message).toBe('model "jigsawstack" (jigsawstack) rejected the request: prompt contains disallowed content');
  });

  it('never puts the API key in an error, even when the provider echoes it', async () => {
    fake.script({ kind: 'status', status: 401, body: { success: false, message: `Invalid API key ${KEY}` } });
    const err = await rejection(sut.textToImage(input, {}));
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'PROVIDER_AUTH_FAILED' });
    expect(err.message).toBe('model "jigsawstack" (jigsawstack) refused the configured credentials (HTTP 401): Invalid API key [redacted]');
    expect(JSON.stringify(err)).not.toContain(KEY);
  });

  it('returns garbage bytes unjudged: the service checks them before storing (see the e2e test)', async () => {
    fake.script({ kind: 'garbage' });
    const out = await sut.textToImage(input, {});
    expect(out.data.toString()).toContain('not an image');
  });

  it('refuses a response larger than the limit without reading it all', async () => {
    sut = new JigsawStackGenerator(model(), 1000, http);
    fake.script({ kind: 'garbage', body: Buffer.alloc(50_000) });
    const err = await rejection(sut.textToImage(input, {}));
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'INVALID_PROVIDER_OUTPUT' });
    expect(err.message).toBe("the provider's response is larger than 1000 bytes");
  });
});
