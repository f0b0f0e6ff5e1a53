import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { sweepOrphans, sweepUnreferenced } from '../../src/services/orphan-sweep.js';
import { distinctPng, rowsWithoutBlob } from '../support/blob-invariants.js';
import { describeDatabases } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Rounds of the race per database and variant, in several lanes at once (two-instances.test.ts runs 10,000 in CI). */
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 300);
const LANES = 6;

await describeDatabases('DeleteImage racing UploadImage of the same bytes', (databaseEnv) => {
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ImageService>>;
  let lanesStarted = 0;

  beforeAll(async () => {
    app = await startTestApp(await databaseEnv());
    client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  /**
   * Each lane keeps one image of its own bytes and, round after round, deletes it while uploading the
   * same bytes again. The new upload must keep its blob whatever the delete (or a sweep) does: it is
   * checked at once, while the new row is the blob's only reference. Returns the ids whose bytes are gone.
   */
  async function race(rounds: number): Promise<string[]> {
    const lost: string[] = [];
    let done = 0;
    const lane = async () => {
      const bytes = await distinctPng(lanesStarted++);
      let current = (await client.uploadImage({ fileData: bytes })).image!;
      while (done++ < rounds) {
        const [, uploaded] = await Promise.all([client.deleteImage({ imageId: current.imageId }), client.uploadImage({ fileData: bytes })]);
        current = uploaded.image!;
        if (!(await app.blobs.exists(current.storagePath))) lost.push(current.imageId);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    return lost;
  }

  it(`loses no upload's blob to a racing delete of the same bytes (${ROUNDS} rounds)`, async () => {
    const lost = await race(ROUNDS);
    console.log(`delete/upload race: ${ROUNDS} rounds, ${lost.length} lost`);
    expect(lost).toEqual([]);
    expect(await rowsWithoutBlob(app.db, app.blobs)).toEqual([]);
  });

  it(`loses none either with sweeps at zero grace running throughout (${ROUNDS} rounds)`, async () => {
    const deps = { blobs: app.blobs, references: app.db.blobReferences };
    let racing = true;
    let sweeps = 0;
    let removed = 0;
    const sweeper = (async () => {
      while (racing) {
        // Mostly the cheap sweep of unreferenced blobs, now and then the full one that lists the store.
        const result = sweeps % 20 === 19 ? await sweepOrphans(deps, { unreferencedMs: 0, orphanMs: 0 }) : await sweepUnreferenced(deps, 0);
        removed += result.removed.length;
        sweeps++;
        await yieldToEventLoop();
      }
    })();
    const lost = await race(ROUNDS).finally(() => (racing = false));
    await sweeper;
    console.log(`delete/upload race with sweeps: ${ROUNDS} rounds, ${sweeps} sweeps removing ${removed} blobs, ${lost.length} lost`);
    expect(removed).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(await rowsWithoutBlob(app.db, app.blobs)).toEqual([]);
  });
});
