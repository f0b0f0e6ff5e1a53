import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  RestError,
  StorageRetryPolicyType,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { Readable } from 'node:stream';
import { AppError, storageUnavailable } from '../errors/index.js';
import type { BlobInfo, BlobStore } from './blob-store.js';

export interface AzureBlobStoreOptions {
  connectionString?: string;
  accountName?: string;
  accountKey?: string;
  /** Blob endpoint for account name + key (default https://<account>.blob.core.windows.net). */
  endpoint?: string;
  container: string;
  /** Rewrites the scheme and host of SAS URLs, e.g. to a CDN in front of the container. */
  cdnBaseUrl?: string;
  /** Per-attempt timeout and attempts: a dead endpoint must fail a call in seconds, not minutes. */
  tryTimeoutMs?: number;
  maxTries?: number;
}

function parseConnectionString(cs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of cs.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** Whether an SDK error means "not there" rather than "not reachable". */
function isNotFound(e: unknown): boolean {
  return e instanceof RestError && e.statusCode === 404;
}

function unavailable(what: string, e: unknown): AppError {
  const detail = e instanceof RestError && e.statusCode ? `${what} (HTTP ${e.statusCode})` : what;
  return storageUnavailable(detail, e);
}

/**
 * Blobs in an Azure Blob Storage container (or Azurite): the production store. Uploads are single
 * PUTs or committed block lists, so a reader never sees a partial blob; reads stream.
 */
export class AzureBlobStore implements BlobStore {
  readonly name = 'azure';

  private constructor(
    private readonly container: ContainerClient,
    private readonly credential: StorageSharedKeyCredential | undefined,
    private readonly cdnBaseUrl: string | undefined,
  ) {}

  /** Connects and creates the container when it is missing. */
  static async create(options: AzureBlobStoreOptions): Promise<AzureBlobStore> {
    const pipeline = {
      retryOptions: {
        retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
        maxTries: options.maxTries ?? 3,
        tryTimeoutInMs: options.tryTimeoutMs ?? 15_000,
        retryDelayInMs: 200,
        maxRetryDelayInMs: 2_000,
      },
    };
    let service: BlobServiceClient;
    let credential: StorageSharedKeyCredential | undefined;
    if (options.connectionString) {
      service = BlobServiceClient.fromConnectionString(options.connectionString, pipeline);
      const parts = parseConnectionString(options.connectionString);
      if (parts.AccountName && parts.AccountKey) credential = new StorageSharedKeyCredential(parts.AccountName, parts.AccountKey);
    } else if (options.accountName && options.accountKey) {
      credential = new StorageSharedKeyCredential(options.accountName, options.accountKey);
      service = new BlobServiceClient(options.endpoint ?? `https://${options.accountName}.blob.core.windows.net`, credential, pipeline);
    } else {
      throw new AppError('invalid_argument', 'Azure Blob Storage needs AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY', { reason: 'INVALID_CONFIG' });
    }
    const container = service.getContainerClient(options.container);
    try {
      await container.createIfNotExists();
    } catch (e) {
      throw unavailable(`could not open container ${options.container}`, e);
    }
    return new AzureBlobStore(container, credential, options.cdnBaseUrl);
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    try {
      await this.container.getBlockBlobClient(key).uploadData(data, {
        blobHTTPHeaders: { blobContentType: contentType, blobCacheControl: 'private, max-age=31536000, immutable' },
      });
    } catch (e) {
      throw unavailable('could not write blob', e);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await this.container.getBlobClient(key).downloadToBuffer();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw unavailable('could not read blob', e);
    }
  }

  async openRead(key: string): Promise<{ stream: Readable; size: number } | undefined> {
    try {
      const res = await this.container.getBlobClient(key).download();
      return { stream: res.readableStreamBody as Readable, size: res.contentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw unavailable('could not read blob', e);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return await this.container.getBlobClient(key).exists();
    } catch (e) {
      throw unavailable('could not check blob', e);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.container.getBlobClient(key).deleteIfExists();
    } catch (e) {
      throw unavailable('could not delete blob', e);
    }
  }

  async *list(): AsyncIterable<BlobInfo> {
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix: 'sha256/' })) {
        yield { key: blob.name, size: blob.properties.contentLength ?? 0, lastModified: blob.properties.lastModified };
      }
    } catch (e) {
      throw unavailable('could not list blobs', e);
    }
  }

  /** A read-only SAS URL for this one blob, valid until expiresAt, optionally on the CDN's host. */
  async signedUrl(key: string, expiresAt: Date, contentType: string, filename: string): Promise<string | undefined> {
    if (!this.credential) return undefined;
    const blob = this.container.getBlobClient(key);
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.container.containerName,
        blobName: key,
        permissions: BlobSASPermissions.parse('r'),
        // A little slack for clocks that run behind the service's.
        startsOn: new Date(Date.now() - 5 * 60_000),
        expiresOn: expiresAt,
        contentType,
        contentDisposition: `inline; filename*=UTF-8''${encodeURIComponent(filename || 'image')}`,
      },
      this.credential,
    ).toString();
    const url = new URL(`${blob.url}?${sas}`);
    if (!this.cdnBaseUrl) return url.toString();
    const cdn = new URL(this.cdnBaseUrl);
    return `${cdn.origin}${cdn.pathname.replace(/\/$/, '')}${url.pathname}${url.search}`;
  }

  async close(): Promise<void> {}
}
