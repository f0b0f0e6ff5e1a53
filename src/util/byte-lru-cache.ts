/** What a cache reports, for metrics: lookups, evictions and its size after each change. */
export interface CacheEvents {
  hit(): void;
  miss(): void;
  /** Entries dropped to stay within the bound. */
  evicted(count: number): void;
  resized(bytes: number, entries: number): void;
}

/**
 * An LRU cache bounded by the total bytes of its values, not their count: one 40 MB TIFF and a
 * thousand thumbnails should not be the same "one entry". A value larger than the whole bound is
 * simply not kept.
 */
export class ByteLruCache<V extends { byteLength: number }> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly events?: CacheEvents,
  ) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) this.events?.miss();
    else {
      this.events?.hit();
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.bytes -= previous.byteLength;
    }
    if (value.byteLength <= this.maxBytes) {
      this.entries.set(key, value);
      this.bytes += value.byteLength;
    }
    let evicted = 0;
    for (const [oldest, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= v.byteLength;
      evicted++;
    }
    if (evicted > 0) this.events?.evicted(evicted);
    this.events?.resized(this.bytes, this.entries.size);
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}
