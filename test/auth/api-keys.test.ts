import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyId, hashApiKey } from '../../src/auth/api-key-secret.js';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { AppError } from '../../src/errors/index.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import type { Database } from '../../src/persistence/repositories.js';
import { checkMysqlForTests, createTestMysqlDatabase } from '../support/mysql.js';

interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), 'imgsvc-keys-'));
  return { url: `sqlite:${path.join(dir, 'images.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** The API key store on one engine: what is stored, what authenticates, revocation, last use. */
function describeApiKeyStore(engine: string, make: () => Promise<TestDatabase> | TestDatabase) {
  describe(`API keys [${engine}]`, () => {
    let target: TestDatabase;
    let db: Database;
    const pepper = randomBytes(32);
    let clock = new Date('2030-01-01T00:00:00Z');
    let sut: ApiKeys;

    beforeAll(async () => {
      target = await make();
      db = await createDatabase({ databaseUrl: target.url });
      sut = new ApiKeys(db.apiKeys, { pepper, now: () => clock });
    });
    afterAll(async () => {
      await db?.close();
      await target?.drop();
    });

    it('creates a key shown once as isk_<id>_<secret>, stored only as its keyed hash', async () => {
      const { record, key } = await sut.create({ tenant: 'acme', scopes: ['images:read', 'images:write', 'images:read'], name: 'ci' });
      expect(key).toMatch(/^isk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(apiKeyId(key)).toBe(record.id);
      const stored = await db.apiKeys.get(record.id);
      expect(stored).toEqual({ id: record.id, tenant: 'acme', name: 'ci', scopes: ['images:read', 'images:write'], keyHash: hashApiKey(pepper, key), createdAt: clock, lastUsedAt: null, revokedAt: null });
      expect(JSON.stringify(stored)).not.toContain(key.slice(22));
    });

    it('authenticates a live key as its tenant and scopes, and nothing else', async () => {
      const { record, key } = await sut.create({ tenant: 'beta', scopes: ['images:delete'], name: 'cleaner' });
      const principal = await sut.authenticate(key);
      expect(principal).toEqual({ tenant: 'beta', subject: `key:${record.id}`, scopes: new Set(['images:delete']), kind: 'api-key', keyId: record.id });
      const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect(await sut.authenticate(wrongSecret)).toBeUndefined();
      expect(await sut.authenticate(`isk_${'0'.repeat(16)}_${key.slice(22)}`)).toBeUndefined();
      expect(await sut.authenticate('not-a-key')).toBeUndefined();
      // The same key under another server's pepper is not a key of this server.
      expect(await new ApiKeys(db.apiKeys, { pepper: randomBytes(32) }).authenticate(key)).toBeUndefined();
    });

    it('revokes: the key stops authenticating and stays listed as revoked', async () => {
      const { record, key } = await sut.create({ tenant: 'acme', scopes: ['images:read'], name: 'old' });
      expect(await sut.revoke(record.id)).toBe(true);
      expect(await sut.revoke(record.id)).toBe(false);
      expect(await sut.revoke('ffffffffffffffff')).toBe(false);
      expect(await sut.authenticate(key)).toBeUndefined();
      const listed = (await sut.list()).find((k) => k.id === record.id);
      expect(listed?.revokedAt).toEqual(clock);
    });

    it('records the last use at most once per interval', async () => {
      const { record, key } = await sut.create({ tenant: 'acme', scopes: ['images:read'], name: 'busy' });
      const lastUsed = async () => {
        // The write is not awaited by authenticate; a read on the same (single, for SQLite) pool follows it.
        for (let i = 0; i < 50; i++) {
          const at = (await db.apiKeys.get(record.id))?.lastUsedAt;
          if (at?.getTime() === clock.getTime() || i === 49) return at;
          await new Promise((r) => setImmediate(r));
        }
      };
      clock = new Date('2030-01-01T00:01:00Z');
      await sut.authenticate(key);
      expect(await lastUsed()).toEqual(new Date('2030-01-01T00:01:00Z'));
      clock = new Date('2030-01-01T00:01:30Z');
      await sut.authenticate(key);
      expect((await db.apiKeys.get(record.id))?.lastUsedAt).toEqual(new Date('2030-01-01T00:01:00Z'));
      clock = new Date('2030-01-01T00:02:00Z');
      await sut.authenticate(key);
      expect(await lastUsed()).toEqual(new Date('2030-01-01T00:02:00Z'));
    });

    it('refuses bad tenants, scopes and names with the field named', async () => {
      const refusal = (input: Parameters<ApiKeys['create']>[0]) => sut.create(input).then(() => undefined, (e: unknown) => e as AppError);
      expect((await refusal({ tenant: 'Acme Corp', scopes: ['images:read'], name: 'x' }))?.message).toBe(
        `tenant: expected a tenant name of 1 to 64 lower-case letters, digits, '-' and '_', starting with a letter or digit, received "Acme Corp"`,
      );
      expect((await refusal({ tenant: 'acme', scopes: ['images:reed'], name: 'x' }))?.message).toBe(
        'scopes: expected a comma-separated list of images:read, images:write, images:delete, images:generate, admin, received "images:reed"',
      );
      expect((await refusal({ tenant: 'acme', scopes: [], name: 'x' }))?.violations[0]?.field).toBe('scopes');
      expect((await refusal({ tenant: 'acme', scopes: ['admin'], name: ' ' }))?.violations[0]?.field).toBe('name');
    });
  });
}

describeApiKeyStore('sqlite', sqliteDatabase);
if (await checkMysqlForTests()) describeApiKeyStore('mariadb', createTestMysqlDatabase);
