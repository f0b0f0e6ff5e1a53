import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeCalls } from '../../src/observe/observe-calls.js';
import { PrometheusMetrics } from '../../src/observe/prometheus-metrics.js';
import { TelemetryObserver } from '../../src/observe/telemetry-observer.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import type { Database } from '../../src/persistence/repositories.js';
import { blobKeyFor, sha256Hex } from '../../src/storage/blob-key.js';
import { FsBlobStore } from '../../src/storage/fs-blob-store.js';
import { parseExposition, valueOf } from '../support/prometheus-text.js';

describe('observeCalls over the real Database and BlobStore', () => {
  let dir: string;
  let metrics: PrometheusMetrics;
  let db: Database;
  let blobs: FsBlobStore;
  const counted = async (kind: string, operation: string, outcome: string) =>
    valueOf(parseExposition(await metrics.registry.metrics()), `imgsvc_${kind}_calls_total`, { operation, outcome });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-observe-'));
    metrics = new PrometheusMetrics();
    const observer = new TelemetryObserver(metrics, undefined);
    db = observeCalls(await createDatabase({ databaseUrl: `sqlite:${path.join(dir, 'images.db')}` }), 'database', observer);
    blobs = observeCalls(new FsBlobStore(path.join(dir, 'blobs')), 'blob', observer);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts each call by its operation, repositories by `<repository>.<method>`, and keeps what the stores return', async () => {
    expect(await db.images.get(DEFAULT_TENANT, '01890f2e-0000-7000-8000-000000000000')).toBeUndefined();
    const bytes = new Uint8Array([1, 2, 3]);
    const key = blobKeyFor(sha256Hex(bytes));
    await blobs.put(key, bytes);
    expect([...(await blobs.get(key))!]).toEqual([1, 2, 3]);
    const listed = [];
    for await (const info of blobs.list()) listed.push(info.key);
    expect(listed).toEqual([key]);
    expect(blobs.name).toBe(new FsBlobStore(path.join(dir, 'blobs')).name);
    expect(await counted('database', 'images.get', 'ok')).toBe(1);
    expect([await counted('blob', 'put', 'ok'), await counted('blob', 'get', 'ok'), await counted('blob', 'list', 'ok')]).toEqual([1, 1, 1]);
  });

  it("counts a failed call under its error's kind, and passes the error on unchanged", async () => {
    await db.close();
    await expect(db.images.get(DEFAULT_TENANT, '01890f2e-0000-7000-8000-000000000000')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(await counted('database', 'images.get', 'unavailable')).toBe(1);
    expect(valueOf(parseExposition(await metrics.registry.metrics()), 'imgsvc_database_calls_in_flight', { operation: 'images.get' })).toBe(0);
  });
});
