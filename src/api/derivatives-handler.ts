import type { DerivativeService } from '../services/derivative-service.js';
import type { Logger } from '../util/logger.js';
import { toHttpError } from './http-status.js';
import type { NodeRequest as Req, NodeResponse as Res } from './node-handler.js';
import { CLIENT_GONE, plain, SAFE_HEADERS } from './plain-response.js';
import { sendStored } from './send-stored.js';

export interface DerivativeResponseOptions {
  /** `public` lets a CDN keep a derivative; `private` only the browser. */
  cacheControlScope: 'public' | 'private';
  /** The longest max-age given (it never outlasts the URL). */
  maxAgeSeconds: number;
}

/**
 * GET/HEAD /derivatives/<image_id>?t=&tr=&exp=&sig=: a derivative as a CDN can keep it. The bytes
 * behind one URL never change (the result is keyed by the source's content, the transform and the
 * format), so the ETag is strong and the response immutable for as long as the URL is valid. Errors
 * are plain text with the same reasons as the RPCs.
 */
export function derivativesHandler(derivatives: DerivativeService, logger: Logger, options: DerivativeResponseOptions) {
  return async (req: Req, res: Res, imageId: string, url: URL): Promise<void> => {
    const q = url.searchParams;
    const accept = req.headers.accept;
    try {
      const opened = await derivatives.open(imageId, { tenant: q.get('t') ?? '', transform: q.get('tr') ?? '', exp: q.get('exp') ?? '', sig: q.get('sig') ?? '' }, accept);
      if (opened === 'forbidden') return plain(res, 403, 'invalid or expired signature, or a transform that is not allowed');
      if (opened === 'gone') return plain(res, 404, 'image not found');
      const { record } = opened;
      const maxAge = Math.max(0, Math.min(options.maxAgeSeconds, opened.expiresAt - Math.floor(Date.now() / 1000)));
      const etag = `"${record.sha256}"`;
      const headers: Record<string, string> = {
        ...SAFE_HEADERS,
        'content-type': record.contentType,
        etag,
        'last-modified': record.createdAt.toUTCString(),
        'cache-control': `${options.cacheControlScope}, max-age=${maxAge}, immutable`,
        ...(opened.variesByAccept ? { vary: 'Accept' } : {}),
      };
      await sendStored(req, res, headers, { body: opened.body, size: record.size, etag });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== undefined && CLIENT_GONE.has(code)) {
        logger.debug({ err: String(e), path: url.pathname }, 'derivative download stopped by the client');
        return;
      }
      const answer = toHttpError(e);
      if (answer.status >= 500) logger.warn({ err: String(e), path: url.pathname }, 'derivative failed');
      if (res.headersSent) return void res.destroy();
      // The same URL may succeed later (overload, storage): 503 says when to try again.
      plain(res, answer.status, answer.text, answer.retryAfter !== undefined ? { 'retry-after': String(answer.retryAfter) } : {});
    }
  };
}
