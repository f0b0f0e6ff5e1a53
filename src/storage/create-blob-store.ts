import type { Config } from '../config.js';
import { AzureBlobStore } from './azure-blob-store.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

/** Azure Blob Storage when configured, else the local folder. */
export async function createBlobStore(config: Config): Promise<BlobStore> {
  if (config.azure.connectionString || config.azure.accountName) return AzureBlobStore.create({ ...config.azure });
  return new FsBlobStore(config.blobDir);
}
