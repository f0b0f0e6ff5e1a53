import { pipeline } from 'node:stream/promises';
import type { AssetService } from '../services/asset-service.js';
import type { Logger } from '../util/logger.js';

import type { NodeRequest as Req, NodeResponse as Res } from './node-handler.js';

/**
 * On every response: a stored image opened from its URL (an SVG, or an HTML file someone managed to
 * store) runs no script, loads nothing and is sandboxed as its own origin; and is never sniffed into
 * something else.
 */
const SAFE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'x-content-type-options': 'nosniff',
} as const;

/** Errors that mean the client went away mid-download (closed the tab, stopped reading): not faults. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ECONNRESET', 'EPIPE', 'ABORT_ERR', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_INVALID_STREAM']);

function plain(res: Res, status: number, text: string): void {
  res.writeHead(status, { ...SAFE_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}

export interface FilesOptions {
  /** Serve SVG inline rather than as an attachment (SVG_INLINE). */
  svgInline?: boolean;
}

/**
 * Plain HTTP beside the RPCs: GET/HEAD /files/<image_id>?t=&exp=&sig= serves a signed download, and
 * /healthz answers load balancers that cannot speak gRPC health. Everything else is 404.
 */
export function filesHandler(assets: AssetService, isServing: () => boolean, logger: Logger, options: FilesOptions = {}) {
  return async (req: Req, res: Res): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/healthz') return plain(res, isServing() ? 200 : 503, isServing() ? 'ok' : 'shutting down');
    const match = /^\/files\/([^/]+)$/.exec(url.pathname);
    if (!match) return plain(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed');
    }
    const imageId = decodedSegment(match[1]);
    if (imageId === undefined) return plain(res, 400, 'the image id in the path is not valid percent-encoded UTF-8');
    try {
      const opened = await assets.openSigned(imageId, url.searchParams.get('t') ?? '', url.searchParams.get('exp') ?? '', url.searchParams.get('sig') ?? '');
      if (opened === 'forbidden') return plain(res, 403, 'invalid or expired signature');
      if (opened === 'gone') return plain(res, 404, 'image not found');
      const maxAge = Math.max(0, opened.expiresAt - Math.floor(Date.now() / 1000));
      // An SVG opened in a browser tab is a document; as an attachment it is only ever a download.
      const disposition = opened.contentType === 'image/svg+xml' && !options.svgInline ? 'attachment' : 'inline';
      const headers = {
        ...SAFE_HEADERS,
        'content-type': opened.contentType,
        etag: opened.etag,
        // The bytes behind an id never change, but the URL is a capability: private, and cached no
        // longer than it stays valid.
        'cache-control': `private, max-age=${maxAge}, immutable`,
        'content-disposition': `${disposition}; filename*=UTF-8''${encodeURIComponent(opened.filename || 'image')}`,
      };
      if (req.headers['if-none-match'] === opened.etag) {
        opened.stream.destroy();
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': String(opened.size) });
      if (req.method === 'HEAD') {
        opened.stream.destroy();
        res.end();
        return;
      }
      await pipeline(opened.stream, res as NodeJS.WritableStream);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== undefined && CLIENT_GONE.has(code)) logger.debug({ err: String(e), path: url.pathname }, 'file download stopped by the client');
      else logger.warn({ err: String(e), path: url.pathname }, 'file download failed');
      if (!res.headersSent) plain(res, 503, 'storage unavailable');
      else res.destroy();
    }
  };
}

/** A path segment decoded, or undefined when its percent-encoding is not valid UTF-8. */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
