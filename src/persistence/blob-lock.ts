import type { Knex } from 'knex';

export const BLOBS_TABLE = 'blobs';

/**
 * Takes the blob's lock for the rest of the transaction by upserting its row, created with
 * `unreferencedSince` when absent. On MySQL/MariaDB the upsert holds the row's exclusive lock; on
 * SQLite, as the transaction's first statement, it takes the database's one write lock at once (a
 * read first would let another process write in between, and the upgrade would fail with
 * SQLITE_BUSY_SNAPSHOT). Every writer that adds or removes a reference to a blob, and the sweep, take
 * this lock first: they run one at a time per blob, always locking the blob before image rows.
 */
export async function lockBlob(trx: Knex.Transaction, storagePath: string, unreferencedSince: number | null): Promise<void> {
  await trx(BLOBS_TABLE).insert({ storage_path: storagePath, unreferenced_since: unreferencedSince }).onConflict('storage_path').merge(['storage_path']);
}

/** The blob's lock, as lockBlob, for a row about to reference it: marked referenced in the same statement. */
export async function lockBlobToReference(trx: Knex.Transaction, storagePath: string): Promise<void> {
  await trx(BLOBS_TABLE).insert({ storage_path: storagePath, unreferenced_since: null }).onConflict('storage_path').merge({ unreferenced_since: null });
}

/**
 * Whether an image row references the blob. Inside a transaction holding the blob's lock no other
 * transaction can be adding or removing one, so the answer holds until it ends: the rows are the
 * reference count, and there is no counter to drift from them.
 */
export async function isBlobReferenced(db: Knex, storagePath: string): Promise<boolean> {
  return (await db('images').select('id').where({ storage_path: storagePath }).first()) !== undefined;
}

export function setUnreferencedSince(trx: Knex.Transaction, storagePath: string, since: number | null): Promise<number> {
  return trx(BLOBS_TABLE).where({ storage_path: storagePath }).update({ unreferenced_since: since });
}

/** Under the blob's lock: marks it unreferenced since `now` when no image row references it any more. */
export async function markUnreferencedIfLast(trx: Knex.Transaction, storagePath: string, now: number): Promise<void> {
  await trx(BLOBS_TABLE)
    .where({ storage_path: storagePath })
    .whereNotExists((q) => void q.select('id').from('images').where({ storage_path: storagePath }))
    .update({ unreferenced_since: now });
}
