import type { Knex } from 'knex';
import { DEFAULT_TENANT } from '../../auth/principal.js';

/**
 * Every image and palette belongs to one tenant; rows stored before tenancy belong to the default one
 * (the column's default fills them, on SQLite and MySQL alike). Every query is led by the tenant, so
 * the indexes are too. An operation key names a source image, which has one tenant, so its uniqueness
 * is per tenant. Blobs stay content-addressed and shared: their table is unchanged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('images', (t) => {
    t.string('tenant_id', 64).notNullable().defaultTo(DEFAULT_TENANT);
  });
  await knex.schema.alterTable('images', (t) => {
    t.dropUnique(['operation_key']);
    t.dropIndex(['kind', 'id']);
    t.dropIndex(['source_image_id', 'id']);
    t.dropIndex(['derivation_key']);
    t.unique(['tenant_id', 'operation_key']);
    t.index(['tenant_id', 'id']);
    t.index(['tenant_id', 'kind', 'id']);
    t.index(['tenant_id', 'source_image_id', 'id']);
    t.index(['tenant_id', 'derivation_key']);
  });
  await knex.schema.alterTable('palettes', (t) => {
    t.string('tenant_id', 64).notNullable().defaultTo(DEFAULT_TENANT);
  });
  await knex.schema.alterTable('palettes', (t) => {
    t.dropIndex(['source_image_id', 'id']);
    t.index(['tenant_id', 'id']);
    t.index(['tenant_id', 'source_image_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('palettes', (t) => {
    t.dropIndex(['tenant_id', 'source_image_id', 'id']);
    t.dropIndex(['tenant_id', 'id']);
    t.index(['source_image_id', 'id']);
  });
  await knex.schema.alterTable('palettes', (t) => t.dropColumn('tenant_id'));
  await knex.schema.alterTable('images', (t) => {
    t.dropIndex(['tenant_id', 'derivation_key']);
    t.dropIndex(['tenant_id', 'source_image_id', 'id']);
    t.dropIndex(['tenant_id', 'kind', 'id']);
    t.dropIndex(['tenant_id', 'id']);
    t.dropUnique(['tenant_id', 'operation_key']);
    t.index(['derivation_key']);
    t.index(['source_image_id', 'id']);
    t.index(['kind', 'id']);
    t.unique(['operation_key']);
  });
  await knex.schema.alterTable('images', (t) => t.dropColumn('tenant_id'));
}
