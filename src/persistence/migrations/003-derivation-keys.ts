import type { Knex } from 'knex';
import { operationKeyFor } from '../../domain/operation-key.js';

const BATCH = 500;

/**
 * Derived images' keys split in two: `derivation_key` (source content + canonical operation: what
 * bytes the result holds, shared by identical sources) and `operation_key`, now unique per source
 * image. Existing rows' operation keys were derivation keys: they move over, and each row's operation
 * key is recomputed with its source's id, in batches, the same way on SQLite and MySQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('images', (t) => {
    t.specificType('derivation_key', 'char(64)').nullable();
    t.index(['derivation_key']);
  });
  let after = '';
  for (;;) {
    const rows = await knex<{ id: string; source_image_id: string | null; operation_key: string }>('images')
      .select('id', 'source_image_id', 'operation_key')
      .whereNotNull('operation_key')
      .whereNull('derivation_key')
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH);
    if (rows.length === 0) return;
    await knex.transaction(async (trx) => {
      for (const row of rows) {
        await trx('images')
          .where({ id: row.id })
          .update({ derivation_key: row.operation_key, operation_key: operationKeyFor(row.source_image_id ?? '', row.operation_key) });
      }
    });
    after = rows[rows.length - 1].id;
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('images', (t) => {
    t.dropIndex(['derivation_key']);
    t.dropColumn('derivation_key');
  });
}
