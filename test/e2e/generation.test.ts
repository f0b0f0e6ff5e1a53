import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { create } from '@bufbuild/protobuf';
import sharp from 'sharp';
import type { ImageAsset, GenerationParams, GeneratedImage } from '../../gen/image/v1/asset_pb.js';
import { ImageKind } from '../../gen/image/v1/asset_pb.js';
import {
  GenerateImageRequestSchema,
  GenerateVariationsRequestSchema,
  GetImageRequestSchema,
  ImageService,
  ListModelsRequestSchema,
  RefineImageRequestSchema,
  type GenerateVariationsResponse,
} from '../../gen/image/v1/image_service_pb.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { describeDatabases } from '../support/databases.js';
import { failure } from '../support/connect-failure.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { png, sendJson, startFakeProvider, type FakeProvider } from '../generation/fake-provider.js';

function generated(image: ImageAsset | undefined): GeneratedImage & { generationParams: GenerationParams } {
  expect(image?.kind).toBe(ImageKind.GENERATED);
  if (image?.details.case !== 'generated') throw new Error('not a generated image');
  return image.details.value as GeneratedImage & { generationParams: GenerationParams };
}

await describeDatabases('generation on a fresh clone: the procedural provider', (databaseEnv) => {
  let app: TestApp;
  let client: any;
  let connect: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    // No generation configuration at all.
    app = await startTestApp(await databaseEnv());
    client = grpcJsClient(ImageService, app.address);
    connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    client?.close();
    await app?.stop();
  });

  it('lists procedural-v1 as the default model, not AI', async () => {
    const { models } = await unary<any>(client, 'listModels', create(ListModelsRequestSchema, {}));
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: 'procedural-v1', provider: 'procedural', textToImage: true, imageToImage: true, isAi: false, isDefault: true });
    expect(models[0].description).toMatch(/not AI/);
  });

  it('generates, streams variations, refines, and reads the generation parameters back (@grpc/grpc-js)', async () => {
    const gen = await unary<any>(
      client,
      'generateImage',
      create(GenerateImageRequestSchema, {
        prompt: 'a calm ocean at sunset',
        width: 320,
        height: 200,
        style: 'watercolor',
        negativePrompt: 'red',
        seed: 42n,
        steps: 20,
        guidanceScale: 9,
        metadata: { album: 'moods' },
      }),
    );
    const image: ImageAsset = gen.image;
    expect([image.width, image.height, image.contentType]).toEqual([320, 200, 'image/png']);
    expect(image.metadata).toEqual({ album: 'moods' });
    const g = generated(image);
    expect(g).toMatchObject({ prompt: 'a calm ocean at sunset', model: 'procedural-v1 (not AI)', negativePrompt: 'red', generationSteps: 20 });
    expect(g.guidanceScale).toBeCloseTo(9);
    expect(g.generationParams).toMatchObject({ provider: 'procedural', seed: 42n, width: 320, height: 200, style: 'watercolor', isAi: false });
    expect(g.generationParams.providerInfo).toMatchObject({ renderer: 'procedural-v1 (not AI)', technique: 'watercolor', removed_by_negative_prompt: ['red'] });

    const call = client.generateVariations(create(GenerateVariationsRequestSchema, { imageId: image.imageId, numVariations: 3, variationStrength: 0.4 }));
    const variations: GenerateVariationsResponse[] = await new Promise((resolve, reject) => {
      const out: GenerateVariationsResponse[] = [];
      call.on('data', (m: GenerateVariationsResponse) => out.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
    expect(variations.map((v) => v.index).sort()).toEqual([0, 1, 2]);
    expect(variations.every((v) => v.total === 3)).toBe(true);
    const seeds = new Set<bigint>();
    for (const v of variations) {
      const vg = generated(v.image);
      expect(vg.prompt).toBe('a calm ocean at sunset');
      expect(vg.generationParams).toMatchObject({ provider: 'procedural', sourceImageId: image.imageId, variationIndex: v.index, style: 'watercolor', isAi: false });
      expect(vg.generationParams.strength).toBeCloseTo(0.4);
      expect([v.image!.width, v.image!.height]).toEqual([320, 200]);
      expect(vg.generationParams.seed).toBeTypeOf('bigint');
      seeds.add(vg.generationParams.seed ?? -1n);
    }
    expect(seeds.size).toBe(3);

    const refined = await unary<any>(
      client,
      'refineImage',
      create(RefineImageRequestSchema, { imageId: image.imageId, refinementPrompt: 'deep emerald green', refinementStrength: 0.7, preserveStructure: true, seed: 7n }),
    );
    const rg = generated(refined.image);
    expect(rg.prompt).toBe('a calm ocean at sunset, deep emerald green');
    expect(rg.generationParams).toMatchObject({ provider: 'procedural', sourceImageId: image.imageId, refinementPrompt: 'deep emerald green', preserveStructure: true, seed: 7n });

    // What was stored comes back through GetImage, bytes included.
    const back = await unary<any>(client, 'getImage', create(GetImageRequestSchema, { imageId: refined.image.imageId, includeData: true }));
    const bg = generated(back.image);
    expect(bg).toEqual(rg);
    expect(bg.generationParams.strength).toBeCloseTo(0.7);
    expect(bg.generationParams.latencyMs).toBeGreaterThan(0);
    expect(await sharp(back.data).metadata()).toMatchObject({ format: 'png', width: 320, height: 200 });
  });

  it('the same request gives the same bytes', async () => {
    const req = { prompt: 'golden autumn forest', width: 128, height: 128, style: 'oil-painting', seed: 5n };
    const [a, b] = [(await connect.generateImage(req)).image!, (await connect.generateImage(req)).image!];
    expect(a.imageId).not.toBe(b.imageId);
    expect(a.sha256).toBe(b.sha256);
  });

  it('refuses bad requests naming the field, before any work', async () => {
    expect(await failure(connect.generateImage({ prompt: '' }))).toEqual({ code: Code.InvalidArgument, message: 'prompt: expected 1 to 5000 characters, received ""', reason: 'INVALID_ARGUMENT' });
    expect(await failure(connect.generateImage({ prompt: 'x', model: 'dall-e-9' }))).toEqual({
      code: Code.InvalidArgument,
      message: 'model: expected a configured model (procedural-v1; see ListModels), received "dall-e-9"',
      reason: 'INVALID_ARGUMENT',
    });
    expect(await failure(connect.generateImage({ prompt: 'x', width: 5000 }))).toMatchObject({ code: Code.InvalidArgument, message: 'width: expected an integer from 64 to 4096, received 5000' });
    expect((await failure(connect.generateImage({ prompt: 'x', style: 'cubism' }))).message).toMatch(/^style: expected empty or one of photographic, cinematic, watercolor, .*, received "cubism"$/);
    expect(await failure(connect.generateImage({ prompt: 'x', seed: -1n }))).toMatchObject({ message: 'seed: expected an integer from 0 to 4294967295, received -1' });
    expect(await failure(connect.generateImage({ prompt: 'x', steps: 0 }))).toMatchObject({ message: 'steps: expected an integer from 1 to 150 for model "procedural-v1", received 0' });
    const id = (await connect.generateImage({ prompt: 'blue', width: 64, height: 64 })).image!.imageId;
    const stream = async (req: Parameters<typeof connect.generateVariations>[0]) => {
      for await (const _ of connect.generateVariations(req)) void _;
    };
    expect(await failure(stream({ imageId: id, numVariations: 9 }))).toMatchObject({ code: Code.InvalidArgument, message: 'num_variations: expected an integer from 1 to 8, received 9' });
    expect(await failure(stream({ imageId: id, numVariations: 1, variationStrength: 1.5 }))).toMatchObject({ message: 'variation_strength: expected a number from 0 to 1, received 1.5' });
    expect(await failure(stream({ imageId: '0190b6e2-7c1a-7d3e-9f00-0123456789ab', numVariations: 1 }))).toMatchObject({ code: Code.NotFound, reason: 'IMAGE_NOT_FOUND' });
    expect(await failure(connect.refineImage({ imageId: id, refinementPrompt: ' ' }))).toMatchObject({ code: Code.InvalidArgument, message: 'refinement_prompt: expected 1 to 5000 characters, received " "' });
  });

  it('varies and refines uploaded images too (no prompt: colours from the prompt hash)', async () => {
    const upload = (await connect.uploadImage({ fileData: await png(90, 60, '#3060c0'), filename: 'blue.png' })).image!;
    const variations = [];
    for await (const v of connect.generateVariations({ imageId: upload.imageId, numVariations: 2 })) variations.push(v);
    expect(variations).toHaveLength(2);
    expect(generated(variations[0].image).generationParams.strength).toBeCloseTo(0.5);
    const refined = (await connect.refineImage({ imageId: upload.imageId, refinementPrompt: 'sunset' })).image!;
    expect(generated(refined).prompt).toBe('sunset');
    expect([refined.width, refined.height]).toEqual([90, 60]);
  });
});

describe('generation through remote providers (local fakes of their APIs)', () => {
  const JIG_KEY = 'jsk_e2e_secret_value_123';
  let app: TestApp;
  let client: any;
  let connect: ReturnType<typeof createClient<typeof ImageService>>;
  let a1111: FakeProvider;
  let jig: FakeProvider;
  let openai: FakeProvider;
  /** img2img answers sent by the fake web UI. */
  let img2imgAnswered = 0;

  beforeAll(async () => {
    a1111 = await startFakeProvider(async (req, res) => {
      const body = JSON.parse(req.body.toString());
      const image = await png(body.width, body.height, req.path.endsWith('img2img') ? '#6699cc' : '#cc9966');
      if (req.path.endsWith('img2img')) img2imgAnswered++;
      sendJson(res, 200, { images: [image.toString('base64')], parameters: {}, info: JSON.stringify({ seed: body.seed, subseed: body.subseed ?? -1, sd_model_name: 'sdxl' }) });
    });
    jig = await startFakeProvider(async (req, res) => {
      const body = JSON.parse(req.body.toString());
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(await png(body.width, body.height));
    });
    openai = await startFakeProvider(async (_req, res) => sendJson(res, 200, { data: [{ b64_json: (await png(64, 64)).toString('base64') }] }));
    app = await startTestApp({
      TEST_JIG_KEY: JIG_KEY,
      OPENAI_API_KEY: 'sk-e2e',
      OPENAI_BASE_URL: openai.url,
      GENERATION_MODELS: JSON.stringify([
        { name: 'sdxl', provider: 'automatic1111', base_url: a1111.url },
        { name: 'jig', provider: 'jigsawstack', base_url: jig.url, api_key_env: 'TEST_JIG_KEY' },
        { name: 'jig-routed', provider: 'jigsawstack', base_url: jig.url, api_key_env: 'TEST_JIG_KEY', image_to_image_model: 'procedural-v1' },
      ]),
      GENERATION_VARIATION_CONCURRENCY: '1',
      GENERATION_MAX_ATTEMPTS: '2',
      GENERATION_RETRY_BASE_MS: '1',
      GENERATION_RETRY_MAX_MS: '2000',
    });
    client = grpcJsClient(ImageService, app.address);
    connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    client?.close();
    await app?.stop();
    await Promise.all([a1111?.close(), jig?.close(), openai?.close()]);
  });

  it('lists every configured model with what it supports, and no secrets', async () => {
    const { models } = await connect.listModels({});
    expect(models.map((m) => [m.name, m.provider, m.imageToImage, m.isAi, m.isDefault])).toEqual([
      ['procedural-v1', 'procedural', true, false, true],
      ['sdxl', 'automatic1111', true, true, false],
      ['jig', 'jigsawstack', false, true, false],
      ['jig-routed', 'jigsawstack', true, true, false],
      ['gpt-image-1', 'openai', true, true, false],
    ]);
    expect(JSON.stringify(models)).not.toContain(JIG_KEY);
  });

  it('streams each variation as soon as it is stored: the first arrives before the provider has produced the last', async () => {
    const source = (await unary<any>(client, 'generateImage', create(GenerateImageRequestSchema, { prompt: 'a red barn', model: 'sdxl', width: 256, height: 192, seed: 11n }))).image;
    expect(generated(source).generationParams).toMatchObject({ provider: 'automatic1111', seed: 11n, isAi: true });

    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    // The last variation is held back until the client has its first message (or, if the server only
    // sent at the end, until the safety valve opens, and then the assertion below fails).
    const safety = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
    a1111.script({ kind: 'ok' }, { kind: 'ok' }, { kind: 'held', release: Promise.race([arrived, safety]) });
    img2imgAnswered = 0;
    const call = client.generateVariations(create(GenerateVariationsRequestSchema, { imageId: source.imageId, numVariations: 3, variationStrength: 0.3 }));
    let producedAtFirst = -1;
    const got: GenerateVariationsResponse[] = await new Promise((resolve, reject) => {
      const out: GenerateVariationsResponse[] = [];
      call.on('data', (m: GenerateVariationsResponse) => {
        if (out.length === 0) {
          producedAtFirst = img2imgAnswered;
          firstArrived();
        }
        out.push(m);
      });
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
    expect(producedAtFirst).toBeLessThan(3);
    expect(got.map((v) => v.index)).toEqual([0, 1, 2]);
    const img2img = a1111.requests.filter((r) => r.path === '/sdapi/v1/img2img').slice(-3).map((r) => JSON.parse(r.body.toString()));
    expect(img2img.map((b) => [b.seed, b.subseed, b.denoising_strength])).toEqual([
      [11, 12, 0.3],
      [11, 13, 0.3],
      [11, 14, 0.3],
    ]);
    expect(got.map((v) => generated(v.image).generationParams.seed)).toEqual([12n, 13n, 14n]);
  });

  it('aborts the remaining provider calls when the client cancels', async () => {
    const source = (await connect.generateImage({ prompt: 'a lake', model: 'sdxl', width: 128, height: 128 })).image!;
    const before = a1111.requests.length;
    a1111.script({ kind: 'ok' }, { kind: 'hang' });
    const call = client.generateVariations(create(GenerateVariationsRequestSchema, { imageId: source.imageId, numVariations: 4 }));
    await new Promise<void>((resolve) => {
      call.on('data', () => {
        call.cancel();
        resolve();
      });
      call.on('error', () => undefined);
    });
    // The call in flight is aborted: its connection to the provider closes without an answer.
    while (a1111.requests.length < before + 2) await new Promise((r) => setTimeout(r, 10));
    await a1111.requests[before + 1].aborted;
    await connect.listModels({});
    expect(a1111.requests.length - before).toBe(2);
  });

  it('refines through img2img (preserve_structure halves the denoising) and records the provider info', async () => {
    const source = (await connect.generateImage({ prompt: 'a red barn', model: 'sdxl', width: 128, height: 96, seed: 3n })).image!;
    const refined = (await connect.refineImage({ imageId: source.imageId, refinementPrompt: 'in winter', refinementStrength: 0.8, preserveStructure: true })).image!;
    const sent = JSON.parse(a1111.requests.at(-1)!.body.toString());
    expect(sent).toMatchObject({ prompt: 'a red barn, in winter', denoising_strength: 0.4, seed: 3, width: 128, height: 96 });
    const back = generated((await connect.getImage({ imageId: refined.imageId })).image);
    expect(back).toMatchObject({ model: 'sdxl', prompt: 'a red barn, in winter', generationSteps: 30 });
    expect(back.generationParams).toMatchObject({ provider: 'automatic1111', isAi: true, preserveStructure: true, refinementPrompt: 'in winter', sourceImageId: source.imageId });
    expect(back.generationParams.providerInfo).toMatchObject({ seed: 3, sd_model_name: 'sdxl', denoising_strength: 0.4 });
  });

  it('jigsawstack: generates; refuses variations with FAILED_PRECONDITION unless routed elsewhere', async () => {
    const image = (await connect.generateImage({ prompt: 'a cat', model: 'jig', width: 256, height: 256, seed: 9n })).image!;
    expect(generated(image)).toMatchObject({ model: 'jig', generationParams: { provider: 'jigsawstack', seed: 9n } });
    expect(jig.requests.at(-1)!.headers['x-api-key']).toBe(JIG_KEY);
    const stream = async (req: Parameters<typeof connect.generateVariations>[0]) => {
      const out = [];
      for await (const v of connect.generateVariations(req)) out.push(v);
      return out;
    };
    expect(await failure(stream({ imageId: image.imageId, numVariations: 1 }))).toEqual({
      code: Code.FailedPrecondition,
      message:
        'model "jig" (jigsawstack) has no image-to-image, so it cannot make variations or refinements; name another model in the request, or configure image_to_image_model for it',
      reason: 'IMAGE_TO_IMAGE_UNSUPPORTED',
    });
    expect(await failure(connect.refineImage({ imageId: image.imageId, refinementPrompt: 'x' }))).toMatchObject({ code: Code.FailedPrecondition });
    expect(await failure(connect.generateImage({ prompt: 'a cat', model: 'jig', width: 128 }))).toMatchObject({
      code: Code.InvalidArgument,
      message: 'width: expected an integer from 256 to 1920 for model "jig", received 128',
    });

    const routed = (await connect.generateImage({ prompt: 'a cat', model: 'jig-routed', width: 256, height: 256 })).image!;
    const [variation] = await stream({ imageId: routed.imageId, numVariations: 1 });
    expect(generated(variation.image)).toMatchObject({ model: 'procedural-v1 (not AI)', generationParams: { provider: 'procedural', sourceImageId: routed.imageId } });
  });

  it('stores nothing when a provider returns garbage: UNAVAILABLE with INVALID_PROVIDER_OUTPUT', async () => {
    const rows = async () => (await app.db.images.list(DEFAULT_TENANT, { limit: 100 })).items.length;
    const before = await rows();
    jig.script({ kind: 'garbage' });
    const err = await failure(connect.generateImage({ prompt: 'a cat', model: 'jig', width: 256, height: 256 }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.reason).toBe('INVALID_PROVIDER_OUTPUT');
    expect(err.message).toMatch(/^model "jig" \(jigsawstack\) returned bytes that are not a usable image \(.*\); nothing was stored$/);
    a1111.script({ kind: 'status', status: 200, body: { images: [(await png(4, 4)).toString('base64')], info: '{}' } });
    expect(await failure(connect.generateImage({ prompt: 'tiny', model: 'sdxl', width: 64, height: 64 }))).toMatchObject({
      code: Code.Unavailable,
      reason: 'INVALID_PROVIDER_OUTPUT',
      message: 'model "sdxl" (automatic1111) returned an image of implausible size 4x4 (expected 16 to 16384 pixels per side); nothing was stored',
    });
    expect(await rows()).toBe(before);
  });

  it('retries a rate limit (honouring Retry-After) and reports a persistent one as UNAVAILABLE PROVIDER_RATE_LIMITED', async () => {
    jig.script({ kind: 'status', status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '0' } });
    const ok = (await connect.generateImage({ prompt: 'a dog', model: 'jig', width: 256, height: 256 })).image!;
    expect(generated(ok).generationParams.providerInfo).toMatchObject({ attempts: 2 });
    const limited = { kind: 'status' as const, status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '0' } };
    jig.script(limited, limited);
    expect(await failure(connect.generateImage({ prompt: 'a dog', model: 'jig', width: 256, height: 256 }))).toEqual({
      code: Code.Unavailable,
      message: 'model "jig" (jigsawstack) is rate limited after 2 attempts: Too many requests',
      reason: 'PROVIDER_RATE_LIMITED',
    });
  });

  it('never returns the API key, even when the provider echoes it', async () => {
    jig.script({ kind: 'status', status: 401, body: { message: `invalid key ${JIG_KEY}` } });
    const err = await failure(connect.generateImage({ prompt: 'a dog', model: 'jig', width: 256, height: 256 }));
    expect(err).toEqual({ code: Code.Unavailable, message: 'model "jig" (jigsawstack) refused the configured credentials (HTTP 401): invalid key [redacted]', reason: 'PROVIDER_AUTH_FAILED' });
  });

  it("a provider's rejection of the prompt is INVALID_ARGUMENT PROMPT_REJECTED with its message", async () => {
    openai.script({ kind: 'status', status: 400, body: { error: { message: 'Your request was rejected by the safety system.', code: 'moderation_blocked' } } });
    expect(await failure(connect.generateImage({ prompt: 'something', model: 'gpt-image-1', width: 1024, height: 1024 }))).toEqual({
      code: Code.InvalidArgument,
      message: 'model "gpt-image-1" (openai) rejected the request: Your request was rejected by the safety system.',
      reason: 'PROMPT_REJECTED',
    });
  });

  it("the client's deadline caps the provider call", async () => {
    a1111.script({ kind: 'hang' });
    const err = await failure(connect.generateImage({ prompt: 'slow', model: 'sdxl', width: 64, height: 64 }, { timeoutMs: 300 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    await a1111.requests.at(-1)!.aborted;
  });
});
