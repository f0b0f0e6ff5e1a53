import type { Knex } from 'knex';
import type { ImageKind, ImageRecord } from '../domain/image-record.js';
import { isBlobReferenced, lockBlob, setUnreferencedSince } from './blob-lock.js';
import { guardDatabase } from './map-database-error.js';
import { clampLimit, decodePageCursor, toPage } from './page-cursor.js';
import type { ImageRepository, ListImagesQuery, Page } from './repositories.js';
import { writeTransaction } from './write-transaction.js';

const TABLE = 'images';

/** mysql2 may return bigint columns as strings; SQLite as numbers. */
interface ImageRow {
  id: string;
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
    return guardDatabase('images.insert', () =>
      writeTransaction(this.knex, async (trx) => {
        await lockBlob(trx, record.storagePath, null);
        if (ensureBlob && !(await isBlobReferenced(trx, record.storagePath)) && !(await ensureBlob())) return false;
        await trx(TABLE).insert(toRow(record));
        await setUnreferencedSince(trx, record.storagePath, null);
        return true;
      }),
    );
  }

  get(id: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.get', async () => {
      const row = await this.knex<ImageRow>(TABLE).where({ id }).first();
      return row && toRecord(row);
    });
  }

  findByOperationKey(operationKey: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.findByOperationKey', async () => {
      const row = await this.knex<ImageRow>(TABLE).where({ operation_key: operationKey }).first();
      return row && toRecord(row);
    });
  }

  findByDerivationKey(derivationKey: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.findByDerivationKey', async () => {
      const row = await this.knex<ImageRow>(TABLE).where({ derivation_key: derivationKey }).first();
      return row && toRecord(row);
    });
  }

  async list(query: ListImagesQuery): Promise<Page<ImageRecord>> {
    const limit = clampLimit(query.limit);
    // Decoded before any I/O: a bad token is the caller's error even while the database is down.
    const after = query.cursor ? decodePageCursor(query.cursor) : undefined;
    return guardDatabase('images.list', async () => {
      const q = this.knex<ImageRow>(TABLE).orderBy('id', 'desc').limit(limit + 1);
      if (query.kind) q.where('kind', query.kind);
      if (query.sourceImageId) q.where('source_image_id', query.sourceImageId);
      if (after !== undefined) q.where('id', '<', after);
      return toPage((await q).map(toRecord), limit);
    });
  }

  async delete(id: string): Promise<ImageRecord | undefined> {
    return guardDatabase('images.delete', async () => {
      // The blob is known before the transaction (a row's storage_path never changes), so the
      // transaction can lock it first: every writer locks the blob, then image rows.
      const found = await this.knex<ImageRow>(TABLE).select('storage_path').where({ id }).first();
      if (!found) return undefined;
      return writeTransaction(this.knex, async (trx) => {
        await lockBlob(trx, found.storage_path, null);
        // FOR UPDATE (MySQL; SQLite's single writer needs none) so two racing deletes cannot both return the row.
        const row = await trx<ImageRow>(TABLE).where({ id }).forUpdate().first();
        if (!row) return undefined;
        await trx(TABLE).where({ id }).del();
        if (!(await isBlobReferenced(trx, row.storage_path))) await setUnreferencedSince(trx, row.storage_path, Date.now());
        return toRecord(row);
      });
    });
  }
}
