import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

/**
 * Azure Blob Storage when configured, else the local folder. The Azure SDK is imported only then: it is
 * 9 MB of JavaScript heap that every major GC of the main thread would otherwise mark.
 */
export async function createBlobStore(config: Config): Promise<BlobStore> {
  if (config.azure.connectionString || config.azure.accountName) {
    const { AzureBlobStore } = await import('./azure-blob-store.js');
    return AzureBlobStore.create({ ...config.azure });
  }
  return new FsBlobStore(config.blobDir);
}
