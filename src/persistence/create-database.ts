import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type BetterSqlite3 from 'better-sqlite3';
import { databaseUnavailable, invalidArgument } from '../errors/index.js';
import { KnexApiKeyRepository } from './knex-api-key-repository.js';
import { KnexBlobReferenceRepository } from './knex-blob-reference-repository.js';
import { KnexDerivativeRepository } from './knex-derivative-repository.js';
import { KnexImageRepository } from './knex-image-repository.js';
import { KnexPaletteRepository } from './knex-palette-repository.js';
import { guardDatabase, mapDatabaseError } from './map-database-error.js';
import { runMigrations } from './run-migrations.js';
import type { Database } from './repositories.js';


export interface CreateDatabaseOptions {
  /** sqlite:<file>, mysql://user:pass@host:port/db or mariadb://... */
  databaseUrl: string;
  /** MySQL pool bounds; SQLite always uses one connection. */
  poolMin?: number;
  poolMax?: number;
  /** Bound on connecting and on waiting for a pooled connection; default 10 s. */
  connectTimeoutMs?: number;
  /** Where knex's own warnings go (failed connection attempts, deprecations); default the console. */
  logger?: { warn(message: string): void };
}

const EXPECTED_URL = 'sqlite:<file>, mysql://user:password@host:port/database or mariadb://...';

/** The URL with any password masked, for error messages. */
function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

function sqliteConfig(file: string): Knex.Config {
  if (!file) throw invalidArgument('databaseUrl', EXPECTED_URL, 'sqlite:');
  if (file !== ':memory:') {
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (e) {
      throw databaseUnavailable('cannot create the directory of the SQLite file', e);
    }
  }
  return {
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    // One connection: SQLite has a single writer anyway, and a second pooled connection would only
    // turn knex transactions into SQLITE_BUSY errors.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: BetterSqlite3.Database, done: (err: Error | null, conn: unknown) => void) => {
        try {
          // WAL lets readers (backups, sqlite3 CLI) proceed while the service writes.
          conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 5000');
          done(null, conn);
        } catch (e) {
          done(e as Error, conn);
        }
      },
    },
  };
}

function mysqlConfig(databaseUrl: string, options: CreateDatabaseOptions, timeoutMs: number): Knex.Config {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw invalidArgument('databaseUrl', EXPECTED_URL, redact(databaseUrl));
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !database) throw invalidArgument('databaseUrl', EXPECTED_URL, redact(databaseUrl));
  return {
    client: 'mysql2',
    connection: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database,
      charset: 'utf8mb4',
      // Exact bigints beyond 2^53 come back as strings rather than silently rounded numbers.
      supportBigNumbers: true,
      connectTimeout: timeoutMs,
    },
    pool: {
      min: options.poolMin ?? 0,
      max: options.poolMax ?? 10,
      // Read committed: a read after taking a row lock sees what the lock's previous holder committed
      // (blob-lock.ts relies on it), and no gap locks are taken. Set once per connection rather than
      // per transaction, which would cost a round trip each time.
      afterCreate: (conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err) => done(err, conn));
      },
    },
    // An unreachable server fails a request within this bound instead of queueing it for a minute.
    acquireConnectionTimeout: timeoutMs,
  };
}

function knexConfig(options: CreateDatabaseOptions): Knex.Config {
  const { databaseUrl, logger } = options;
  let config: Knex.Config;
  if (databaseUrl.startsWith('sqlite:')) config = sqliteConfig(databaseUrl.slice('sqlite:'.length).replace(/^\/\//, ''));
  else if (/^(mysql|mariadb):\/\//.test(databaseUrl)) config = mysqlConfig(databaseUrl, options, options.connectTimeoutMs ?? 10_000);
  else throw invalidArgument('databaseUrl', EXPECTED_URL, redact(databaseUrl));
  if (logger) {
    const warn = (message: unknown) => logger.warn(String(message));
    config.log = { warn, error: warn, deprecate: (method, alternative) => warn(`${method} is deprecated, use ${alternative}`) };
  }
  return config;
}

/** Opens the database and brings its schema up to date; failures are AppErrors ('unavailable' when unreachable). */
export async function createDatabase(options: CreateDatabaseOptions): Promise<Database> {
  const knex = knexFactory(knexConfig(options));
  try {
    await runMigrations(knex);
  } catch (e) {
    await knex.destroy().catch(() => undefined);
    throw mapDatabaseError(e, 'migrations');
  }
  return {
    images: new KnexImageRepository(knex),
    palettes: new KnexPaletteRepository(knex),
    apiKeys: new KnexApiKeyRepository(knex),
    blobReferences: new KnexBlobReferenceRepository(knex),
    derivatives: new KnexDerivativeRepository(knex),
    ping: () => guardDatabase('ping', async () => {
      await knex.raw('select 1');
    }),
    close: () => knex.destroy(),
  };
}
