import { createHash } from 'node:crypto';

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The storage path of a blob: derived from its content hash, never from anything a caller names. */
export function blobKeyFor(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/**
 * The storage path of a result-cache entry, from its key (a hash of source, transform and format).
 * Its own prefix: the orphan sweep lists only `sha256/`, and the result cache evicts its own entries.
 */
export function derivativeKeyFor(cacheKey: string): string {
  return `derivatives/${cacheKey.slice(0, 2)}/${cacheKey.slice(2, 4)}/${cacheKey}`;
}

const KEY_PATTERN = /^(sha256|derivatives)\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/;

/** A key the service made: an image's blob or a result-cache entry. */
export function isBlobKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}
