import type { Knex } from 'knex';
import { BLOBS_TABLE, isBlobReferenced, lockBlob, setUnreferencedSince } from './blob-lock.js';
import { guardDatabase } from './map-database-error.js';
import type { BlobReferenceRepository, BlobRemoval } from './repositories.js';
import { writeTransaction } from './write-transaction.js';

export class KnexBlobReferenceRepository implements BlobReferenceRepository {
  constructor(private readonly knex: Knex) {}

  listUnreferenced(before: Date, limit: number): Promise<string[]> {
    return guardDatabase('blobs.listUnreferenced', async () => {
      const rows = await this.knex(BLOBS_TABLE)
        .select('storage_path')
        .where('unreferenced_since', '<=', before.getTime())
        .orderBy('unreferenced_since')
        .limit(limit);
      return rows.map((r: { storage_path: string }) => r.storage_path);
    });
  }

  isReferenced(storagePath: string): Promise<boolean> {
    return guardDatabase('blobs.isReferenced', () => isBlobReferenced(this.knex, storagePath));
  }

  removeIfUnreferenced(storagePath: string, before: Date, remove: () => Promise<void>): Promise<BlobRemoval> {
    return guardDatabase('blobs.removeIfUnreferenced', () =>
      writeTransaction(this.knex, async (trx) => {
        // A blob without a row (its upload stopped between writing it and its row) is as old as the
        // caller found it in the store: the row made here only serves as its lock.
        await lockBlob(trx, storagePath, 0);
        const row = (await trx(BLOBS_TABLE).select('unreferenced_since').where({ storage_path: storagePath }).first()) as { unreferenced_since: number | string | null } | undefined;
        const since = row?.unreferenced_since == null ? null : Number(row.unreferenced_since);
        if (await isBlobReferenced(trx, storagePath)) {
          if (since !== null) await setUnreferencedSince(trx, storagePath, null);
          return 'referenced';
        }
        if (since === null) {
          // Marked referenced with no row behind it: start its grace period now rather than trust either.
          await setUnreferencedSince(trx, storagePath, Date.now());
          return 'recent';
        }
        if (since > before.getTime()) return 'recent';
        // Removed while the lock is held: an upload of the same bytes waits for it, then finds no
        // reference and writes the blob again before its row commits.
        await remove();
        await trx(BLOBS_TABLE).where({ storage_path: storagePath }).del();
        return 'removed';
      }),
    );
  }
}
