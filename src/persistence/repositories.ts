import type { ApiKeyRecord } from '../domain/api-key-record.js';
import type { ImageKind, ImageRecord } from '../domain/image-record.js';
import type { PaletteRecord } from '../domain/palette-record.js';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; undefined on the last page. */
  nextCursor?: string;
}

export interface ListImagesQuery {
  /** 1 to 100. */
  limit: number;
  /** A cursor from a previous page. */
  cursor?: string;
  kind?: ImageKind;
  sourceImageId?: string;
}

export interface ListPalettesQuery {
  limit: number;
  cursor?: string;
  sourceImageId?: string;
}

/**
 * Image metadata rows. Every read and delete is within one tenant (the record's `tenant` on insert):
 * another tenant's row is simply not there. Implementations translate driver failures (connection refused, lost
 * connection, pool timeout) into AppError 'unavailable' (databaseUnavailable), and a cursor they did
 * not issue into invalidArgument('page_token', ...).
 */
export interface ImageRepository {
  /**
   * Inserts the row and its reference to its blob in one transaction, under the blob's lock. When no
   * other row references the blob, `ensureBlob` runs first under that lock: a sweep may have removed
   * the blob since the caller wrote it, so it checks and writes it again (true), or gives up (false,
   * and nothing is inserted: insert returns false). The blob cannot go while the lock is held, nor
   * afterwards while the row references it.
   */
  insert(record: ImageRecord, ensureBlob?: () => Promise<boolean>): Promise<boolean>;
  get(tenant: string, id: string): Promise<ImageRecord | undefined>;
  findByOperationKey(tenant: string, operationKey: string): Promise<ImageRecord | undefined>;
  /** Any derived image of the tenant holding the result of this derivation (of whichever source with the same content). */
  findByDerivationKey(tenant: string, derivationKey: string): Promise<ImageRecord | undefined>;
  /** Newest first (ids are UUIDv7, so id order is creation order). */
  list(tenant: string, query: ListImagesQuery): Promise<Page<ImageRecord>>;
  /**
   * Deletes the row and, when it was its blob's last reference, marks the blob unreferenced (in the
   * same transaction, under the blob's lock); only the sweep removes blobs. Returns the row, or
   * undefined if there was none.
   */
  delete(tenant: string, id: string): Promise<ImageRecord | undefined>;
}

/** What removeIfUnreferenced did. */
export type BlobRemoval = 'removed' | 'referenced' | 'recent';

/** The blobs' side of the references, for the sweep. */
export interface BlobReferenceRepository {
  /** Blobs whose last reference went at or before `before`, oldest first, at most `limit`. */
  listUnreferenced(before: Date, limit: number): Promise<string[]>;
  /** Whether an image row references the blob: a hint read without the lock (removeIfUnreferenced decides). */
  isReferenced(storagePath: string): Promise<boolean>;
  /**
   * Under the blob's lock: when no row references it and it has been unreferenced since `before`
   * or earlier (a blob the database does not know counts as old), runs `remove` and forgets the blob;
   * otherwise leaves it ('referenced', or 'recent' while in its grace period). A failing `remove`
   * changes nothing.
   */
  removeIfUnreferenced(storagePath: string, before: Date, remove: () => Promise<void>): Promise<BlobRemoval>;
}

export interface PaletteRepository {
  insert(record: PaletteRecord): Promise<void>;
  insertMany(records: PaletteRecord[]): Promise<void>;
  get(tenant: string, id: string): Promise<PaletteRecord | undefined>;
  list(tenant: string, query: ListPalettesQuery): Promise<Page<PaletteRecord>>;
  deleteBySourceImage(tenant: string, imageId: string): Promise<number>;
}

/** API keys of every tenant, for the key command and the authentication interceptor. */
export interface ApiKeyRepository {
  insert(record: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked ones included, by tenant then age. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when there is no such key or it already was. */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Records a use of the key. */
  touch(id: string, at: Date): Promise<void>;
}

/** A rendered derivative in the result cache: where its bytes are and what they are. */
export interface DerivativeRecord {
  /** SHA-256 of source content hash, canonical rendition and format. */
  key: string;
  storagePath: string;
  contentType: string;
  size: number;
  /** SHA-256 of the bytes. */
  sha256: string;
  width: number;
  height: number;
  createdAt: Date;
  lastAccessAt: Date;
}

/** An image content's low-quality preview, by content hash. */
export interface PlaceholderRecord {
  sha256: string;
  /** Base64 ThumbHash. */
  thumbhash: string;
  /** "#rrggbb". */
  dominantColor: string;
}

/**
 * The result cache's index, shared by every instance. Rows are content-addressed and not per tenant:
 * a key names source bytes only a holder of them can ask for.
 */
export interface DerivativeRepository {
  get(key: string): Promise<DerivativeRecord | undefined>;
  /** Inserts the row, or replaces it (a render after its blob went missing). */
  put(record: DerivativeRecord): Promise<void>;
  /** Sets the last access to `at` unless it is already after `unlessAfter` (a cheap no-op most of the time). */
  touch(key: string, at: Date, unlessAfter: Date): Promise<void>;
  /** Bytes and entries in the cache. */
  usage(): Promise<{ bytes: number; entries: number }>;
  /** Least recently used first. */
  leastRecentlyUsed(limit: number): Promise<DerivativeRecord[]>;
  /** Deletes the row if it was not accessed since `lastAccessAt`; true when it did. */
  removeIfUntouched(key: string, lastAccessAt: Date): Promise<boolean>;
  placeholder(sha256: string): Promise<PlaceholderRecord | undefined>;
  /** Keeps the first one stored for this content (they are equal anyway). */
  savePlaceholder(record: PlaceholderRecord): Promise<void>;
}

/** The database as the application sees it. */
export interface Database {
  images: ImageRepository;
  palettes: PaletteRepository;
  apiKeys: ApiKeyRepository;
  blobReferences: BlobReferenceRepository;
  derivatives: DerivativeRepository;
  /** Cheap connectivity check for health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
