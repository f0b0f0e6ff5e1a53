import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { pino } from 'pino';
import { ErrorInfoSchema, RetryInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { failedWith, failure } from '../support/connect-failure.js';
import { makePng } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const BUF = path.resolve('node_modules/.bin/buf');

/** A logger whose JSON lines the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('API keys on a running server: uploader, audit, reflection', () => {
  let app: TestApp;
  const log = capturedLogger();
  let writer: { id: string; key: string };
  let reader: { id: string; key: string };
  let images: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    app = await startTestApp({ AUTH_MODE: 'keys' }, { logger: log.logger });
    writer = await createTestKey(app, 'acme', ['images:read', 'images:write', 'images:delete'], 'writer');
    reader = await createTestKey(app, 'acme', ['images:read'], 'reader');
    images = createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("records the key's subject as the uploader, not the request's uploader_id", async () => {
    const { image } = await images.uploadImage({ fileData: await makePng(), filename: 'a.png', uploaderId: 'mallory' }, bearer(writer.key));
    expect(image?.details).toEqual({ case: 'uploaded', value: expect.objectContaining({ uploaderId: `key:${writer.id}` }) });
  });

  it('writes one audit line per mutating call, refusals included, with ids and never the key or the bytes', async () => {
    const { image } = await images.uploadImage({ fileData: await makePng(), filename: 'b.png' }, bearer(writer.key));
    const id = image!.imageId;
    expect((await failure(images.deleteImage({ imageId: id }, bearer(reader.key)))).code).toBe(Code.PermissionDenied);
    await images.deleteImage({ imageId: id }, bearer(writer.key));
    await images.getImage({ imageId: image!.imageId }, bearer(reader.key)).catch(() => undefined);
    const audit = log.records().filter((r) => r.audit === true && (r.ids as string[]).includes(id));
    expect(audit.map(({ rpc, principal, kind, tenant, keyId, ids, outcome }) => ({ rpc, principal, kind, tenant, keyId, ids, outcome }))).toEqual([
      { rpc: 'image.v1.ImageService/UploadImage', principal: `key:${writer.id}`, kind: 'api-key', tenant: 'acme', keyId: writer.id, ids: [id], outcome: 'OK' },
      { rpc: 'image.v1.ImageService/DeleteImage', principal: `key:${reader.id}`, kind: 'api-key', tenant: 'acme', keyId: reader.id, ids: [id], outcome: 'PermissionDenied' },
      { rpc: 'image.v1.ImageService/DeleteImage', principal: `key:${writer.id}`, kind: 'api-key', tenant: 'acme', keyId: writer.id, ids: [id], outcome: 'OK' },
    ]);
    // GetImage changes nothing: no audit line. And no line anywhere carries a secret.
    expect(log.records().filter((r) => r.audit === true && r.rpc === 'image.v1.ImageService/GetImage')).toEqual([]);
    for (const line of log.lines) {
      expect(line).not.toContain(writer.key.slice(22));
      expect(line).not.toContain(reader.key.slice(22));
    }
  });

  it('audits a refused unauthenticated call with no principal', async () => {
    await images.deleteImage({ imageId: '0190b3a0-0000-7000-8000-000000000000' }).catch(() => undefined);
    const line = log.records().find((r) => r.audit === true && (r.ids as string[]).includes('0190b3a0-0000-7000-8000-000000000000'));
    expect(line).toMatchObject({ rpc: 'image.v1.ImageService/DeleteImage', principal: null, tenant: null, outcome: 'Unauthenticated' });
  });

  it('serves reflection to authenticated callers only (REFLECTION defaults to authenticated outside development mode)', async () => {
    const curl = (...args: string[]) => run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { timeout: 60_000 });
    const refused = await curl(app.baseUrl, '--list-services').then(() => undefined, (e: { stderr: string }) => e.stderr);
    // buf reads UNAUTHENTICATED from a reflection server as "you are not authenticated".
    expect(refused).toContain('not authenticated');
    // Reflection requests carry -H headers only with --reflect-header '*'.
    const auth = ['-H', `authorization: Bearer ${reader.key}`, '--reflect-header', '*'];
    const listed = await curl(...auth, app.baseUrl, '--list-services');
    expect(listed.stdout).toContain('image.v1.ImageService');
    const answer = await curl(...auth, '-d', '{"page_size": 1}', `${app.baseUrl}/image.v1.ImageService/ListImages`);
    expect(JSON.parse(answer.stdout)).toHaveProperty('images');
  });
});

describe('per-caller limits in memory', () => {
  let app: TestApp;

  beforeAll(async () => {
    // One call per 1000 s plus a burst of two: three calls, then a refusal, for as long as any test runs.
    app = await startTestApp({ AUTH_MODE: 'keys', RATE_LIMIT_PER_SECOND: '0.001', RATE_LIMIT_BURST: '2', GENERATION_DAILY_QUOTA: '3', REFLECTION: 'off' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('limits each principal on its own, with RetryInfo', async () => {
    const images = createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));
    const a = await createTestKey(app, 'acme', ['images:read']);
    const b = await createTestKey(app, 'acme', ['images:read']);
    for (let i = 0; i < 3; i++) await images.listImages({}, bearer(a.key));
    const refused = await failedWith(images.listImages({}, bearer(a.key)));
    expect([refused.code, refused.findDetails(ErrorInfoSchema)[0]?.reason, refused.rawMessage]).toEqual([Code.ResourceExhausted, 'RATE_LIMITED', 'rate limit: 0.001 calls per second and bursts of 2 more for these credentials']);
    expect(refused.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBeGreaterThan(0n);
    await images.listImages({}, bearer(b.key));
  });

  it("keeps each tenant's daily generation quota, counting the images a call asks for", async () => {
    const images = createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));
    const keys = await Promise.all([1, 2, 3, 4].map(() => createTestKey(app, 'paying', ['images:generate'])));
    const other = await createTestKey(app, 'other', ['images:generate']);
    const generate = (key: string) => images.generateImage({ prompt: 'a red square', width: 64, height: 64 }, bearer(key));
    const first = await generate(keys[0].key);
    await generate(keys[1].key);
    const variations = async () => {
      for await (const _ of images.generateVariations({ imageId: first.image!.imageId, numVariations: 2 }, bearer(keys[2].key))) void _;
    };
    const over = await failedWith(variations());
    expect([over.code, over.findDetails(ErrorInfoSchema)[0]?.reason, over.rawMessage]).toEqual([Code.ResourceExhausted, 'GENERATION_QUOTA_EXCEEDED', 'generation quota: 3 images per day for tenant "paying", 1 left today, this call asks for 2']);
    const untilMidnight = over.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds ?? 0n;
    expect(untilMidnight > 0n && untilMidnight <= 86_400n).toBe(true);
    // The refused call took nothing: one image still fits, then the day's quota is spent.
    await generate(keys[2].key);
    expect((await failure(generate(keys[3].key))).reason).toBe('GENERATION_QUOTA_EXCEEDED');
    // Another tenant's quota is its own (and so are its images); a streamed request that fits is served whole.
    const own = await generate(other.key);
    const streamed = [];
    for await (const v of images.generateVariations({ imageId: own.image!.imageId, numVariations: 2, prompt: 'a green square' }, bearer(other.key))) streamed.push(v.index);
    expect(streamed.sort()).toEqual([0, 1]);
    expect((await failure(generate(other.key))).reason).toBe('GENERATION_QUOTA_EXCEEDED');
  });

  it('answers UNIMPLEMENTED for reflection when REFLECTION=off', async () => {
    const { ServerReflection } = await import('../../gen/grpc/reflection/v1/reflection_pb.js');
    const reflection = createClient(ServerReflection, createGrpcTransport({ baseUrl: app.baseUrl }));
    const key = await createTestKey(app, 'acme', ['admin']);
    const call = async () => {
      for await (const _ of reflection.serverReflectionInfo((async function* () { yield { messageRequest: { case: 'listServices' as const, value: '' } }; })(), bearer(key.key))) void _;
    };
    expect((await failure(call())).code).toBe(Code.Unimplemented);
  });
});
