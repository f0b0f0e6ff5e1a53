import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ImageRecord } from '../../src/domain/image-record.js';
import type { PaletteRecord } from '../../src/domain/palette-record.js';
import { AppError, storageUnavailable } from '../../src/errors/index.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import { isDuplicateKey } from '../../src/persistence/map-database-error.js';
import type { Database, Page } from '../../src/persistence/repositories.js';
import { rawKnex } from '../support/raw-knex.js';
import * as derivationKeysMigration from '../../src/persistence/migrations/003-derivation-keys.js';
import * as tenantsMigration from '../../src/persistence/migrations/005-tenants.js';
import { operationKeyFor } from '../../src/domain/operation-key.js';

/** An empty database to run the suite against, and how to remove it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

let seq = 0;

function makeImage(overrides: Partial<ImageRecord> = {}): ImageRecord {
  seq++;
  const sha256 = seq.toString(16).padStart(64, '0');
  return {
    id: uuidv7(),
    tenant: DEFAULT_TENANT,
    kind: 'uploaded',
    filename: `photo-${seq}.jpg`,
    contentType: 'image/jpeg',
    declaredContentType: 'image/jpeg',
    width: 640,
    height: 480,
    fileSize: 12345,
    sha256,
    storagePath: `images/${sha256.slice(0, 2)}/${sha256}`,
    metadata: null,
    upload: { uploaderId: 'user-1', originalFilename: `photo-${seq}.jpg` },
    sourceImageId: null,
    operationKey: null,
    derivationKey: null,
    createdAt: new Date(1_700_000_000_123 + seq),
    updatedAt: new Date(1_700_000_000_456 + seq),
    ...overrides,
  };
}

function makePalette(overrides: Partial<PaletteRecord> = {}): PaletteRecord {
  return {
    id: uuidv7(),
    tenant: DEFAULT_TENANT,
    name: 'Dominant colours',
    sourceImageId: null,
    type: 'dominant',
    colors: [
      { hex: '#ff8800', rgb: [255, 136, 0], hsv: [32, 100, 100], name: 'orange', proportion: 0.625 },
      { hex: '#003366', rgb: [0, 51, 102], hsv: [210, 100, 40], name: 'navy', proportion: 0.375 },
    ],
    createdAt: new Date(1_700_000_000_789),
    ...overrides,
  };
}

/** Every page of a listing, asserting each page's size on the way. */
async function collect<T>(list: (cursor?: string) => Promise<Page<T>>, limit: number): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await list(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    if (!page.nextCursor) return all;
    expect(page.items.length).toBe(limit);
    cursor = page.nextCursor;
  }
  throw new Error('listing did not end');
}

