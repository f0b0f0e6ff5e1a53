import type { Knex } from 'knex';
import * as createImagesAndPalettes from './migrations/001-create-images-and-palettes.js';
import * as blobReferences from './migrations/002-blob-references.js';
import * as derivationKeys from './migrations/003-derivation-keys.js';
import * as createApiKeys from './migrations/004-create-api-keys.js';
import * as tenants from './migrations/005-tenants.js';
import * as derivatives from './migrations/006-derivatives.js';

/**
 * Migrations are imported statically rather than read from a directory, so they run the same under
 * tsx, vitest and compiled dist. Append new ones; never rename or edit a shipped one (knex records names).
 */
const migrations: Record<string, Knex.Migration> = {
  '001-create-images-and-palettes': createImagesAndPalettes,
  '002-blob-references': blobReferences,
  '003-derivation-keys': derivationKeys,
  '004-create-api-keys': createApiKeys,
  '005-tenants': tenants,
  '006-derivatives': derivatives,
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

const LOCK_RETRIES = 40;
const LOCK_RETRY_MS = 500;

/** Brings the schema up to date; a no-op when it already is. */
export async function runMigrations(knex: Knex): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.migrate.latest({ migrationSource });
      return;
    } catch (e) {
      // Several replicas starting at once: one holds the lock, the others wait for it rather than crash.
      if ((e as Error)?.name !== 'MigrationLocked' || attempt >= LOCK_RETRIES) throw e;
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
  }
}
