import type { NodeResponse as Res } from './node-handler.js';

/**
 * On every response of the plain HTTP routes: a stored image opened from its URL (an SVG, or an HTML
 * file someone managed to store) runs no script, loads nothing and is sandboxed as its own origin; and
 * is never sniffed into something else.
 */
export const SAFE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'x-content-type-options': 'nosniff',
} as const;

/** Errors that mean the client went away mid-download (closed the tab, stopped reading): not faults. */
export const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ECONNRESET', 'EPIPE', 'ABORT_ERR', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_INVALID_STREAM']);

/** A short text answer, never cached: errors and health. */
export function plain(res: Res, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SAFE_HEADERS, ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}
