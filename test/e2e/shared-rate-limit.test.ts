import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ErrorInfoSchema, RetryInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { failedWith, failure } from '../support/connect-failure.js';
import { checkRedisForTests, TEST_REDIS_URL } from '../support/redis.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const haveRedis = await checkRedisForTests();

/**
 * Two instances behind one database, as a load balancer would spread them. One call per 1000 s plus a
 * burst of two: three calls per key for as long as any test runs, however slow the machine.
 */
async function startPair(shared: Record<string, string>): Promise<[TestApp, TestApp, () => Promise<void>]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-pair-'));
  const env = {
    AUTH_MODE: 'keys',
    DATABASE_URL: `sqlite:${path.join(dir, 'images.db')}`,
    API_KEY_PEPPER: randomBytes(24).toString('base64'),
    RATE_LIMIT_PER_SECOND: '0.001',
    RATE_LIMIT_BURST: '2',
    GENERATION_DAILY_QUOTA: '2',
    ...shared,
  };
  const a = await startTestApp(env);
  const b = await startTestApp(env);
  return [a, b, async () => {
    await Promise.all([a.stop(), b.stop()]);
    await rm(dir, { recursive: true, force: true });
  }];
}

const client = (app: TestApp) => createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));

describe.runIf(haveRedis)('two instances sharing one Redis (REDIS_URL)', () => {
  let a: TestApp;
  let b: TestApp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    [a, b, stop] = await startPair({ REDIS_URL: TEST_REDIS_URL });
  });
  afterAll(async () => {
    await stop?.();
  });

  it('enforce one call rate per key between them', async () => {
    const { key } = await createTestKey(a, 'acme', ['images:read']);
    await client(a).listImages({}, bearer(key));
    await client(b).listImages({}, bearer(key));
    await client(a).listImages({}, bearer(key));
    const refused = await failedWith(client(b).listImages({}, bearer(key)));
    expect([refused.code, refused.findDetails(ErrorInfoSchema)[0]?.reason]).toEqual([Code.ResourceExhausted, 'RATE_LIMITED']);
    expect(refused.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBeGreaterThan(0n);
    expect((await failure(client(a).listImages({}, bearer(key)))).reason).toBe('RATE_LIMITED');
    // Another key has its own budget on both.
    const other = await createTestKey(b, 'acme', ['images:read']);
    await client(b).listImages({}, bearer(other.key));
  });

  it("enforce one daily generation quota per tenant between them", async () => {
    const tenant = `t-${randomBytes(6).toString('hex')}`;
    const [k1, k2, k3] = await Promise.all([1, 2, 3].map(() => createTestKey(a, tenant, ['images:generate'])));
    const generate = (app: TestApp, key: string) => client(app).generateImage({ prompt: 'a blue circle', width: 64, height: 64 }, bearer(key));
    await generate(a, k1.key);
    await generate(b, k2.key);
    expect((await failure(generate(a, k3.key))).reason).toBe('GENERATION_QUOTA_EXCEEDED');
    expect((await failure(generate(b, k3.key))).reason).toBe('GENERATION_QUOTA_EXCEEDED');
  });
});

describe('two instances without Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    [a, b, stop] = await startPair({});
  });
  afterAll(async () => {
    await stop?.();
  });

  it('each keep their own call rate (so production with several instances sets REDIS_URL)', async () => {
    const { key } = await createTestKey(a, 'acme', ['images:read']);
    for (let i = 0; i < 3; i++) await client(a).listImages({}, bearer(key));
    expect((await failure(client(a).listImages({}, bearer(key)))).reason).toBe('RATE_LIMITED');
    for (let i = 0; i < 3; i++) await client(b).listImages({}, bearer(key));
  });
});
