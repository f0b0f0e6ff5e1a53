import type { Knex } from 'knex';
import type { ImageKind, ImageRecord } from '../domain/image-record.js';
import { isBlobReferenced, lockBlob, lockBlobToReference, markUnreferencedIfLast } from './blob-lock.js';
import { guardDatabase } from './map-database-error.js';
import { clampLimit, decodePageCursor, toPage } from './page-cursor.js';
import type { ImageRepository, ListImagesQuery, Page } from './repositories.js';
import { writeTransaction } from './write-transaction.js';

const TABLE = 'images';

/** Thrown inside insert's transaction when the blob cannot be ensured. */
/** Thrown inside the transaction to roll it back when the shared blob is gone; never leaves this file. */
const NOT_INSERTED = new Error('not inserted');

/** mysql2 may return bigint columns as strings; SQLite as numbers. */
interface ImageRow {
  id: string;
  tenant_id: string;
  kind: string;
  filename: string;
  content_type: string;
  declared_content_type: string;
  width: number;
  height: number;
  file_size: number | string;
  sha256: string;
  storage_path: string;
  metadata: string | null;
  details: string;
  source_image_id: string | null;
  operation_key: string | null;
  derivation_key: string | null;
  created_at: number | string;
  updated_at: number | string;
}

type Details = Pick<ImageRecord, 'upload' | 'generation' | 'processing'>;

function toRow(r: ImageRecord): ImageRow {
  const details: Details = { upload: r.upload, generation: r.generation, processing: r.processing };
  return {
    id: r.id,
    tenant_id: r.tenant,
    kind: r.kind,
    filename: r.filename,
    content_type: r.contentType,
    declared_content_type: r.declaredContentType,
    width: r.width,
    height: r.height,
    file_size: r.fileSize,
    sha256: r.sha256,
    storage_path: r.storagePath,
    metadata: r.metadata === null ? null : JSON.stringify(r.metadata),
    details: JSON.stringify(details),
    source_image_id: r.sourceImageId,
    operation_key: r.operationKey,
    derivation_key: r.derivationKey,
    created_at: r.createdAt.getTime(),
    updated_at: r.updatedAt.getTime(),
  };
}

function toRecord(row: ImageRow): ImageRecord {
  const details = JSON.parse(row.details) as Details;
  return {
    id: row.id,
    tenant: row.tenant_id,
    kind: row.kind as ImageKind,
    filename: row.filename,
    contentType: row.content_type,
    declaredContentType: row.declared_content_type,
    width: Number(row.width),
    height: Number(row.height),
    fileSize: Number(row.file_size),
    sha256: row.sha256,
    storagePath: row.storage_path,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    ...(details.upload && { upload: details.upload }),
    ...(details.generation && { generation: details.generation }),
    ...(details.processing && { processing: details.processing }),
    sourceImageId: row.source_image_id,
    operationKey: row.operation_key,
    derivationKey: row.derivation_key,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export class KnexImageRepository implements ImageRepository {
  constructor(private readonly knex: Knex) {}

  insert(record: ImageRecord, ensureBlob?: () => Promise<boolean>): Promise<boolean> {
    return guardDatabase('images.insert', async () => {
      try {
        await writeTransaction(this.knex, async (trx) => {
          await lockBlobToReference(trx, record.storagePath);
          if (ensureBlob && !(await isBlobReferenced(trx, record.storagePath)) && !(await ensureBlob())) throw NOT_INSERTED;
          await trx(TABLE).insert(toRow(record));
        });
        return true;
      } catch (e) {
        // Thrown to roll back the blob's mark as referenced.
        if (e === NOT_INSERTED) return false;
        throw e;
      }
    });
  }

  get(tenant: string, id: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.get', async () => {
      const row = await this.knex<ImageRow>(TABLE).where({ tenant_id: tenant, id }).first();
      return row && toRecord(row);
    });
  }

  findByOperationKey(tenant: string, operationKey: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.findByOperationKey', async () => {
      const row = await this.knex<ImageRow>(TABLE).where({ tenant_id: tenant, operation_key: operationKey }).first();
      return row && toRecord(row);
    });
  }

  findByDerivationKey(tenant: string, derivationKey: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.findByDerivationKey', async () => {
      const row = await this.knex<ImageRow>(TABLE).where({ tenant_id: tenant, derivation_key: derivationKey }).first();
      return row && toRecord(row);
    });
  }

  async list(tenant: string, query: ListImagesQuery): Promise<Page<ImageRecord>> {
    const limit = clampLimit(query.limit);
    // Decoded before any I/O: a bad token is the caller's error even while the database is down.
    const after = query.cursor ? decodePageCursor(query.cursor) : undefined;
    return guardDatabase('images.list', async () => {
      const q = this.knex<ImageRow>(TABLE).where('tenant_id', tenant).orderBy('id', 'desc').limit(limit + 1);
      if (query.kind) q.where('kind', query.kind);
      if (query.sourceImageId) q.where('source_image_id', query.sourceImageId);
      if (after !== undefined) q.where('id', '<', after);
      return toPage((await q).map(toRecord), limit);
    });
  }

  async delete(tenant: string, id: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.delete', async () => {
      // Read before the transaction (rows never change), so that it locks the blob first, as every
      // writer does, before the image row.
      const row = await this.knex<ImageRow>(TABLE).where({ tenant_id: tenant, id }).first();
      if (!row) return undefined;
      return writeTransaction(this.knex, async (trx) => {
        await lockBlob(trx, row.storage_path, null);
        // Two racing deletes: only the one that removed the row returns it.
        if ((await trx(TABLE).where({ tenant_id: tenant, id }).del()) === 0) return undefined;
        await markUnreferencedIfLast(trx, row.storage_path, Date.now());
        return toRecord(row);
      });
    });
  }
}
