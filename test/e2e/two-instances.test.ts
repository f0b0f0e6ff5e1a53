import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { Fit } from '../../gen/image/v1/operations_pb.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import type { Database } from '../../src/persistence/repositories.js';
import { sweepOrphans, sweepUnreferenced } from '../../src/services/orphan-sweep.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createBlobStore } from '../../src/storage/create-blob-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { distinctPng, settledState } from '../support/blob-invariants.js';
import { makeJpeg } from '../support/fixtures.js';
import { checkMysqlForTests, createTestMysqlDatabase } from '../support/mysql.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';

const haveMysql = await checkMysqlForTests();

const CI = process.env.CI === 'true';
/** Rounds of the delete/upload race across both instances: 10,000 in CI, fewer by default elsewhere. */
const ROUNDS = Number(process.env.TWO_INSTANCE_ROUNDS ?? (CI ? 10_000 : 1_000));
/**
 * Time the rounds may take before the lanes stop early (the test prints how many ran): on a machine
 * shared with other work the 10,000 take far longer, and CI must stay well under its half hour.
 */
const BUDGET_SECONDS = Number(process.env.TWO_INSTANCE_SECONDS ?? (CI ? 720 : 120));
const LANES = 8;

type Client = ReturnType<typeof createClient<typeof ImageService>>;

describe.runIf(haveMysql)('two server processes on one MariaDB and one Azurite', () => {
  let azurite: Azurite;
  let mysql: { url: string; drop(): Promise<void> };
  const dataDirs: string[] = [];
  const servers: ServerProcess[] = [];
  let clients: Client[];
  let db: Database;
  let blobs: BlobStore;

  beforeAll(async () => {
    azurite = await startAzurite();
    mysql = await createTestMysqlDatabase();
    const env = {
      DATABASE_URL: mysql.url,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: 'two-instances',
      URL_SIGNING_SECRET: 'two-instances-test-secret-0123456789abcdef',
      WORKER_THREADS: '1',
      // Each instance also sweeps unreferenced blobs every second, with no grace.
      UNREFERENCED_SWEEP_INTERVAL_SECONDS: '1',
      UNREFERENCED_GRACE_SECONDS: '0',
    };
    for (let i = 0; i < 2; i++) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), `imgsvc-instance-${i}-`));
      dataDirs.push(dataDir);
      servers.push(await spawnServer({ ...env, DATA_DIR: dataDir }));
    }
    clients = servers.map((s) => createClient(ImageService, createConnectTransport({ baseUrl: s.baseUrl, httpVersion: '2' })));
    const config = loadConfig({ ...env, DATA_DIR: dataDirs[0] });
    db = await createDatabase({ databaseUrl: config.databaseUrl });
    blobs = await createBlobStore(config);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.close();
    await blobs?.close();
    await azurite?.stop();
    await mysql?.drop();
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it(`loses nothing in up to ${ROUNDS} rounds of the delete/upload race across both, with derivations of shared content`, async () => {
    const started = performance.now();
    const lost: string[] = [];
    let racing = true;
    const budget = setTimeout(() => (racing = false), BUDGET_SECONDS * 1000);

    // Each lane keeps one image of its own bytes; every round deletes it on one instance while the
    // other uploads the same bytes again, and the new upload's blob must be there.
    let round = 0;
    const raceLane = async (lane: number) => {
      const bytes = await distinctPng(lane);
      let current = (await clients[lane % 2].uploadImage({ fileData: bytes })).image!;
      while (round < ROUNDS && racing) {
        const i = round++;
        const [deleter, uploader] = i % 2 === 0 ? [clients[0], clients[1]] : [clients[1], clients[0]];
        const [, uploaded] = await Promise.all([deleter.deleteImage({ imageId: current.imageId }), uploader.uploadImage({ fileData: bytes })]);
        current = uploaded.image!;
        if (!(await blobs.exists(current.storagePath))) lost.push(current.imageId);
      }
    };

    // One photo uploaded once on each instance: each resizes the other's copy alike (two records of
    // their own sharing one result's bytes), then both results are deleted, again and again.
    let derivations = 0;
    const photo = await makeJpeg(96, 64);
    const sources = await Promise.all(clients.map(async (c) => (await c.uploadImage({ fileData: photo, filename: 'shared.jpg' })).image!));
    const deriveLane = async () => {
      while (racing) {
        const results = await Promise.all(
          sources.map(async (s, i) => (await clients[1 - i].resizeImage({ imageId: s.imageId, width: 24, height: 24, fit: Fit.COVER })).image!),
        );
        expect(results[0].imageId).not.toBe(results[1].imageId);
        expect(results.map((r) => r.details.case === 'processed' && r.details.value.sourceImageId)).toEqual(sources.map((s) => s.imageId));
        expect(results[0].storagePath).toBe(results[1].storagePath);
        for (const r of results) if (!(await blobs.exists(r.storagePath))) lost.push(r.imageId);
        await Promise.all(results.map((r, i) => clients[i].deleteImage({ imageId: r.imageId })));
        derivations++;
      }
    };

    // A third sweeper, outside both instances, against the same database and container.
    let sweeps = 0;
    let swept = 0;
    const sweeper = async () => {
      while (racing) {
        swept += (await sweepUnreferenced({ blobs, references: db.blobReferences }, 0)).removed.length;
        sweeps++;
        await yieldToEventLoop();
      }
    };

    const background = Promise.all([deriveLane(), sweeper()]).finally(() => (racing = false));
    background.catch(() => undefined); // awaited below; a failure there also ends the race lanes
    await Promise.all(Array.from({ length: LANES }, (_, lane) => raceLane(lane))).finally(() => (racing = false));
    await background;
    clearTimeout(budget);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `two instances: ${round} of ${ROUNDS} delete/upload rounds (budget ${BUDGET_SECONDS} s) and ${derivations} derivation rounds in ${seconds} s; ` +
        `${sweeps} outside sweeps removed ${swept} blobs; ${lost.length} lost`,
    );
    expect(round).toBeGreaterThan(0);
    expect(lost).toEqual([]);

    // Settled: a full sweep at zero grace leaves exactly the blobs the rows reference.
    await sweepOrphans({ blobs, references: db.blobReferences }, { unreferencedMs: 0, orphanMs: 0 });
    const state = await settledState(db, blobs);
    expect(state.missing).toEqual([]);
    expect(state.unreferenced).toEqual([]);
    expect(state.rows).toBe(LANES + sources.length);
  }, (BUDGET_SECONDS + 600) * 1000);
});
