import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { ModelConfig } from '../../src/generation/generation-config.js';
import type { ImageToImageInput } from '../../src/generation/image-generator.js';
import { OpenAiGenerator } from '../../src/generation/providers/openai.js';
import { png, recordingHttp, rejection, sendJson, startFakeProvider, type FakeProvider, type SeenRequest } from './fake-provider.js';

const KEY = 'sk-test-abcdefghijklmnop';

/** The multipart form of an edits request, parsed the way a server would. */
async function formOf(req: SeenRequest): Promise<FormData> {
  return new Request('http://x/', { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body: req.body }).formData();
}

/**
 * The OpenAI images contract (POST /v1/images/generations JSON, POST /v1/images/edits multipart,
 * Authorization: Bearer, data[0].b64_json back; errors as {error: {message, code}}).
 */
describe('openai-compatible provider', () => {
  let fake: FakeProvider;
  let http: ReturnType<typeof recordingHttp>;
  let sourcePng: Buffer;
  const model = (over: Partial<ModelConfig> = {}): ModelConfig => ({
    name: 'gpt-image-1',
    provider: 'openai',
    baseUrl: fake.url,
    apiKey: KEY,
    providerModel: 'gpt-image-1',
    retry: { timeoutMs: 5000, maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
    ...over,
  });
  const input = { prompt: 'a lighthouse at dawn', negativePrompt: 'text', width: 1024, height: 1536, style: 'digital-art' as const, seed: 7 };

  beforeAll(async () => {
    sourcePng = await png(96, 64, '#a03030');
    fake = await startFakeProvider(async (req, res) => {
      if (req.headers.authorization !== `Bearer ${KEY}` && !req.path.startsWith('/files/')) throw new Error('missing bearer token');
      if (req.method === 'GET' && req.path.startsWith('/files/')) {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(await png(32, 32));
        return;
      }
      if (req.path === '/v1/images/generations') {
        const body = JSON.parse(req.body.toString());
        const [w, h] = String(body.size).split('x').map(Number);
        if (body.n !== 1 || !body.prompt || !body.model) throw new Error('bad generations body');
        sendJson(res, 200, { created: 1700000000, data: [{ b64_json: (await png(w, h)).toString('base64'), revised_prompt: `revised: ${body.prompt}` }], usage: { total_tokens: 10 } });
        return;
      }
      if (req.path === '/v1/images/edits') {
        const form = await formOf(req);
        const image = form.get('image');
        if (!(image instanceof Blob)) throw new Error('edits without an image file');
        const [w, h] = form.has('size') ? (form.get('size') as string).split('x').map(Number) : [96, 64];
        sendJson(res, 200, { created: 1700000001, data: [{ b64_json: (await png(w, h, '#30a030')).toString('base64') }] });
        return;
      }
      throw new Error(`unexpected path ${req.path}`);
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    http = recordingHttp();
  });

  it('generates: model, prompt (with style and "Avoid:"), n and size; b64_json decoded', async () => {
    const sut = new OpenAiGenerator(model(), 1 << 24, http);
    const out = await sut.textToImage(input, {});
    const sent = JSON.parse(fake.requests[0].body.toString());
    expect(fake.requests[0].path).toBe('/v1/images/generations');
    // GPT image models always answer in base64 and refuse response_format.
    expect(sent).toEqual({ model: 'gpt-image-1', prompt: 'a lighthouse at dawn, digital art, crisp shapes, vivid colours. Avoid: text', n: 1, size: '1024x1536' });
    expect(await sharp(out.data).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1536 });
    expect(out).toMatchObject({ seed: 0, steps: 0, guidanceScale: 0 });
    expect(out.providerInfo).toMatchObject({ created: 1700000000, revised_prompt: expect.stringMatching(/^revised: /), usage: { total_tokens: 10 }, ignored: ['seed'] });
  });

  it('asks DALL-E and other servers for b64_json', async () => {
    const sut = new OpenAiGenerator(model({ name: 'dall-e-3', providerModel: 'dall-e-3' }), 1 << 24, http);
    await sut.textToImage({ ...input, width: 1024, height: 1024 }, {});
    expect(JSON.parse(fake.requests[0].body.toString())).toMatchObject({ model: 'dall-e-3', response_format: 'b64_json' });
  });

  it('refines through /v1/images/edits with the source as a file and input_fidelity high for preserve_structure', async () => {
    const sut = new OpenAiGenerator(model(), 1 << 24, http);
    const i2i: ImageToImageInput = {
      ...input,
      style: '',
      mode: 'refinement',
      source: { data: sourcePng, contentType: 'image/png', width: 96, height: 64 },
      strength: 0.4,
      preserveStructure: true,
      sourcePrompt: 'a lighthouse at dawn',
      refinementPrompt: 'add a storm',
      prompt: 'a lighthouse at dawn, add a storm',
      variationIndex: 0,
      sourceSeed: 7,
      width: 1024,
      height: 1024,
    };
    const out = await sut.imageToImage(i2i, {});
    const form = await formOf(fake.requests[0]);
    expect(fake.requests[0].path).toBe('/v1/images/edits');
    expect(form.get('prompt')).toBe('add a storm. Avoid: text');
    expect(form.get('model')).toBe('gpt-image-1');
    expect(form.has('size')).toBe(false);
    expect(form.get('input_fidelity')).toBe('high');
    const file = form.get('image') as File;
    expect(file.name).toBe('source.png');
    expect(Buffer.from(await file.arrayBuffer()).equals(sourcePng)).toBe(true);
    expect(out.providerInfo).toMatchObject({ ignored: ['seed', 'strength'], input_fidelity: 'high' });
  });

  it('a content policy rejection is INVALID_ARGUMENT PROMPT_REJECTED with the provider message, not retried', async () => {
    const sut = new OpenAiGenerator(model(), 1 << 24, http);
    fake.script({
      kind: 'status',
      status: 400,
      body: { error: { message: 'Your request was rejected as a result of our safety system.', type: 'image_generation_user_error', code: 'content_policy_violation' } },
    });
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(1);
    expect(err).toMatchObject({ kind: 'invalid_argument', reason: 'PROMPT_REJECTED' });
    expect(err.message).toBe('model "gpt-image-1" (openai) rejected the request: Your request was rejected as a result of our safety system.');
    expect(err.violations).toEqual([{ field: 'prompt', description: err.message }]);
  });

  it('honours retry-after-ms on 429', async () => {
    const sut = new OpenAiGenerator(model(), 1 << 24, http);
    fake.script({ kind: 'status', status: 429, body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, headers: { 'retry-after-ms': '1500' } });
    await sut.textToImage(input, {});
    expect(fake.requests).toHaveLength(2);
    expect(http.waits[0]).toBeGreaterThanOrEqual(1500);
  });

  it('retries a 503 and then succeeds; fails with the message after max attempts', async () => {
    const sut = new OpenAiGenerator(model({ retry: { timeoutMs: 5000, maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 100 } }), 1 << 24, http);
    fake.script({ kind: 'status', status: 503, body: { error: { message: 'The server is overloaded' } } });
    await sut.textToImage(input, {});
    const unavailable = { kind: 'status' as const, status: 500, body: { error: { message: 'The server had an error while processing your request.' } } };
    fake.script(unavailable, unavailable);
    const err = await rejection(sut.textToImage(input, {}));
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'GENERATION_FAILED' });
    expect(err.message).toBe('model "gpt-image-1" (openai) failed after 2 attempts with HTTP 500: The server had an error while processing your request.');
  });

  it('times out a hung server', async () => {
    const sut = new OpenAiGenerator(model({ retry: { timeoutMs: 100, maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }), 1 << 24, http);
    fake.script({ kind: 'hang' });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'PROVIDER_TIMEOUT', message: 'model "gpt-image-1" (openai) did not answer in time' });
    await fake.requests[0].aborted;
  });

  it('garbage is INVALID_PROVIDER_OUTPUT: not JSON, no data, not base64', async () => {
    const sut = new OpenAiGenerator(model(), 1 << 24, http);
    fake.script({ kind: 'garbage', contentType: 'application/json', body: '<html>oops</html>' });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'INVALID_PROVIDER_OUTPUT', message: 'model "gpt-image-1" (openai) returned 17 bytes that are not JSON' });
    fake.script({ kind: 'garbage', contentType: 'application/json', body: '{"data": []}' });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'INVALID_PROVIDER_OUTPUT', message: 'model "gpt-image-1" (openai) returned no data[0]' });
    fake.script({ kind: 'garbage', contentType: 'application/json', body: '{"data": [{"b64_json": "!!not base64!!"}]}' });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({
      kind: 'generation_failed',
      reason: 'INVALID_PROVIDER_OUTPUT',
      message: 'model "gpt-image-1" (openai) returned data[0].b64_json that is not base64',
    });
  });

  it('downloads a URL-only answer without sending the API key along', async () => {
    const sut = new OpenAiGenerator(model({ name: 'local-sd', providerModel: 'sd-turbo' }), 1 << 24, http);
    fake.script({ kind: 'status', status: 200, body: { created: 1, data: [{ url: `${fake.url}/files/out.png` }] } });
    const out = await sut.textToImage(input, {});
    expect(fake.requests[1]).toMatchObject({ method: 'GET', path: '/files/out.png' });
    expect(fake.requests[1].headers.authorization).toBeUndefined();
    expect(await sharp(out.data).metadata()).toMatchObject({ width: 32, height: 32 });
  });

  it('works without an API key for self-hosted servers (no Authorization header)', async () => {
    const sut = new OpenAiGenerator(model({ apiKey: undefined }), 1 << 24, http);
    fake.script({ kind: 'status', status: 200, body: { data: [{ b64_json: (await png(8, 8)).toString('base64') }] } });
    await sut.textToImage(input, {});
    expect(fake.requests[0].headers.authorization).toBeUndefined();
  });
});
