import { describe, expect, it } from 'vitest';
import { AppError, invalidArgument } from '../../src/errors/index.js';
import { isDuplicateKey, mapDatabaseError } from '../../src/persistence/map-database-error.js';

function driverError(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

describe('mapDatabaseError', () => {
  it.each([
    ['ECONNREFUSED', driverError('connect ECONNREFUSED 127.0.0.1:3306', { code: 'ECONNREFUSED' })],
    ['ENOTFOUND', driverError('getaddrinfo ENOTFOUND db', { code: 'ENOTFOUND' })],
    ['ETIMEDOUT', driverError('connect ETIMEDOUT', { code: 'ETIMEDOUT' })],
    ['PROTOCOL_CONNECTION_LOST', driverError('Connection lost: The server closed the connection.', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })],
    ['ER_CON_COUNT_ERROR', driverError('Too many connections', { code: 'ER_CON_COUNT_ERROR' })],
    ['ER_ACCESS_DENIED_ERROR', driverError("Access denied for user 'x'", { code: 'ER_ACCESS_DENIED_ERROR' })],
    ['SQLITE_BUSY', driverError('database is locked', { code: 'SQLITE_BUSY' })],
    ['SQLITE_BUSY_SNAPSHOT', driverError('database is locked', { code: 'SQLITE_BUSY_SNAPSHOT' })],
    ['SQLITE_IOERR_WRITE', driverError('disk I/O error', { code: 'SQLITE_IOERR_WRITE' })],
    ['KnexTimeoutError', driverError('Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?', { name: 'KnexTimeoutError' })],
    ['closed pool', new Error('Unable to acquire a connection')],
    ['unknown fatal', driverError('something broke the socket', { fatal: true })],
    ['wrapped', new Error('outer', { cause: driverError('inner', { code: 'ECONNRESET' }) })],
    ['AggregateError', new AggregateError([driverError('a', { code: 'ECONNREFUSED' }), driverError('b', { code: 'ECONNREFUSED' })], 'connect failed')],
  ])('treats %s as unavailable', (_, e) => {
    const mapped = mapDatabaseError(e, 'images.get');
    expect(mapped.kind).toBe('unavailable');
    expect(mapped.reason).toBe('DATABASE_UNAVAILABLE');
    expect(mapped.retryAfterMs).toBeGreaterThan(0);
    expect(mapped.message).toContain('images.get');
    expect(mapped.cause).toBe(e);
  });

  it('keeps driver text out of the message of anything else, which is internal', () => {
    const e = driverError("ER_PARSE_ERROR: You have an error in your SQL syntax near 'secret'", { code: 'ER_PARSE_ERROR' });
    const mapped = mapDatabaseError(e, 'images.list');
    expect(mapped.kind).toBe('internal');
    expect(mapped.message).not.toContain('secret');
    expect(mapped.cause).toBe(e);
    expect(mapDatabaseError('a string').kind).toBe('internal');
  });

  it('passes AppErrors through unchanged', () => {
    const e = invalidArgument('page_token', 'a page_token from a previous response', 'x');
    expect(mapDatabaseError(e)).toBe(e);
  });
});

describe('isDuplicateKey', () => {
  const mysqlDup = driverError("insert into `images` ... - Duplicate entry 'abc' for key 'images_operation_key_unique'", { code: 'ER_DUP_ENTRY', errno: 1062 });
  const mysqlPk = driverError("insert into `images` ... - Duplicate entry 'operation_key' for key 'PRIMARY'", { code: 'ER_DUP_ENTRY' });
  const sqliteDup = driverError('insert into `images` ... - UNIQUE constraint failed: images.operation_key', { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  const sqlitePk = driverError('insert into `images` ... - UNIQUE constraint failed: images.id', { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });

  it('recognises duplicates from either engine, raw or mapped, and by key', () => {
    for (const e of [mysqlDup, sqliteDup]) {
      expect(isDuplicateKey(e)).toBe(true);
      expect(isDuplicateKey(e, 'operation_key')).toBe(true);
      const mapped = mapDatabaseError(e, 'images.insert');
      expect(mapped).toBeInstanceOf(AppError);
      expect(mapped.reason).toBe('DUPLICATE_KEY');
      expect(isDuplicateKey(mapped, 'operation_key')).toBe(true);
    }
    for (const e of [mysqlPk, sqlitePk]) {
      expect(isDuplicateKey(e)).toBe(true);
      expect(isDuplicateKey(mapDatabaseError(e), 'operation_key')).toBe(false);
    }
  });

  it('is false for other errors', () => {
    expect(isDuplicateKey(new Error('x'))).toBe(false);
    expect(isDuplicateKey(driverError('Too many connections', { code: 'ER_CON_COUNT_ERROR' }))).toBe(false);
    expect(isDuplicateKey(undefined)).toBe(false);
  });
});
