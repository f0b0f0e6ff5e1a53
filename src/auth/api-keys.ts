import type { ApiKeyRecord } from '../domain/api-key-record.js';
import { invalidArgument } from '../errors/index.js';
import type { ApiKeyRepository } from '../persistence/repositories.js';
import { checkMaxLength } from '../validation/check.js';
import { apiKeyId, hashApiKey, newApiKey, sameHash } from './api-key-secret.js';
import { isScope, SCOPES, TENANT_EXPECTED, TENANT_PATTERN, type Principal } from './principal.js';

export interface ApiKeysOptions {
  /** HMAC key of the stored hashes. */
  pepper: Buffer;
  /** Least time between two recorded uses of one key (default a minute): a write per call would cost more than the call. */
  touchIntervalMs?: number;
  /** Where a failed last-use write is reported; it never fails the call. */
  onTouchError?: (error: unknown) => void;
  now?: () => Date;
}

export interface NewApiKey {
  tenant: string;
  scopes: string[];
  name: string;
}

/** Creates, lists, revokes and checks API keys; the plain key exists only in what `create` returns. */
export class ApiKeys {
  private readonly now: () => Date;
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly options: ApiKeysOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async create(input: NewApiKey): Promise<{ record: ApiKeyRecord; key: string }> {
    if (!TENANT_PATTERN.test(input.tenant)) throw invalidArgument('tenant', TENANT_EXPECTED, input.tenant);
    if (input.scopes.length === 0 || !input.scopes.every(isScope)) {
      throw invalidArgument('scopes', `a comma-separated list of ${SCOPES.join(', ')}`, input.scopes.join(','));
    }
    if (!input.name.trim()) throw invalidArgument('name', 'a name saying who or what uses the key', input.name);
    checkMaxLength('name', input.name, 255);
    const { id, key } = newApiKey();
    const record: ApiKeyRecord = {
      id,
      tenant: input.tenant,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      keyHash: hashApiKey(this.options.pepper, key),
      createdAt: this.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.repository.insert(record);
    return { record, key };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.repository.list();
  }

  revoke(id: string): Promise<boolean> {
    return this.repository.revoke(id, this.now());
  }

  /** The principal a key stands for, or undefined for anything that is not a live key of this server. */
  async authenticate(key: string): Promise<Principal | undefined> {
    const id = apiKeyId(key);
    if (!id) return undefined;
    const record = await this.repository.get(id);
    // Hash even when there is no row, so an unknown id takes as long as a wrong secret.
    const hash = hashApiKey(this.options.pepper, key);
    if (!record || !sameHash(hash, record.keyHash) || record.revokedAt) return undefined;
    this.touch(id);
    return { tenant: record.tenant, subject: `key:${id}`, scopes: new Set(record.scopes), kind: 'api-key', keyId: id };
  }

  private touch(id: string): void {
    const now = this.now();
    const last = this.touched.get(id);
    if (last !== undefined && now.getTime() - last < (this.options.touchIntervalMs ?? 60_000)) return;
    this.touched.set(id, now.getTime());
    this.repository.touch(id, now).catch((e) => this.options.onTouchError?.(e));
  }
}
