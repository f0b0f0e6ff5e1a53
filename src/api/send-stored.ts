import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NodeRequest as Req, NodeResponse as Res } from './node-handler.js';

/**
 * Sends stored bytes with their headers (which include the ETag): 304 when If-None-Match names the
 * ETag (in a list, weak or `*`), a HEAD without its body, else the whole body (bytes in memory, or a
 * stream) with its exact length.
 */
export async function sendStored(req: Req, res: Res, headers: Record<string, string>, stored: { body: Buffer | Readable; size: number; etag: string }): Promise<void> {
  const { body } = stored;
  if (matches(req.headers['if-none-match'], stored.etag)) {
    if (!Buffer.isBuffer(body)) body.destroy();
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(stored.size) });
  if (Buffer.isBuffer(body)) {
    if (req.method === 'HEAD') res.end();
    else res.end(body);
    return;
  }
  if (req.method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  await pipeline(body, res as NodeJS.WritableStream);
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
