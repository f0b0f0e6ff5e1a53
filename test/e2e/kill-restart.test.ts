import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import type { Database } from '../../src/persistence/repositories.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createBlobStore } from '../../src/storage/create-blob-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { distinctPng, rowsWithoutBlob, runSweepCli, settledState } from '../support/blob-invariants.js';
import { checkMysqlForTests, createTestMysqlDatabase } from '../support/mysql.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';

const haveMysql = await checkMysqlForTests();

/** Kills per backend; each lands while uploads, deletes and derivations are in flight. */
const KILLS = Number(process.env.KILL_CYCLES ?? 3);

interface InFlight {
  upload: number;
  delete: number;
  derive: number;
}

/**
 * Traffic on shared bytes (a few contents uploaded again and again, so deletes and uploads meet on
 * the same blobs) until `killAfter` calls have answered; then SIGKILL, with calls still in flight.
 */
async function trafficUntilKilled(server: ServerProcess, contents: Buffer[], killAfter: number): Promise<InFlight> {
  const client = createClient(ImageService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: '2' }));
  const ids: string[] = [];
  const inFlight: InFlight = { upload: 0, delete: 0, derive: 0 };
  let answered = 0;
  let killed: Promise<InFlight> | undefined;
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];
  const call = async <T>(kind: keyof InFlight, work: () => Promise<T>): Promise<T | undefined> => {
    inFlight[kind]++;
    try {
      return await work();
    } catch {
      return undefined; // a racing delete's NOT_FOUND, or the kill
    } finally {
      inFlight[kind]--;
      if (++answered >= killAfter && !killed && inFlight.upload > 0 && inFlight.delete > 0) {
        const snapshot = { ...inFlight };
        killed = server.kill().then(() => snapshot);
      }
    }
  };
  const lane = async (kind: keyof InFlight) => {
    while (!killed) {
      if (kind === 'upload' || ids.length === 0) {
        const image = await call('upload', () => client.uploadImage({ fileData: pick(contents) }));
        if (image?.image) ids.push(image.image.imageId);
      } else if (kind === 'delete') {
        const id = ids.splice(Math.floor(Math.random() * ids.length), 1)[0];
        await call('delete', () => client.deleteImage({ imageId: id }));
      } else {
        const derived = await call('derive', () => client.resizeImage({ imageId: pick(ids), width: 2, height: 2 }));
        if (derived?.image) ids.push(derived.image.imageId);
      }
    }
  };
  await Promise.all(['upload', 'upload', 'upload', 'delete', 'delete', 'delete', 'derive'].map((k) => lane(k as keyof InFlight)));
  return killed!;
}

function describeBackend(name: string, runIf: boolean, setup: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>) {
  describe.runIf(runIf)(`SIGKILL mid-upload and mid-delete, restart [${name}]`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let db: Database;
    let blobs: BlobStore;

    beforeAll(async () => {
      const backend = await setup();
      env = backend.env;
      cleanup = () => backend.cleanup();
      // The server sweeps unreferenced blobs every second with no grace, so kills also land mid-sweep.
      env = { ...env, UNREFERENCED_SWEEP_INTERVAL_SECONDS: '1', UNREFERENCED_GRACE_SECONDS: '0', WORKER_THREADS: '1', URL_SIGNING_SECRET: 'kill-restart-test-secret-0123456789abcdef' };
      const config = loadConfig(env);
      db = await createDatabase({ databaseUrl: config.databaseUrl });
      blobs = await createBlobStore(config);
    });
    afterAll(async () => {
      await db?.close();
      await blobs?.close();
      await cleanup?.();
    });

    it(`keeps every row's blob through ${KILLS} kills, and a sweep leaves no unreferenced blob`, async () => {
      const contents = await Promise.all(Array.from({ length: 5 }, (_, i) => distinctPng(1000 + i)));
      for (let kill = 0; kill < KILLS; kill++) {
        const server = await spawnServer(env);
        const inFlight = await trafficUntilKilled(server, contents, 20 + Math.floor(Math.random() * 40));
        console.log(`[${name}] kill ${kill + 1}/${KILLS} with in flight: ${JSON.stringify(inFlight)}`);
        expect(inFlight.upload).toBeGreaterThan(0);
        expect(inFlight.delete).toBeGreaterThan(0);
        // Nothing runs now: whatever the kill interrupted, no row points at a missing blob.
        expect(await rowsWithoutBlob(db, blobs)).toEqual([]);
      }

      const server = await spawnServer(env);
      try {
        const client = createClient(ImageService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: '2' }));
        const after = (await client.uploadImage({ fileData: contents[0] })).image!;
        expect((await client.getImage({ imageId: after.imageId, includeData: true })).data).toEqual(new Uint8Array(contents[0]));
        // The server's own sweep removes a deleted image's blob (every second here, at zero grace).
        const gone = (await client.uploadImage({ fileData: await distinctPng(2000) })).image!;
        await client.deleteImage({ imageId: gone.imageId });
        while (await blobs.exists(gone.storagePath)) await setTimeout(100);
        const swept = await runSweepCli({ ...env, ORPHAN_GRACE_SECONDS: '0' });
        const state = await settledState(db, blobs);
        console.log(`[${name}] after restart and sweep: ${state.rows} rows, sweep ${JSON.stringify(swept)}`);
        expect(state.missing).toEqual([]);
        expect(state.unreferenced).toEqual([]);
      } finally {
        await server.stop();
      }
    }, 300_000);
  });
}

describeBackend('SQLite + local files', true, async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-kill-'));
  return { env: { DATA_DIR: dataDir }, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
});

describeBackend('MariaDB + Azurite', haveMysql, async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-kill-'));
  const azurite: Azurite = await startAzurite();
  const mysql = await createTestMysqlDatabase();
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: mysql.url, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: 'kill-restart' },
    cleanup: async () => {
      await azurite.stop();
      await mysql.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
