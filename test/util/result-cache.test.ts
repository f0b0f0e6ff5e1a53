import { describe, expect, it } from 'vitest';
import { ResultCache, type CacheEvents } from '../../src/util/result-cache.js';

describe('ResultCache', () => {
  it('reports hits, misses, evictions by the byte bound, and its size after each change', () => {
    const seen: string[] = [];
    const events: CacheEvents = {
      hit: () => seen.push('hit'),
      miss: () => seen.push('miss'),
      evicted: (count) => seen.push(`evicted ${count}`),
      resized: (bytes, entries) => seen.push(`${bytes} bytes in ${entries}`),
    };
    const sut = new ResultCache<Uint8Array>(10, (v) => v.byteLength, events);
    sut.set('a', new Uint8Array(4));
    sut.set('b', new Uint8Array(4));
    expect(sut.get('a')).toBeDefined();
    expect(sut.get('zzz')).toBeUndefined();
    // 'b' is now the least recently used: 9 bytes for 'c' need both gone.
    sut.set('c', new Uint8Array(9));
    // Larger than the whole bound: not kept.
    sut.set('d', new Uint8Array(11));
    expect(seen).toEqual(['4 bytes in 1', '8 bytes in 2', 'hit', 'miss', 'evicted 1', 'evicted 1', '9 bytes in 1', '9 bytes in 1']);
    expect([sut.size, sut.totalBytes]).toEqual([1, 9]);
    expect(sut.get('c')).toBeDefined();
  });
});
