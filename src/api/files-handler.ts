import { pipeline } from 'node:stream/promises';
import type { AssetService } from '../services/asset-service.js';
import type { Logger } from '../util/logger.js';

import type { NodeRequest as Req, NodeResponse as Res } from './node-handler.js';

function plain(res: Res, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}

/**
 * Plain HTTP beside the RPCs: GET/HEAD /files/<image_id>?exp=&sig= serves a signed download, and
 * /healthz answers load balancers that cannot speak gRPC health. Everything else is 404.
 */
export function filesHandler(assets: AssetService, isServing: () => boolean, logger: Logger) {
  return async (req: Req, res: Res): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/healthz') return plain(res, isServing() ? 200 : 503, isServing() ? 'ok' : 'shutting down');
    const match = /^\/files\/([^/]+)$/.exec(url.pathname);
    if (!match) return plain(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed');
    }
    try {
      const opened = await assets.openSigned(decodeURIComponent(match[1]), url.searchParams.get('exp') ?? '', url.searchParams.get('sig') ?? '');
      if (opened === 'forbidden') return plain(res, 403, 'invalid or expired signature');
      if (opened === 'gone') return plain(res, 404, 'image not found');
      const maxAge = Math.max(0, opened.expiresAt - Math.floor(Date.now() / 1000));
      const headers = {
        'content-type': opened.contentType,
        etag: opened.etag,
        // The bytes behind an id never change, but the URL is a capability: private, and cached no
        // longer than it stays valid.
        'cache-control': `private, max-age=${maxAge}, immutable`,
        'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(opened.filename || 'image')}`,
        'x-content-type-options': 'nosniff',
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
      logger.warn({ err: String(e), path: url.pathname }, 'file download failed');
      if (!res.headersSent) plain(res, 503, 'storage unavailable');
      else res.destroy();
    }
  };
}
