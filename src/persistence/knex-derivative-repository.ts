import type { Knex } from 'knex';
import { guardDatabase } from './map-database-error.js';
import type { DerivativeRecord, DerivativeRepository, PlaceholderRecord } from './repositories.js';

const TABLE = 'derivatives';
const PLACEHOLDERS = 'image_placeholders';

interface DerivativeRow {
  cache_key: string;
  storage_path: string;
  content_type: string;
  byte_size: number | string;
  sha256: string;
  width: number;
  height: number;
  created_at: number | string;
  last_access_at: number | string;
}

function toRecord(row: DerivativeRow): DerivativeRecord {
  return {
    key: row.cache_key,
    storagePath: row.storage_path,
    contentType: row.content_type,
    size: Number(row.byte_size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    createdAt: new Date(Number(row.created_at)),
    lastAccessAt: new Date(Number(row.last_access_at)),
  };
}

export class KnexDerivativeRepository implements DerivativeRepository {
  constructor(private readonly knex: Knex) {}

  get(key: string): Promise<DerivativeRecord | undefined> {
    return guardDatabase('derivatives.get', async () => {
      const row = await this.knex<DerivativeRow>(TABLE).where({ cache_key: key }).first();
      return row && toRecord(row);
    });
  }

  put(r: DerivativeRecord): Promise<void> {
    return guardDatabase('derivatives.put', async () => {
      await this.knex<DerivativeRow>(TABLE)
        .insert({
          cache_key: r.key,
          storage_path: r.storagePath,
          content_type: r.contentType,
          byte_size: r.size,
          sha256: r.sha256,
          width: r.width,
          height: r.height,
          created_at: r.createdAt.getTime(),
          last_access_at: r.lastAccessAt.getTime(),
        })
        .onConflict('cache_key')
        .merge();
    });
  }

  touch(key: string, at: Date, unlessAfter: Date): Promise<void> {
    return guardDatabase('derivatives.touch', async () => {
      await this.knex<DerivativeRow>(TABLE).where({ cache_key: key }).andWhere('last_access_at', '<=', unlessAfter.getTime()).update({ last_access_at: at.getTime() });
    });
  }

  usage(): Promise<{ bytes: number; entries: number }> {
    return guardDatabase('derivatives.usage', async () => {
      const row = (await this.knex(TABLE).sum({ total: 'byte_size' }).count({ n: '*' }).first()) as { total: number | string | null; n: number | string } | undefined;
      return { bytes: Number(row?.total ?? 0), entries: Number(row?.n ?? 0) };
    });
  }

  leastRecentlyUsed(limit: number): Promise<DerivativeRecord[]> {
    return guardDatabase('derivatives.leastRecentlyUsed', async () => {
      const rows = await this.knex<DerivativeRow>(TABLE).orderBy('last_access_at').limit(limit);
      return rows.map(toRecord);
    });
  }

  removeIfUntouched(key: string, lastAccessAt: Date): Promise<boolean> {
    return guardDatabase('derivatives.removeIfUntouched', async () => {
      const deleted = await this.knex<DerivativeRow>(TABLE).where({ cache_key: key, last_access_at: lastAccessAt.getTime() }).del();
      return deleted > 0;
    });
  }

  placeholder(sha256: string): Promise<PlaceholderRecord | undefined> {
    return guardDatabase('image_placeholders.get', async () => {
      const row = (await this.knex(PLACEHOLDERS).where({ sha256 }).first()) as { sha256: string; thumbhash: string; dominant_color: string } | undefined;
      return row && { sha256: row.sha256, thumbhash: row.thumbhash, dominantColor: row.dominant_color };
    });
  }

  savePlaceholder(r: PlaceholderRecord): Promise<void> {
    return guardDatabase('image_placeholders.insert', async () => {
      await this.knex(PLACEHOLDERS)
        .insert({ sha256: r.sha256, thumbhash: r.thumbhash, dominant_color: r.dominantColor, created_at: Date.now() })
        .onConflict('sha256')
        .ignore();
    });
  }
}
