import { AppError, databaseUnavailable, internalError } from '../errors/index.js';

/** Driver codes meaning "the database cannot be reached or cannot serve now": retryable, not a bug. */
const UNAVAILABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection lost',
  PROTOCOL_CONNECTION_LOST: 'connection lost',
  PROTOCOL_SEQUENCE_TIMEOUT: 'query timed out',
  ER_CON_COUNT_ERROR: 'too many connections',
  ER_TOO_MANY_USER_CONNECTIONS: 'too many connections',
  ER_ACCESS_DENIED_ERROR: 'access denied',
  ER_DBACCESS_DENIED_ERROR: 'access denied',
  ER_BAD_DB_ERROR: 'unknown database',
  ER_SERVER_SHUTDOWN: 'server shutting down',
  ER_LOCK_WAIT_TIMEOUT: 'lock wait timeout',
  ER_LOCK_DEADLOCK: 'deadlock',
  ER_OPTION_PREVENTS_STATEMENT: 'server is read-only',
  // SQLite extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE...) are matched on their base code.
  SQLITE_BUSY: 'database is busy',
  SQLITE_LOCKED: 'database is locked',
  SQLITE_CANTOPEN: 'cannot open database file',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_FULL: 'disk full',
  SQLITE_READONLY: 'database is read-only',
};

const DUPLICATE_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

const DUPLICATE_KEY = 'DUPLICATE_KEY';

interface DriverError {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  fatal?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error and what it wraps (cause chains, AggregateError from dual-stack connects), bounded. */
function* chain(e: unknown, depth = 0): Generator<DriverError> {
  if (depth > 5 || typeof e !== 'object' || e === null) return;
  const d = e as DriverError;
  yield d;
  yield* chain(d.cause, depth + 1);
  if (Array.isArray(d.errors)) for (const inner of d.errors) yield* chain(inner, depth + 1);
}

function unavailableReason(e: unknown): string | undefined {
  for (const d of chain(e)) {
    const code = typeof d.code === 'string' ? d.code : '';
    const reason = UNAVAILABLE[code] ?? (code.startsWith('SQLITE_') ? UNAVAILABLE[code.split('_', 2).join('_')] : undefined);
    if (reason) return reason;
    const message = typeof d.message === 'string' ? d.message : '';
    if (d.name === 'KnexTimeoutError' || message.includes('Timeout acquiring a connection')) {
      return 'timed out waiting for a connection';
    }
    // Pool destroyed (shutdown under way) or a mysql2 connection already dead.
    if (message.includes('Unable to acquire a connection')) return 'connection pool closed';
    if (d.fatal === true || message.includes('connection is in closed state')) return 'connection lost';
  }
  return undefined;
}

/**
 * Whether `e` (a driver error, or the AppError made from one) is a unique-key violation, optionally on
 * a given key: `isDuplicateKey(e, 'operation_key')` lets a caller that raced an identical operation
 * fetch the stored result instead of failing. Both engines name the key in their message (MySQL the
 * index, images_tenant_id_operation_key_unique; SQLite the columns, images.tenant_id, images.operation_key).
 */
export function isDuplicateKey(e: unknown, key?: string): boolean {
  for (const d of chain(e)) {
    const duplicate = d instanceof AppError ? d.reason === DUPLICATE_KEY : DUPLICATE_CODES.has(d.code as string);
    if (!duplicate) continue;
    if (key === undefined) return true;
    if (d instanceof AppError) continue; // the driver error in its cause carries the key name
    // Only the key part of the message: MySQL also quotes the duplicated value, which could be anything.
    const message = typeof d.message === 'string' ? d.message : '';
    const keyPart = /for key '([^']*)'$/.exec(message)?.[1] ?? /.*constraint failed: (.*)$/.exec(message)?.[1] ?? '';
    return keyPart.includes(key);
  }
  return false;
}

/**
 * The one translation from driver errors to AppError: callers of the repositories only ever see
 * AppError. Messages stay generic (they reach clients); the driver error is kept as cause for logs.
 */
export function mapDatabaseError(e: unknown, operation = 'query'): AppError {
  if (e instanceof AppError) return e;
  const reason = unavailableReason(e);
  if (reason) return databaseUnavailable(`${reason} (${operation})`, e);
  if (isDuplicateKey(e)) {
    return new AppError('internal', `database ${operation} conflicts with an existing row`, { reason: DUPLICATE_KEY, cause: e });
  }
  return internalError(`database ${operation} failed`, e);
}

/** Runs one repository operation, translating whatever the driver throws. */
export async function guardDatabase<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapDatabaseError(e, operation);
  }
}
