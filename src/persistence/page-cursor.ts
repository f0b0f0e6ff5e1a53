import { invalidArgument } from '../errors/index.js';
import type { Page } from './repositories.js';

// Versioned so the encoding can change without old tokens being misread.
const PREFIX = 'v1:';
const ID = /^[0-9A-Za-z-]{1,36}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Opaque page token naming the last id of a page; the next page starts strictly after it. */
function encodePageCursor(lastId: string): string {
  return Buffer.from(PREFIX + lastId, 'utf8').toString('base64url');
}

/** The last id a token names; a token this service did not issue is the caller's error. */
export function decodePageCursor(token: string): string {
  const text = BASE64URL.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!ID.test(id)) throw invalidArgument('page_token', 'a page_token from a previous response', token);
  return id;
}

/** Repositories fetch limit + 1 rows: the extra row only says whether another page exists. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodePageCursor(items[items.length - 1].id) };
}

/** Repositories accept 1 to 100 rows a page; callers validate, this only keeps a bad value harmless. */
export function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.min(100, Math.max(1, Math.trunc(limit))) : 100;
}
