import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { EncodedImage } from '../imaging/image-processor.js';
import type { DerivativeRecord, DerivativeRepository } from '../persistence/repositories.js';
import type { BlobStore } from '../storage/blob-store.js';
import { derivativeKeyFor, sha256Hex } from '../storage/blob-key.js';
import type { CacheEvents } from '../util/result-cache.js';

export interface DerivativeCacheDeps {
  repository: DerivativeRepository;
  blobs: BlobStore;
  /** Stored bytes kept; beyond it the least recently used entries go. 0 keeps nothing. */
  maxBytes: number;
  /** Bytes of small derivatives also kept in this instance's memory (0: none); see MEMORY_ENTRY_MAX_BYTES. */
  memoryBytes?: number;
  /** A hit records its access only when the last one recorded is older than this (a write per minute, not per request). */
  touchIntervalMs: number;
  events?: CacheEvents;
  /** A failure of background bookkeeping (an access time not recorded); the request itself went on. */
  onError?: (error: unknown, what: string) => void;
  now?: () => Date;
}

/** A cached derivative: its bytes from this instance's memory, or opened for reading from the blob store. */
export interface CachedDerivative {
  record: DerivativeRecord;
  body: Buffer | Readable;
}

/**
 * Rows remembered in this instance, so a hit costs no query for its row: a row never changes but for
 * its last access, and one evicted by another instance shows as its blob missing, which is a miss.
 */
const REMEMBERED_ROWS = 10_000;

/**
 * A derivative larger than this is always streamed from the blob store. Thumbnails and web-size images
 * (8-200 KiB) fit: a hit from memory costs no file open, stat, read and close on the thread pool, which
 * were most of a hit's cost (`npm run bench:delivery`, warm side).
 */
const MEMORY_ENTRY_MAX_BYTES = 1024 * 1024;

/**
 * Eviction goes below the budget, to its low-water mark, so that the next one waits until that much
 * has been stored again: measuring the total is a SUM over every row (16 ms on MariaDB at 100,000
 * entries, a 1 GiB cache of 10 KiB thumbnails), too much to pay on every render of a full cache.
 */
export function lowWater(maxBytes: number): number {
  return maxBytes - Math.min(Math.ceil(maxBytes / 10), 64 * 1024 * 1024);
}

/** Between evictions, the total is measured again at least this often: other instances store too. */
const USAGE_RECHECK_MS = 1000;

/** Rows read at once while evicting. */
const EVICTION_BATCH = 32;

/**
 * The persistent result cache: derivatives' bytes in the blob store under their key, and a row each
 * in the database (size, last access) that every instance shares for least-recently-used eviction.
 * A row whose blob is gone (evicted by another instance mid-way) reads as a miss, and the render that
 * follows writes both again: no request fails for it.
 */
export class DerivativeCache {
  private readonly now: () => Date;
  private evicting: Promise<void> | undefined;
  /** The total as last measured, plus what this instance stored since; when it was measured. */
  private usage: { bytes: number; measuredAt: number } | undefined;
  private leftovers: Promise<void> | undefined;
  private readonly rows = new LRUCache<string, DerivativeRecord>({ max: REMEMBERED_ROWS });
  /**
   * The bytes themselves, for the most used small derivatives. Safe to keep after another instance
   * evicts the entry: a key names its bytes forever (content hash, transform, format).
   */
  private readonly hot: LRUCache<string, Buffer> | undefined;

  constructor(private readonly deps: DerivativeCacheDeps) {
    this.now = deps.now ?? (() => new Date());
    const memoryBytes = deps.memoryBytes ?? 0;
    this.hot = memoryBytes > 0 ? new LRUCache({ maxSize: memoryBytes, maxEntrySize: Math.min(MEMORY_ENTRY_MAX_BYTES, memoryBytes), sizeCalculation: (b) => b.byteLength }) : undefined;
  }

