import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { bearer } from '../support/api-keys.js';
import { failure } from '../support/connect-failure.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

describe('npm run keys: the same DATABASE_URL and DATA_DIR as the service', () => {
  let dataDir: string;
  let app: TestApp;
  /** `npm run keys -- ...args` as an operator runs it beside the service. */
  const keys = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/keys.ts', ...args], { env: { ...process.env, DATA_DIR: dataDir, HOST: '0.0.0.0', AUTH_MODE: '' }, timeout: 60_000 });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-keys-cli-'));
    app = await startTestApp({ AUTH_MODE: 'keys', DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await app?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a key printed alone on the last line, which the service accepts until it is revoked', async () => {
    const created = await keys('create', '--tenant', 'acme', '--scopes', 'images:read,images:write', '--name', 'ci');
    const lines = created.stdout.trimEnd().split('\n');
    const key = lines.at(-1)!;
    expect(key).toMatch(/^isk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = key.slice(4, 20);
    expect(lines[0]).toBe(`created API key ${id} "ci" for tenant acme with scopes images:read,images:write`);

    const images = createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));
    expect((await images.listImages({}, bearer(key))).images).toEqual([]);

    const listed = (await keys('list')).stdout.split('\n');
    expect(listed[0]).toMatch(/^id\s+tenant\s+name\s+scopes\s+created\s+last used\s+status$/);
    expect(listed.find((l) => l.startsWith(id))).toMatch(new RegExp(`^${id}\\s+acme\\s+ci\\s+images:read,images:write\\s+\\S+\\s+\\S+\\s+active$`));
    expect(listed.join('\n')).not.toContain(key.slice(21));

    expect((await keys('revoke', id)).stdout.trim()).toBe(`revoked API key ${id}`);
    const refused = await failure(images.listImages({}, bearer(key)));
    expect([refused.code, refused.message]).toEqual([Code.Unauthenticated, 'invalid or revoked API key']);
    expect((await keys('list')).stdout).toMatch(new RegExp(`${id}.*revoked \\d{4}-`));
  }, 120_000);

  it('says what is wrong with its arguments', async () => {
    const bad = await keys('create', '--tenant', 'acme', '--scopes', 'images:everything', '--name', 'x').then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).toBe(2);
    expect(bad?.stderr.trim()).toBe('scopes: expected a comma-separated list of images:read, images:write, images:delete, images:generate, admin, received "images:everything"');
    const unknown = await keys('revoke', 'ffffffffffffffff').then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect([unknown?.code, unknown?.stderr.trim()]).toEqual([1, 'no active API key with id "ffffffffffffffff"']);
    const usage = await keys('rotate').then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect([usage?.code, usage?.stderr.split('\n')[0]]).toEqual([2, 'usage:']);
  }, 120_000);
});
