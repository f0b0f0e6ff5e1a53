import type { Knex } from 'knex';

/**
 * API keys: only a keyed hash of each secret is stored (see auth/api-key-secret.ts). Revoked keys keep
 * their row, so `npm run keys -- list` still shows what existed and when it was last used. Epoch-ms
 * bigints as in 001, for the same reasons.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = (knex.client as Knex.Client).dialect === 'mysql';
  await knex.schema.createTable('api_keys', (t) => {
    if (mysql) {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_unicode_ci');
    }
    t.string('id', 32).primary();
    t.string('tenant', 64).notNullable();
    t.string('name', 255).notNullable();
    // Space-separated, as in OAuth's `scope`.
    t.string('scopes', 255).notNullable();
    t.specificType('key_hash', 'char(64)').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at').nullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['tenant']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
}
