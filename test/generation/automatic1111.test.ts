import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { ModelConfig } from '../../src/generation/generation-config.js';
import type { ImageToImageInput } from '../../src/generation/image-generator.js';
import { Automatic1111Generator } from '../../src/generation/providers/automatic1111.js';
import { png, recordingHttp, rejection, sendJson, startFakeProvider, type FakeProvider } from './fake-provider.js';

const AUTH = 'webui:hunter2-secret';

/**
 * The Stable Diffusion web UI API contract (AUTOMATIC1111 / Forge): POST /sdapi/v1/txt2img and
 * /sdapi/v1/img2img with JSON, base64 PNGs and an `info` JSON string back; optional basic auth.
 */
describe('automatic1111 provider', () => {
  let fake: FakeProvider;
  let http: ReturnType<typeof recordingHttp>;
  let sut: Automatic1111Generator;
  let source: Buffer;
  const model = (over: Partial<ModelConfig> = {}): ModelConfig => ({
    name: 'stable-diffusion-xl',
    provider: 'automatic1111',
    baseUrl: fake.url,
    apiKey: AUTH,
    providerModel: 'sd_xl_base_1.0.safetensors',
    sampler: 'DPM++ 2M',
    retry: { timeoutMs: 5000, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1000 },
    ...over,
  });
  const input = { prompt: 'a fox in snow', negativePrompt: 'blurry', width: 768, height: 512, style: 'photographic' as const, seed: 99, steps: 25, guidanceScale: 6 };
  const i2i = (over: Partial<ImageToImageInput>): ImageToImageInput => ({
    ...input,
    style: '',
    mode: 'variation',
    source: { data: source, contentType: 'image/png', width: 64, height: 48 },
    strength: 0.6,
    preserveStructure: false,
    sourcePrompt: 'a fox in snow',
    refinementPrompt: '',
    variationIndex: 0,
    sourceSeed: 99,
    ...over,
  });

  beforeAll(async () => {
    source = await png(64, 48, '#884422');
    fake = await startFakeProvider(async (req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from(AUTH).toString('base64')}`) {
        sendJson(res, 401, { detail: 'Incorrect username or password' });
        return;
      }
      if (req.path !== '/sdapi/v1/txt2img' && req.path !== '/sdapi/v1/img2img') throw new Error(`unexpected ${req.path}`);
      const body = JSON.parse(req.body.toString());
      if (req.path === '/sdapi/v1/img2img' && (!Array.isArray(body.init_images) || typeof body.denoising_strength !== 'number')) throw new Error('img2img without init_images');
      const image = await png(body.width, body.height, '#ddeeff');
      const info = { prompt: body.prompt, seed: body.seed, subseed: body.subseed ?? -1, all_seeds: [body.seed], sd_model_name: 'sd_xl_base_1.0', sampler_name: body.sampler_name, cfg_scale: body.cfg_scale, steps: body.steps };
      sendJson(res, 200, { images: [image.toString('base64')], parameters: body, info: JSON.stringify(info) });
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    http = recordingHttp();
    sut = new Automatic1111Generator(model(), 1 << 24, http);
  });

  it('txt2img: the documented fields, basic auth, the checkpoint override; image and info back', async () => {
    const out = await sut.textToImage(input, {});
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/sdapi/v1/txt2img' });
    expect(JSON.parse(fake.requests[0].body.toString())).toEqual({
      prompt: 'a fox in snow, photograph, natural light, realistic detail',
      negative_prompt: 'blurry',
      steps: 25,
      cfg_scale: 6,
      width: 768,
      height: 512,
      seed: 99,
      batch_size: 1,
      n_iter: 1,
      send_images: true,
      save_images: false,
      sampler_name: 'DPM++ 2M',
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' },
      override_settings_restore_afterwards: true,
    });
    expect(await sharp(out.data).metadata()).toMatchObject({ format: 'png', width: 768, height: 512 });
    expect(out).toMatchObject({ seed: 99, steps: 25, guidanceScale: 6 });
    expect(out.providerInfo).toMatchObject({ seed: 99, sd_model_name: 'sd_xl_base_1.0', sampler_name: 'DPM++ 2M', attempts: 1 });
  });

  it('uses the configured defaults (30 steps, cfg 7) when the request gives none', async () => {
    const out = await sut.textToImage({ ...input, steps: undefined, guidanceScale: undefined }, {});
    expect(JSON.parse(fake.requests[0].body.toString())).toMatchObject({ steps: 30, cfg_scale: 7 });
    expect(out).toMatchObject({ steps: 30, guidanceScale: 7 });
  });

  it('variations: img2img with the source, denoising = strength, source seed with the variation subseed', async () => {
    const out = await sut.imageToImage(i2i({ seed: 101, strength: 0.6 }), {});
    const sent = JSON.parse(fake.requests[0].body.toString());
    expect(fake.requests[0].path).toBe('/sdapi/v1/img2img');
    expect(Buffer.from(sent.init_images[0], 'base64').equals(source)).toBe(true);
    expect(sent).toMatchObject({ denoising_strength: 0.6, seed: 99, subseed: 101, subseed_strength: 0.6, resize_mode: 0, prompt: 'a fox in snow' });
    // The variation is reproduced by its own seed.
    expect(out.seed).toBe(101);
    expect(out.providerInfo).toMatchObject({ seed: 99, subseed: 101, denoising_strength: 0.6 });
  });

  it('refinements: preserve_structure halves the denoising strength', async () => {
    await sut.imageToImage(i2i({ mode: 'refinement', strength: 0.6, preserveStructure: true, refinementPrompt: 'at night', prompt: 'a fox in snow, at night' }), {});
    const sent = JSON.parse(fake.requests[0].body.toString());
    expect(sent).toMatchObject({ denoising_strength: 0.3, seed: 99, prompt: 'a fox in snow, at night' });
    expect(sent.subseed).toBeUndefined();
    await sut.imageToImage(i2i({ mode: 'refinement', strength: 0.6, preserveStructure: false, refinementPrompt: 'at night' }), {});
    expect(JSON.parse(fake.requests[1].body.toString()).denoising_strength).toBe(0.6);
  });

  it('retries a 500 (CUDA out of memory) and reports its detail after the last attempt', async () => {
    const oom = { kind: 'status' as const, status: 500, body: { error: 'OutOfMemoryError', detail: '', body: '', errors: 'CUDA out of memory. Tried to allocate 2.00 GiB' } };
    fake.script(oom, oom, oom);
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(3);
    expect(http.waits).toEqual([8, 15]);
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'GENERATION_FAILED' });
    expect(err.message).toBe('model "stable-diffusion-xl" (automatic1111) failed after 3 attempts with HTTP 500: OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB');
  });

  it('a 422 validation error is INVALID_ARGUMENT with the detail, not retried', async () => {
    fake.script({ kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'steps'], msg: 'value is not a valid integer', type: 'type_error.integer' }] } });
    const err = await rejection(sut.textToImage(input, {}));
    expect(fake.requests).toHaveLength(1);
    expect(err).toMatchObject({ kind: 'invalid_argument', reason: 'PROVIDER_REJECTED_REQUEST' });
    expect(err.message).toBe(
      'model "stable-diffusion-xl" (automatic1111) rejected the request: [{"loc":["body","steps"],"msg":"value is not a valid integer","type":"type_error.integer"}]',
    );
  });

  it('wrong credentials are PROVIDER_AUTH_FAILED, with neither the password nor its base64 in the message', async () => {
    sut = new Automatic1111Generator(model({ apiKey: 'webui:wrong-password' }), 1 << 24, http);
    const err = await rejection(sut.textToImage(input, {}));
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'PROVIDER_AUTH_FAILED' });
    expect(err.message).toBe('model "stable-diffusion-xl" (automatic1111) refused the configured credentials (HTTP 401): Incorrect username or password');
  });

  it('times out a hung server and aborts the request', async () => {
    sut = new Automatic1111Generator(model({ retry: { timeoutMs: 100, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }), 1 << 24, http);
    fake.script({ kind: 'hang' }, { kind: 'hang' });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'PROVIDER_TIMEOUT' });
    await Promise.all(fake.requests.map((r) => r.aborted));
  });

  it('garbage is INVALID_PROVIDER_OUTPUT: not JSON, no images, an image that is not base64', async () => {
    fake.script({ kind: 'garbage', body: 'Internal Server Error' });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'INVALID_PROVIDER_OUTPUT', message: 'model "stable-diffusion-xl" (automatic1111) returned 21 bytes that are not JSON' });
    fake.script({ kind: 'status', status: 200, body: { images: [], info: '{}' } });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'INVALID_PROVIDER_OUTPUT', message: 'model "stable-diffusion-xl" (automatic1111) returned no images' });
    fake.script({ kind: 'status', status: 200, body: { images: ['%%%'], info: '{}' } });
    expect(await rejection(sut.textToImage(input, {}))).toMatchObject({ reason: 'INVALID_PROVIDER_OUTPUT', message: 'model "stable-diffusion-xl" (automatic1111) returned images[0] that is not base64' });
  });
});
