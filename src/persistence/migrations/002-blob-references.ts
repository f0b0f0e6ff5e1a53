import type { Knex } from 'knex';

/**
 * One row per stored blob: the row every writer locks before it adds or removes a reference to the blob
 * (an image row with its storage_path), so that a blob is removed only while nothing references it and
 * nothing can start to. `unreferenced_since` is when its last image row went (epoch ms), NULL while
 * any row references it; the sweep removes blobs unreferenced for longer than its grace period.
 * Existing blobs are backfilled from the image rows, in the same statement on SQLite and MySQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blobs', (t) => {
    if ((knex.client as Knex.Client).dialect === 'mysql') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.string('storage_path', 255).primary();
    t.bigInteger('unreferenced_since').nullable();
    t.index(['unreferenced_since']);
  });
  await knex.raw('INSERT INTO blobs (storage_path, unreferenced_since) SELECT DISTINCT storage_path, NULL FROM images');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('blobs');
}
