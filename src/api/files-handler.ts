import type { AssetService } from '../services/asset-service.js';
import type { Logger } from '../util/logger.js';
import type { NodeRequest as Req, NodeResponse as Res } from './node-handler.js';
import { CLIENT_GONE, plain, SAFE_HEADERS } from './plain-response.js';
import { sendStored } from './send-stored.js';

export interface FilesOptions {
  /** Serve SVG inline rather than as an attachment (SVG_INLINE). */
  svgInline?: boolean;
  /** Serves /derivatives/<image_id> (derivatives-handler.ts); without it that path is 404. */
  derivatives?: (req: Req, res: Res, imageId: string, url: URL) => Promise<void>;
}

/**
 * Plain HTTP beside the RPCs: GET/HEAD /files/<image_id>?t=&exp=&sig= serves a signed download,
 * /derivatives/<image_id>?t=&tr=&exp=&sig= a signed derivative, and /healthz answers load balancers
 * that cannot speak gRPC health. Everything else is 404.
 */
export function filesHandler(assets: AssetService, isServing: () => boolean, logger: Logger, options: FilesOptions = {}) {
  return async (req: Req, res: Res): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/healthz') return plain(res, isServing() ? 200 : 503, isServing() ? 'ok' : 'shutting down');
    const match = /^\/(files|derivatives)\/([^/]+)$/.exec(url.pathname);
    if (!match || (match[1] === 'derivatives' && !options.derivatives)) return plain(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed');
    }
    const imageId = decodedSegment(match[2]);
    if (imageId === undefined) return plain(res, 400, 'the image id in the path is not valid percent-encoded UTF-8');
    if (match[1] === 'derivatives') return options.derivatives!(req, res, imageId, url);
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
      await sendStored(req, res, headers, { body: opened.stream, size: opened.size, etag: opened.etag });
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
