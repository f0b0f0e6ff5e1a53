import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NodeRequest as Req, NodeResponse as Res } from './node-handler.js';

/**
 * Sends stored bytes with their headers (which include the ETag): 304 when If-None-Match names the
 * ETag (in a list, weak or `*`), a HEAD without its body, else the whole stream with its exact length.
 */
export async function sendStored(req: Req, res: Res, headers: Record<string, string>, stored: { stream: Readable; size: number; etag: string }): Promise<void> {
  if (matches(req.headers['if-none-match'], stored.etag)) {
    stored.stream.destroy();
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(stored.size) });
  if (req.method === 'HEAD') {
    stored.stream.destroy();
    res.end();
    return;
  }
  await pipeline(stored.stream, res as NodeJS.WritableStream);
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
