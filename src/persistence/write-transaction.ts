import type { Knex } from 'knex';

const DEADLOCK_ATTEMPTS = 3;

/**
 * A transaction that writes under row locks. A MySQL/MariaDB deadlock victim, which the server rolled
 * back whole, runs again (connections read committed data, see create-database.ts, which keeps gap
 * locks and so most deadlocks away). SQLite has one writer and needs no retry.
 */
export async function writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work);
    } catch (e) {
      if (attempt >= DEADLOCK_ATTEMPTS || (e as { code?: unknown })?.code !== 'ER_LOCK_DEADLOCK') throw e;
    }
  }
}