async function caught(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

function shuffled<T>(items: T[]): T[] {
  return items.map((v) => [Math.random(), v] as const).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

const BAD_TOKENS = [
  'not a token!',
  Buffer.from('v2:0190a1b2-0000-7000-8000-000000000000').toString('base64url'),
  Buffer.from('v1:').toString('base64url'),
  Buffer.from("v1:x' or 1=1 --").toString('base64url'),
];

/** The repository contract, run against each engine. Every test gets a fresh, migrated database. */
export function describeRepositories(name: string, makeDatabase: () => Promise<TestDatabase>): void {
  describe(`repositories on ${name}`, () => {
    let target: TestDatabase;
    let db: Database;

    beforeEach(async () => {
      target = await makeDatabase();
      db = await createDatabase({ databaseUrl: target.url });
    });

    afterEach(async () => {
      await db?.close();
      await target?.drop();
    });

    describe('images', () => {
      it('round-trips every field of each kind', async () => {
        const source = makeImage({
          filename: 'Grüße 東京 🌅.png',
          contentType: 'image/png',
          declaredContentType: 'application/octet-stream; name="x"',
          width: 8000,
          height: 6000,
          fileSize: 5_000_000_123, // beyond 32 bits
          metadata: { exif: { Make: 'Canon', ISO: 400, gps: [51.5, -0.12], flash: false, lens: null }, tags: ['a', 'b'] },
          createdAt: new Date('2024-02-29T23:59:59.999Z'),
          updatedAt: new Date('2024-03-01T00:00:00.001Z'),
        });
        const generated = makeImage({
          kind: 'generated',
          upload: undefined,
          generation: {
            prompt: 'a lighthouse at dusk, "quoted", \\ backslash',
            model: 'sdxl',
            negativePrompt: 'blurry',
            guidanceScale: 7.5,
            generationSteps: 30,
            params: { provider: 'local', seed: 42, size: { width: 1024, height: 1024 }, latencyMs: 1234.5 },
          },
        });
        const processed = makeImage({
          kind: 'processed',
          upload: undefined,
          processing: { sourceImageId: source.id, processingType: 'resize', params: { width: 100, fit: 'cover', nested: { a: [1, 2] } } },
          sourceImageId: source.id,
          operationKey: 'f'.repeat(64),
        });
        for (const r of [source, generated, processed]) await db.images.insert(r);
        for (const r of [source, generated, processed]) expect(await db.images.get(DEFAULT_TENANT, r.id)).toEqual(r);
        const back = await db.images.get(DEFAULT_TENANT, source.id);
        expect(back!.createdAt.getTime()).toBe(source.createdAt.getTime());
        expect(back!.fileSize).toBe(5_000_000_123);
        expect(Object.keys((await db.images.get(DEFAULT_TENANT, generated.id))!)).not.toContain('upload');
      });

      it('returns undefined for an unknown id', async () => {
        expect(await db.images.get(DEFAULT_TENANT, uuidv7())).toBeUndefined();
      });

      it('lists newest first across pages with no duplicates or gaps', async () => {
        const records = Array.from({ length: 7 }, () => makeImage());
        for (const r of shuffled(records)) await db.images.insert(r);
        const expected = records.map((r) => r.id).reverse();

        const listed = await collect((cursor) => db.images.list(DEFAULT_TENANT, { limit: 3, cursor }), 3);
        expect(listed.map((r) => r.id)).toEqual(expected);
        expect(listed[0]).toEqual(records[6]);

        const whole = await db.images.list(DEFAULT_TENANT, { limit: 7 });
        expect(whole.items).toHaveLength(7);
        expect(whole.nextCursor).toBeUndefined();
        expect((await db.images.list(DEFAULT_TENANT, { limit: 6 })).nextCursor).toBeDefined();
        expect((await collect((cursor) => db.images.list(DEFAULT_TENANT, { limit: 1, cursor }), 1)).map((r) => r.id)).toEqual(expected);
      });

      it('lists an empty table as one empty page', async () => {
        expect(await db.images.list(DEFAULT_TENANT, { limit: 10 })).toEqual({ items: [] });
      });

      it('filters by kind and by source image, with paging', async () => {
        const source = makeImage();
        const other = makeImage();
        const derived = Array.from({ length: 5 }, () =>
          makeImage({ kind: 'processed', upload: undefined, sourceImageId: source.id }),
        );
        const unrelated = makeImage({ kind: 'processed', upload: undefined, sourceImageId: other.id });
        const generated = makeImage({ kind: 'generated', upload: undefined });
        for (const r of shuffled([source, other, ...derived, unrelated, generated])) await db.images.insert(r);

        const bySource = await collect((cursor) => db.images.list(DEFAULT_TENANT, { limit: 2, cursor, sourceImageId: source.id }), 2);
        expect(bySource.map((r) => r.id)).toEqual(derived.map((r) => r.id).reverse());

        const processed = await collect((cursor) => db.images.list(DEFAULT_TENANT, { limit: 2, cursor, kind: 'processed' }), 2);
        expect(processed.map((r) => r.id)).toEqual([...derived, unrelated].map((r) => r.id).reverse());

        const uploaded = await db.images.list(DEFAULT_TENANT, { limit: 10, kind: 'uploaded' });
        expect(uploaded.items.map((r) => r.id)).toEqual([other.id, source.id]);

        const both = await db.images.list(DEFAULT_TENANT, { limit: 10, kind: 'generated', sourceImageId: source.id });
        expect(both.items).toEqual([]);
      });

      it('rejects a malformed page token naming page_token', async () => {
        await db.images.insert(makeImage());
        for (const token of BAD_TOKENS) {
          const e = await caught(db.images.list(DEFAULT_TENANT, { limit: 10, cursor: token }));
          expect(e.kind).toBe('invalid_argument');
          expect(e.violations[0]?.field).toBe('page_token');
          expect(e.message).toMatch(/^page_token: /);
        }
      });

      it('finds a derived image by operation key', async () => {
        const source = makeImage();
        const derived = makeImage({ kind: 'processed', upload: undefined, sourceImageId: source.id, operationKey: 'op-key-1' });
        await db.images.insert(source);
        await db.images.insert(derived);
        expect(await db.images.findByOperationKey(DEFAULT_TENANT, 'op-key-1')).toEqual(derived);
        expect(await db.images.findByOperationKey(DEFAULT_TENANT, 'op-key-2')).toBeUndefined();
      });

      it('finds a derived image of any source by derivation key', async () => {
        const derived = makeImage({ kind: 'processed', upload: undefined, sourceImageId: uuidv7(), operationKey: 'op-a', derivationKey: 'd'.repeat(64) });
        await db.images.insert(derived);
        expect(await db.images.findByDerivationKey(DEFAULT_TENANT, 'd'.repeat(64))).toEqual(derived);
        expect(await db.images.findByDerivationKey(DEFAULT_TENANT, 'e'.repeat(64))).toBeUndefined();
      });

      it('moves old operation keys to derivation keys and keys each row by its source when the migration runs', async () => {
        const sourceId = uuidv7();
        const old = 'c'.repeat(64);
        await db.images.insert(makeImage({ kind: 'processed', upload: undefined, sourceImageId: sourceId, operationKey: old }));
        const plain = makeImage();
        await db.images.insert(plain);
        await db.close();
        const knex = rawKnex(target.url);
        try {
          // Back to before 003 (through 005, which replaced 003's index); both run again on reopening.
          await tenantsMigration.down(knex);
          await derivationKeysMigration.down(knex);
          await knex('knex_migrations').whereIn('name', ['003-derivation-keys', '005-tenants']).del();
        } finally {
          await knex.destroy();
        }
        db = await createDatabase({ databaseUrl: target.url });
        const migrated = await db.images.findByDerivationKey(DEFAULT_TENANT, old);
        expect(migrated?.operationKey).toBe(operationKeyFor(sourceId, old));
        expect(await db.images.findByOperationKey(DEFAULT_TENANT, operationKeyFor(sourceId, old))).toEqual(migrated);
        expect(await db.images.get(DEFAULT_TENANT, plain.id)).toEqual(plain);
      });

      it("keeps each tenant's images to itself: another tenant's id is not there for any query", async () => {
        const source = makeImage({ tenant: 'acme' });
        const derived = makeImage({ tenant: 'acme', kind: 'processed', upload: undefined, sourceImageId: source.id, operationKey: 'op-a', derivationKey: 'a'.repeat(64) });
        const theirs = makeImage({ tenant: 'globex' });
        for (const r of [source, derived, theirs]) await db.images.insert(r);
        expect(await db.images.get('acme', source.id)).toEqual(source);
        expect(await db.images.get('globex', source.id)).toBeUndefined();
        expect(await db.images.get(DEFAULT_TENANT, source.id)).toBeUndefined();
        expect(await db.images.findByOperationKey('globex', 'op-a')).toBeUndefined();
        expect(await db.images.findByDerivationKey('globex', 'a'.repeat(64))).toBeUndefined();
        expect(await db.images.findByDerivationKey('acme', 'a'.repeat(64))).toEqual(derived);
        expect((await db.images.list('globex', { limit: 10 })).items).toEqual([theirs]);
        expect((await db.images.list('globex', { limit: 10, sourceImageId: source.id })).items).toEqual([]);
        expect((await db.images.list('globex', { limit: 10, kind: 'processed' })).items).toEqual([]);
        expect((await db.images.list('acme', { limit: 10 })).items.map((r) => r.id)).toEqual([derived.id, source.id]);
        expect(await db.images.delete('globex', source.id)).toBeUndefined();
        expect(await db.images.get('acme', source.id)).toEqual(source);
        // An operation key is unique within its tenant only.
        await db.images.insert(makeImage({ tenant: 'globex', operationKey: 'op-a' }));
        expect(isDuplicateKey(await caught(db.images.insert(makeImage({ tenant: 'acme', operationKey: 'op-a' }))), 'operation_key')).toBe(true);
      });

      it('moves rows stored before tenancy to the default tenant when the migration runs', async () => {
        const image = makeImage({ tenant: 'acme' });
        const palette = makePalette({ tenant: 'acme', sourceImageId: image.id });
        await db.images.insert(image);
        await db.palettes.insert(palette);
        await db.close();
        const knex = rawKnex(target.url);
        try {
          await tenantsMigration.down(knex);
          await knex('knex_migrations').where({ name: '005-tenants' }).del();
        } finally {
          await knex.destroy();
        }
        db = await createDatabase({ databaseUrl: target.url });
        expect(await db.images.get(DEFAULT_TENANT, image.id)).toEqual({ ...image, tenant: DEFAULT_TENANT });
        expect(await db.images.get('acme', image.id)).toBeUndefined();
        expect(await db.palettes.get(DEFAULT_TENANT, palette.id)).toEqual({ ...palette, tenant: DEFAULT_TENANT });
      });

      it('reports a duplicate operation key distinctly', async () => {
        await db.images.insert(makeImage({ operationKey: 'same-op' }));
        const dup = await caught(db.images.insert(makeImage({ operationKey: 'same-op' })));
        expect(isDuplicateKey(dup)).toBe(true);
        expect(isDuplicateKey(dup, 'operation_key')).toBe(true);

        const first = makeImage();
        await db.images.insert(first);
        const sameId = await caught(db.images.insert(makeImage({ id: first.id })));
        expect(isDuplicateKey(sameId)).toBe(true);
        expect(isDuplicateKey(sameId, 'operation_key')).toBe(false);
        // Images without an operation key never collide with each other.
        await db.images.insert(makeImage({ operationKey: null }));
      });

      it('deletes a row and returns it', async () => {
        const keep = makeImage();
        const gone = makeImage({ metadata: { k: 'v' } });
        await db.images.insert(keep);
        await db.images.insert(gone);
        expect(await db.images.delete(DEFAULT_TENANT, gone.id)).toEqual(gone);
        expect(await db.images.get(DEFAULT_TENANT, gone.id)).toBeUndefined();
        expect(await db.images.delete(DEFAULT_TENANT, gone.id)).toBeUndefined();
        expect(await db.images.get(DEFAULT_TENANT, keep.id)).toEqual(keep);
      });

    });

    describe('blob references', () => {
      const FUTURE = new Date(8_000_000_000_000);
      const removal = () => {
        const calls: number[] = [];
        return { calls, remove: async () => void calls.push(1) };
      };

      it('marks a blob unreferenced when its last row goes, and removes it only past the grace period', async () => {
        const a = makeImage();
        const b = makeImage({ sha256: a.sha256, storagePath: a.storagePath });
        await db.images.insert(a);
        await db.images.insert(b);
        const beforeDeletes = new Date(Date.now() - 1);
        await db.images.delete(DEFAULT_TENANT, a.id);
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([]);
        expect(await db.blobReferences.isReferenced(a.storagePath)).toBe(true);
        await db.images.delete(DEFAULT_TENANT, b.id);
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([a.storagePath]);
        expect(await db.blobReferences.listUnreferenced(beforeDeletes, 10)).toEqual([]);
        expect(await db.blobReferences.isReferenced(a.storagePath)).toBe(false);

        const young = removal();
        expect(await db.blobReferences.removeIfUnreferenced(a.storagePath, beforeDeletes, young.remove)).toBe('recent');
        expect(young.calls).toEqual([]);
        const old = removal();
        expect(await db.blobReferences.removeIfUnreferenced(a.storagePath, FUTURE, old.remove)).toBe('removed');
        expect(old.calls).toEqual([1]);
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([]);
      });

      it('lets a new reference win over a pending removal', async () => {
        const a = makeImage();
        await db.images.insert(a);
        await db.images.delete(DEFAULT_TENANT, a.id);
        await db.images.insert(makeImage({ sha256: a.sha256, storagePath: a.storagePath }));
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([]);
        const sweep = removal();
        expect(await db.blobReferences.removeIfUnreferenced(a.storagePath, FUTURE, sweep.remove)).toBe('referenced');
        expect(sweep.calls).toEqual([]);
      });

      it('asks the writer to ensure the blob only when no other row references it, and inserts nothing when it cannot', async () => {
        const a = makeImage();
        const ensured: string[] = [];
        const ensure = (id: string, ok = true) => async () => {
          ensured.push(id);
          return ok;
        };
        expect(await db.images.insert(a, ensure('a'))).toBe(true);
        const b = makeImage({ sha256: a.sha256, storagePath: a.storagePath });
        expect(await db.images.insert(b, ensure('b'))).toBe(true);
        const c = makeImage();
        expect(await db.images.insert(c, ensure('c', false))).toBe(false);
        expect(ensured).toEqual(['a', 'c']);
        expect(await db.images.get(DEFAULT_TENANT, c.id)).toBeUndefined();
        expect(await db.blobReferences.isReferenced(c.storagePath)).toBe(false);
      });

      it('removes a blob the database does not know, and keeps it when the removal fails', async () => {
        const unknown = 'sha256/aa/bb/' + 'a'.repeat(64);
        const failing = async () => {
          throw storageUnavailable('store down');
        };
        expect((await caught(db.blobReferences.removeIfUnreferenced(unknown, FUTURE, failing))).reason).toBe('STORAGE_UNAVAILABLE');
        // Rolled back whole: not even the lock's row is left.
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([]);
        const sweep = removal();
        expect(await db.blobReferences.removeIfUnreferenced(unknown, new Date(1), sweep.remove)).toBe('removed');
        expect(sweep.calls).toEqual([1]);
      });

      it('backfills the blobs of existing rows when the migration runs', async () => {
        const a = makeImage();
        const b = makeImage({ sha256: a.sha256, storagePath: a.storagePath });
        const c = makeImage();
        for (const r of [a, b, c]) await db.images.insert(r);
        await db.close();
        // Back to the schema before blob references, with its rows.
        const knex = rawKnex(target.url);
        try {
          await knex.schema.dropTable('blobs');
          await knex('knex_migrations').where({ name: '002-blob-references' }).del();
        } finally {
          await knex.destroy();
        }
        db = await createDatabase({ databaseUrl: target.url });
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([]);
        await db.images.delete(DEFAULT_TENANT, a.id);
        await db.images.delete(DEFAULT_TENANT, c.id);
        expect(await db.blobReferences.listUnreferenced(FUTURE, 10)).toEqual([c.storagePath]);
        const sweep = removal();
        expect(await db.blobReferences.removeIfUnreferenced(a.storagePath, FUTURE, sweep.remove)).toBe('referenced');
        expect(sweep.calls).toEqual([]);
      });
    });

    describe('palettes', () => {
      it('round-trips a palette and returns undefined for an unknown id', async () => {
        const p = makePalette({ name: 'Thème ☀', type: 'split_complementary', sourceImageId: uuidv7() });
        await db.palettes.insert(p);
        expect(await db.palettes.get(DEFAULT_TENANT, p.id)).toEqual(p);
        expect(await db.palettes.get(DEFAULT_TENANT, uuidv7())).toBeUndefined();
      });

      it('inserts many, lists them newest first in pages and by source', async () => {
        const source = uuidv7();
        const mine = Array.from({ length: 205 }, () => makePalette({ sourceImageId: source })); // more than one insert chunk
        const others = Array.from({ length: 3 }, () => makePalette({ sourceImageId: uuidv7() }));
        const free = makePalette();
        await db.palettes.insertMany(shuffled([...mine, ...others]));
        await db.palettes.insert(free);
        await db.palettes.insertMany([]);

        const bySource = await collect((cursor) => db.palettes.list(DEFAULT_TENANT, { limit: 50, cursor, sourceImageId: source }), 50);
        expect(bySource.map((p) => p.id)).toEqual(mine.map((p) => p.id).reverse());
        expect(bySource[0]).toEqual(mine[204]);

        const all = await collect((cursor) => db.palettes.list(DEFAULT_TENANT, { limit: 100, cursor }), 100);
        expect(all.map((p) => p.id)).toEqual([...mine, ...others, free].map((p) => p.id).reverse());
      });

      it('inserts all of a batch or none of it', async () => {
        const existing = makePalette();
        await db.palettes.insert(existing);
        const batch = [makePalette(), makePalette(), { ...makePalette(), id: existing.id }];
        await caught(db.palettes.insertMany(batch));
        expect(await db.palettes.get(DEFAULT_TENANT, batch[0].id)).toBeUndefined();
      });

      it('rejects a malformed page token naming page_token', async () => {
        const e = await caught(db.palettes.list(DEFAULT_TENANT, { limit: 10, cursor: BAD_TOKENS[0] }));
        expect(e.kind).toBe('invalid_argument');
        expect(e.violations[0]?.field).toBe('page_token');
      });

      it("keeps each tenant's palettes to itself", async () => {
        const source = uuidv7();
        const mine = makePalette({ tenant: 'acme', sourceImageId: source });
        await db.palettes.insert(mine);
        expect(await db.palettes.get('globex', mine.id)).toBeUndefined();
        expect((await db.palettes.list('globex', { limit: 10 })).items).toEqual([]);
        expect((await db.palettes.list('globex', { limit: 10, sourceImageId: source })).items).toEqual([]);
        expect(await db.palettes.deleteBySourceImage('globex', source)).toBe(0);
        expect(await db.palettes.get('acme', mine.id)).toEqual(mine);
        expect((await db.palettes.list('acme', { limit: 10, sourceImageId: source })).items).toEqual([mine]);
      });

      it('deletes the palettes of one source image', async () => {
        const source = uuidv7();
        const other = makePalette({ sourceImageId: uuidv7() });
        await db.palettes.insertMany([makePalette({ sourceImageId: source }), makePalette({ sourceImageId: source }), other]);
        expect(await db.palettes.deleteBySourceImage(DEFAULT_TENANT, source)).toBe(2);
        expect(await db.palettes.deleteBySourceImage(DEFAULT_TENANT, source)).toBe(0);
        expect((await db.palettes.list(DEFAULT_TENANT, { limit: 10 })).items).toEqual([other]);
      });
    });

    describe('database', () => {
      it('runs migrations idempotently: reopening keeps the schema and the data', async () => {
        const r = makeImage();
        await db.images.insert(r);
        const again = await createDatabase({ databaseUrl: target.url });
        try {
          expect(await again.images.get(DEFAULT_TENANT, r.id)).toEqual(r);
        } finally {
          await again.close();
        }
        const third = await createDatabase({ databaseUrl: target.url });
        await third.close();
      });

      it('pings, and fails as unavailable once closed', async () => {
        await db.ping();
        await db.close();
        const e = await caught(db.images.get(DEFAULT_TENANT, uuidv7()));
        expect(e.kind).toBe('unavailable');
        expect(e.reason).toBe('DATABASE_UNAVAILABLE');
      });
    });
  });
}
