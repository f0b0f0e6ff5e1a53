import type { Knex } from 'knex';
import type { PaletteColorRecord, PaletteRecord, PaletteTypeName } from '../domain/palette-record.js';
import { guardDatabase } from './map-database-error.js';
import { clampLimit, decodePageCursor, toPage } from './page-cursor.js';
import type { ListPalettesQuery, Page, PaletteRepository } from './repositories.js';

const TABLE = 'palettes';
// Rows a multi-row insert carries: far under SQLite's bound-parameter limit.
const INSERT_CHUNK = 200;

interface PaletteRow {
  id: string;
  tenant_id: string;
  name: string;
  source_image_id: string | null;
  type: string;
  colors: string;
  created_at: number | string;
}

function toRow(r: PaletteRecord): PaletteRow {
  return {
    id: r.id,
    tenant_id: r.tenant,
    name: r.name,
    source_image_id: r.sourceImageId,
    type: r.type,
    colors: JSON.stringify(r.colors),
    created_at: r.createdAt.getTime(),
  };
}

function toRecord(row: PaletteRow): PaletteRecord {
  return {
    id: row.id,
    tenant: row.tenant_id,
    name: row.name,
    sourceImageId: row.source_image_id,
    type: row.type as PaletteTypeName,
    colors: JSON.parse(row.colors) as PaletteColorRecord[],
    createdAt: new Date(Number(row.created_at)),
  };
}

export class KnexPaletteRepository implements PaletteRepository {
  constructor(private readonly knex: Knex) {}

  insert(record: PaletteRecord): Promise<void> {
    return guardDatabase('palettes.insert', async () => {
      await this.knex(TABLE).insert(toRow(record));
    });
  }

  insertMany(records: PaletteRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    // batchInsert wraps the chunks in one transaction: all palettes or none.
    return guardDatabase('palettes.insertMany', async () => {
      await this.knex.batchInsert(TABLE, records.map(toRow), INSERT_CHUNK);
    });
  }

  get(tenant: string, id: string): Promise<PaletteRecord | undefined> {
    return guardDatabase('palettes.get', async () => {
      const row = await this.knex<PaletteRow>(TABLE).where({ tenant_id: tenant, id }).first();
      return row && toRecord(row);
    });
  }

  async list(tenant: string, query: ListPalettesQuery): Promise<Page<PaletteRecord>> {
    const limit = clampLimit(query.limit);
    const after = query.cursor ? decodePageCursor(query.cursor) : undefined;
    return guardDatabase('palettes.list', async () => {
      const q = this.knex<PaletteRow>(TABLE).where('tenant_id', tenant).orderBy('id', 'desc').limit(limit + 1);
      if (query.sourceImageId) q.where('source_image_id', query.sourceImageId);
      if (after !== undefined) q.where('id', '<', after);
      return toPage((await q).map(toRecord), limit);
    });
  }

  deleteBySourceImage(tenant: string, imageId: string): Promise<number> {
    return guardDatabase('palettes.deleteBySourceImage', async () => {
      return Number(await this.knex(TABLE).where({ tenant_id: tenant, source_image_id: imageId }).del());
    });
  }
}
