import { LRUCache } from 'lru-cache';
import type { ImageRecord } from '../domain/image-record.js';

/** Rows remembered at most; each kept as its few fields that name the bytes (no user metadata). */
const REMEMBERED = 10_000;

/** What a derivative needs of its image: where its bytes are, what they are, and their hash. */
export type DerivativeSource = Pick<ImageRecord, 'id' | 'tenant' | 'sha256' | 'contentType' | 'storagePath'>;

/**
 * Image rows a derivative URL names, remembered for a short time, so a result-cache hit costs no
 * database query: that query was a fifth of a hit's CPU (`npm run bench:delivery`, warm side, profiled).
 * Only rows that exist are remembered. A delete on this instance forgets its row at once; one made on
 * another instance is seen within `ttlMs`, which is the bound on how long a deleted image's derivative
 * URLs go on answering there (a CDN keeps what it has for its max-age in any case). An image's bytes
 * never change under its id, so a remembered row never serves other content than the database's.
 */
export class RecentSources {
  private readonly rows: LRUCache<string, DerivativeSource> | undefined;

  constructor(
    private readonly images: { get(tenant: string, id: string): Promise<ImageRecord | undefined> },
    ttlMs: number,
  ) {
    this.rows = ttlMs > 0 ? new LRUCache({ max: REMEMBERED, ttl: ttlMs }) : undefined;
  }

  async get(tenant: string, id: string): Promise<DerivativeSource | undefined> {
    const key = `${tenant}/${id}`;
    const remembered = this.rows?.get(key);
    if (remembered) return remembered;
    const record = await this.images.get(tenant, id);
    if (!record) return undefined;
    const source: DerivativeSource = { id: record.id, tenant: record.tenant, sha256: record.sha256, contentType: record.contentType, storagePath: record.storagePath };
    this.rows?.set(key, source);
    return source;
  }

  forget(tenant: string, id: string): void {
    this.rows?.delete(`${tenant}/${id}`);
  }
}
