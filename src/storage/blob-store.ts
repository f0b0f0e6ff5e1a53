import type { Readable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Where image bytes live. Keys are content-addressed (see blob-key.ts), so put() of an existing key
 * is a harmless no-op and retries are safe. Implementations translate transport failures into
 * AppError 'unavailable' (storageUnavailable) and a missing key into undefined / false, never a throw.
 */
export interface BlobStore {
  readonly name: string;
  /** Writes the bytes under key, atomically: a reader never sees a partial blob. */
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The whole blob, or undefined when absent. */
  get(key: string): Promise<Buffer | undefined>;
  /** A stream of the blob with its size, or undefined when absent. */
  openRead(key: string): Promise<{ stream: Readable; size: number } | undefined>;
  exists(key: string): Promise<boolean>;
  /** Removes the blob; absent is not an error. */
  delete(key: string): Promise<void>;
  /** Every blob, for the orphan sweep. */
  list(): AsyncIterable<BlobInfo>;
  /**
   * A URL that downloads the blob directly from the store until expiresAt, or undefined when the store
   * cannot sign (the local store: the service then signs its own /files URL).
   */
  signedUrl(key: string, expiresAt: Date, contentType: string, filename: string): Promise<string | undefined>;
  close(): Promise<void>;
}
