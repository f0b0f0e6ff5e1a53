import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import { describeRepositories } from './repository-suite.js';

describeRepositories('SQLite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'imgsvc-sqlite-'));
  // A nested, not yet existing folder: createDatabase makes it.
  return { url: `sqlite:${path.join(dir, 'data', 'images.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('SQLite that cannot be opened', () => {
  it('fails as unavailable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'imgsvc-sqlite-'));
    try {
      writeFileSync(path.join(dir, 'file'), '');
      const e = await createDatabase({ databaseUrl: `sqlite:${path.join(dir, 'file', 'images.db')}` }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).kind).toBe('unavailable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
