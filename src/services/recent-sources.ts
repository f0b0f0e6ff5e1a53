import { LRUCache } from 'lru-cache';
import type { ImageRecord } from '../domain/image-record.js';

/** Rows remembered at most; a row is a few hundred bytes. */
const REMEMBERED = 10_000;

/**
 * Image rows a derivative URL names, remembered for a short time, so a result-cache hit costs no
 * database query: that query was a fifth of a hit's CPU (`npm run bench:delivery`, warm side, profiled).
 * Only rows that exist are remembered. A delete on this instance forgets its row at once; one made on
 * another instance is seen within `ttlMs`, which is the bound on how long a deleted image's derivative
 * URLs go on answering there (a CDN keeps what it has for its max-age in any case). An image's bytes
 * never change under its id, so a remembered row never serves other content than the database's.
 */
export class RecentSources {
  private readonly rows: LRUCache<string, ImageRecord> | undefined;

  constructor(
    private readonly images: { get(tenant: string, id: string): Promise<ImageRecord | undefined> },
    ttlMs: number,
  ) {
    this.rows = ttlMs > 0 ? new LRUCache({ max: REMEMBERED, ttl: ttlMs }) : undefined;
  }

  async get(tenant: string, id: string): Promise<ImageRecord | undefined> {
    const key = `${tenant}/${id}`;
    const remembered = this.rows?.get(key);
    if (remembered) return remembered;
    const record = await this.images.get(tenant, id);
    if (record) this.rows?.set(key, record);
    return record;
  }

  forget(tenant: string, id: string): void {
    this.rows?.delete(`${tenant}/${id}`);
  }
}
