import type { Knex } from 'knex';
import type { Scope } from '../auth/principal.js';
import type { ApiKeyRecord } from '../domain/api-key-record.js';
import { guardDatabase } from './map-database-error.js';
import type { ApiKeyRepository } from './repositories.js';

const TABLE = 'api_keys';

interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes: string;
  key_hash: string;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

const dateOrNull = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)));

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scopes: row.scopes.split(' ').filter(Boolean) as Scope[],
    keyHash: row.key_hash,
    createdAt: new Date(Number(row.created_at)),
    lastUsedAt: dateOrNull(row.last_used_at),
    revokedAt: dateOrNull(row.revoked_at),
  };
}

export class KnexApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly knex: Knex) {}

  insert(r: ApiKeyRecord): Promise<void> {
    return guardDatabase('api_keys.insert', async () => {
      await this.knex<ApiKeyRow>(TABLE).insert({
        id: r.id,
        tenant: r.tenant,
        name: r.name,
        scopes: r.scopes.join(' '),
        key_hash: r.keyHash,
        created_at: r.createdAt.getTime(),
        last_used_at: r.lastUsedAt?.getTime() ?? null,
        revoked_at: r.revokedAt?.getTime() ?? null,
      });
    });
  }

  get(id: string): Promise<ApiKeyRecord | undefined> {
    return guardDatabase('api_keys.get', async () => {
      const row = await this.knex<ApiKeyRow>(TABLE).where({ id }).first();
      return row && toRecord(row);
    });
  }

  list(): Promise<ApiKeyRecord[]> {
    return guardDatabase('api_keys.list', async () => {
      return (await this.knex<ApiKeyRow>(TABLE).orderBy([{ column: 'tenant' }, { column: 'created_at' }, { column: 'id' }])).map(toRecord);
    });
  }

  revoke(id: string, at: Date): Promise<boolean> {
    return guardDatabase('api_keys.revoke', async () => {
      return Number(await this.knex(TABLE).where({ id }).whereNull('revoked_at').update({ revoked_at: at.getTime() })) > 0;
    });
  }

  touch(id: string, at: Date): Promise<void> {
    return guardDatabase('api_keys.touch', async () => {
      await this.knex(TABLE).where({ id }).update({ last_used_at: at.getTime() });
    });
  }
}
