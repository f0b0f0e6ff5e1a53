import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../src/storage/fs-blob-store.js';
import { AzureBlobStore } from '../../src/storage/azure-blob-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { describeBlobStore } from './blob-store-suite.js';

let dir: string;
let azurite: Azurite;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-blobs-'));
  azurite = await startAzurite();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await azurite?.stop();
});

describeBlobStore('filesystem', async () => new FsBlobStore(dir), { signs: false });
describeBlobStore('azure (Azurite)', async () => AzureBlobStore.create({ connectionString: azurite.connectionString, container: 'suite' }), { signs: true });
