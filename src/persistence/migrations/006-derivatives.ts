import type { Knex } from 'knex';

/**
 * The result cache's index: one row per rendered derivative stored in the blob store, with its size
 * and last access for least-recently-used eviction under a byte budget every instance shares. And
 * each image content's placeholder (ThumbHash and mean colour), computed once per content hash.
 * Epoch-ms bigints as in 001.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = (knex.client as Knex.Client).dialect === 'mysql';
  const innodb = (t: Knex.CreateTableBuilder) => {
    if (!mysql) return;
    t.engine('InnoDB');
    t.charset('utf8mb4');
    t.collate('utf8mb4_unicode_ci');
  };
  await knex.schema.createTable('derivatives', (t) => {
    innodb(t);
    t.specificType('cache_key', 'char(64)').primary();
    t.string('storage_path', 128).notNullable();
    t.string('content_type', 64).notNullable();
    t.bigInteger('byte_size').notNullable();
    // The bytes' own SHA-256: the strong ETag.
    t.specificType('sha256', 'char(64)').notNullable();
    t.integer('width').notNullable();
    t.integer('height').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_access_at').notNullable();
    t.index(['last_access_at']);
  });
  await knex.schema.createTable('image_placeholders', (t) => {
    innodb(t);
    t.specificType('sha256', 'char(64)').primary();
    t.string('thumbhash', 64).notNullable();
    t.string('dominant_color', 7).notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('image_placeholders');
  await knex.schema.dropTableIfExists('derivatives');
}