  /** The entry, opened, or undefined on a miss. */
  async lookup(key: string): Promise<CachedDerivative | undefined> {
    if (this.deps.maxBytes === 0) {
      this.deps.events?.miss();
      return undefined;
    }
    const remembered = this.rows.get(key);
    const record = remembered ?? (await this.deps.repository.get(key));
    const inMemory = record && this.hot?.get(key);
    const body = inMemory ?? (record && (await this.deps.blobs.openRead(record.storagePath))?.stream);
    if (!record || !body) {
      this.rows.delete(key);
      this.deps.events?.miss();
      return undefined;
    }
    this.deps.events?.hit();
    const now = this.now();
    if (now.getTime() - record.lastAccessAt.getTime() >= this.deps.touchIntervalMs) {
      const unlessAfter = new Date(now.getTime() - this.deps.touchIntervalMs);
      this.deps.repository.touch(key, now, unlessAfter).catch((e: unknown) => this.deps.onError?.(e, 'record a derivative access'));
      this.rows.set(key, { ...record, lastAccessAt: now });
    } else if (!remembered) {
      this.rows.set(key, record);
    }
    return { record, body };
  }

  /**
   * Stores a rendered derivative (blob first, then its row, so a row never names bytes not yet
   * written), then evicts when the total may have passed the budget. Returns the row; the caller
   * serves the bytes it holds.
   * With a budget of 0 nothing is stored (it would be evicted at once): the row is only described.
   */
  async store(key: string, image: EncodedImage): Promise<DerivativeRecord> {
    const now = this.now();
    const record: DerivativeRecord = {
      key,
      storagePath: derivativeKeyFor(key),
      contentType: image.contentType,
      size: image.data.byteLength,
      sha256: sha256Hex(image.data),
      width: image.width,
      height: image.height,
      createdAt: now,
      lastAccessAt: now,
    };
    if (this.deps.maxBytes === 0) {
      // What an earlier, larger budget left goes once; after that there is nothing to evict.
      this.leftovers ??= this.evict().catch((e: unknown) => this.deps.onError?.(e, 'evict derivatives'));
      return record;
    }
    await this.deps.blobs.put(record.storagePath, image.data, record.contentType);
    await this.deps.repository.put(record);
    this.rows.set(key, record);
    this.hot?.set(key, image.data);
    const usage = this.usage;
    if (usage) usage.bytes += record.size;
    if (!usage || usage.bytes > this.deps.maxBytes || now.getTime() - usage.measuredAt >= USAGE_RECHECK_MS) {
      await this.evict().catch((e: unknown) => this.deps.onError?.(e, 'evict derivatives'));
    }
    return record;
  }

  /**
   * Measures the total and, when it is past the budget, evicts down to the low-water mark, least
   * recently used first; one run at a time in this instance.
   */
  evict(): Promise<void> {
    this.evicting ??= this.evictOnce().finally(() => (this.evicting = undefined));
    return this.evicting;
  }

  private async evictOnce(): Promise<void> {
    const { repository, blobs, maxBytes, events } = this.deps;
    let { bytes, entries } = await repository.usage();
    const measuredAt = this.now().getTime();
    const target = bytes > maxBytes ? lowWater(maxBytes) : bytes;
    while (bytes > target) {
      const oldest = await repository.leastRecentlyUsed(EVICTION_BATCH);
      if (oldest.length === 0) break;
      let removed = 0;
      for (const record of oldest) {
        if (bytes <= target) break;
        // The row goes first, and only if nobody read it since: a reader then finds no row and renders
        // again, or finds its blob gone and does the same, but never serves half a blob.
        if (!(await repository.removeIfUntouched(record.key, record.lastAccessAt))) continue;
        this.rows.delete(record.key);
        this.hot?.delete(record.key);
        await blobs.delete(record.storagePath);
        bytes -= record.size;
        entries--;
        removed++;
      }
      events?.evicted(removed);
      // Every row of the batch was read meanwhile: measure again rather than loop on the same rows.
      if (removed === 0) ({ bytes, entries } = await repository.usage());
      if (removed === 0) break;
    }
    this.usage = { bytes, measuredAt };
    events?.resized(bytes, entries);
  }
}
