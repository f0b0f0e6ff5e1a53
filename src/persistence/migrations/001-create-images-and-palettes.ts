import type { Knex } from 'knex';

/**
 * Runs unchanged on SQLite and MySQL/MariaDB. Timestamps are epoch-ms bigints rather than DATETIME so
 * both engines store and return the same value, free of session time zones and fractional-second
 * precision. JSON goes in mediumtext: MySQL's text stops at 64 KiB (SQLite ignores the variant).
 * @public knex calls up and down through the module (run-migrations.ts), never by name.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = (knex.client as Knex.Client).dialect === 'mysql';
  // A server default of latin1 would mangle filenames and prompts; knex rejects these on SQLite.
  const utf8 = (t: Knex.CreateTableBuilder) => {
    if (!mysql) return;
    t.engine('InnoDB');
    t.charset('utf8mb4');
    t.collate('utf8mb4_unicode_ci');
  };

  await knex.schema.createTable('images', (t) => {
    utf8(t);
    t.string('id', 36).primary();
    t.string('kind', 16).notNullable();
    t.string('filename', 512).notNullable();
    t.string('content_type', 64).notNullable();
    t.string('declared_content_type', 255).notNullable();
    t.integer('width').notNullable();
    t.integer('height').notNullable();
    t.bigInteger('file_size').notNullable();
    t.specificType('sha256', 'char(64)').notNullable();
    t.string('storage_path', 255).notNullable();
    t.text('metadata', 'mediumtext').nullable();
    t.text('details', 'mediumtext').notNullable();
    t.string('source_image_id', 36).nullable();
    // Unique: two racing identical operations must not both store a result (NULLs never collide).
    t.string('operation_key', 128).nullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['kind', 'id']);
    t.index(['source_image_id', 'id']);
    t.index(['storage_path']);
  });

  await knex.schema.createTable('palettes', (t) => {
    utf8(t);
    t.string('id', 36).primary();
    t.string('name', 255).notNullable();
    t.string('source_image_id', 36).nullable();
    t.string('type', 32).notNullable();
    t.text('colors', 'mediumtext').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['source_image_id', 'id']);
  });
}

/** @public */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('palettes');
  await knex.schema.dropTableIfExists('images');
}
