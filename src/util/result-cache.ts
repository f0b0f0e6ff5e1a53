import { LRUCache } from 'lru-cache';

/** What a cache reports, for metrics: lookups, evictions and its size after each change. */
export interface CacheEvents {
  hit(): void;
  miss(): void;
  /** Entries dropped to stay within the bound. */
  evicted(count: number): void;
  resized(bytes: number, entries: number): void;
}

/**
 * lru-cache bounded by the bytes of its values, not their count (one 40 MB TIFF and a thousand
 * thumbnails are not the same "one entry"; a value larger than the whole bound is not kept), reporting
 * to `events`.
 */
export class ResultCache<V extends object> {
  private readonly lru: LRUCache<string, V>;

  constructor(
    maxBytes: number,
    sizeOf: (value: V) => number,
    private readonly events?: CacheEvents,
  ) {
    this.lru = new LRUCache<string, V>({
      maxSize: maxBytes,
      sizeCalculation: (value) => Math.max(1, sizeOf(value)),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') events?.evicted(1);
      },
    });
  }

  get(key: string): V | undefined {
    const value = this.lru.get(key);
    if (value === undefined) this.events?.miss();
    else this.events?.hit();
    return value;
  }

  set(key: string, value: V): void {
    this.lru.set(key, value);
    this.events?.resized(this.lru.calculatedSize, this.lru.size);
  }

  get size(): number {
    return this.lru.size;
  }

  get totalBytes(): number {
    return this.lru.calculatedSize;
  }
}
