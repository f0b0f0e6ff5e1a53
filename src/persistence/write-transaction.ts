import type { Knex } from 'knex';

const DEADLOCK_ATTEMPTS = 3;

/**
 * A transaction that writes under row locks. On MySQL/MariaDB it reads committed data (every read after
 * a lock sees what the lock's previous holder committed, and no gap locks are taken), and a deadlock
 * victim, which the server rolled back whole, runs again. SQLite has one writer and needs neither.
 */
export async function writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  const mysql = knex.client.dialect === 'mysql';
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work, mysql ? { isolationLevel: 'read committed' } : undefined);
    } catch (e) {
      if (!mysql || attempt >= DEADLOCK_ATTEMPTS || (e as { code?: unknown })?.code !== 'ER_LOCK_DEADLOCK') throw e;
    }
  }
}
