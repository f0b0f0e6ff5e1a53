import { loadConfig } from './config.js';
import { createDatabase } from './persistence/create-database.js';
import { createBlobStore } from './storage/create-blob-store.js';
import { sweepOrphans } from './services/orphan-sweep.js';

/** `npm run sweep`: one full sweep (unreferenced blobs, then the store's unknown ones), then exit. */
const config = loadConfig();
const db = await createDatabase({ databaseUrl: config.databaseUrl, poolMin: 0, poolMax: 2 });
const blobs = await createBlobStore(config);
try {
  const result = await sweepOrphans(
    { blobs, references: db.blobReferences },
    { unreferencedMs: config.unreferencedGraceSeconds * 1000, orphanMs: config.orphanGraceSeconds * 1000 },
  );
  console.log(JSON.stringify({ scanned: result.scanned, removed: result.removed.length, spared: result.spared }));
} finally {
  await db.close();
  await blobs.close();
}
