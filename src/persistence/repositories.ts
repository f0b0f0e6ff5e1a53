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
 * Image metadata rows. Implementations translate driver failures (connection refused, lost
 * connection, pool timeout) into AppError 'unavailable' (databaseUnavailable), and a cursor they did
 * not issue into invalidArgument('page_token', ...).
 */
export interface ImageRepository {
  insert(record: ImageRecord): Promise<void>;
  get(id: string): Promise<ImageRecord | undefined>;
  findByOperationKey(operationKey: string): Promise<ImageRecord | undefined>;
  /** Newest first (ids are UUIDv7, so id order is creation order). */
  list(query: ListImagesQuery): Promise<Page<ImageRecord>>;
  /** Deletes the row; returns it, or undefined if there was none. */
  delete(id: string): Promise<ImageRecord | undefined>;
  /** How many rows point at this blob. */
  countByStoragePath(storagePath: string): Promise<number>;
  /** Whether any row points at this blob (for the orphan sweep). */
  isStoragePathReferenced(storagePath: string): Promise<boolean>;
}

export interface PaletteRepository {
  insert(record: PaletteRecord): Promise<void>;
  insertMany(records: PaletteRecord[]): Promise<void>;
  get(id: string): Promise<PaletteRecord | undefined>;
  list(query: ListPalettesQuery): Promise<Page<PaletteRecord>>;
  deleteBySourceImage(imageId: string): Promise<number>;
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

/** The database as the application sees it. */
export interface Database {
  images: ImageRepository;
  palettes: PaletteRepository;
  apiKeys: ApiKeyRepository;
  /** Cheap connectivity check for health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
