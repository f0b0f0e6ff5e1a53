import { existsSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { NodeHandler } from './node-handler.js';

/**
 * The console's policy: its own scripts and styles only, images from the service (signed /files URLs)
 * and from blob:/data: (previews of local files and of results), calls to the service itself.
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web console's built files (web/dist) at `/`, `/index.html` and `/assets/*`, for GET and HEAD;
 * every other request goes on to `next`. Vite names the files under assets/ after their content, so
 * those are cached for good; index.html is revalidated so a new build is picked up at once.
 */
export function consoleHandler(root: string, next: NodeHandler): NodeHandler {
  if (!existsSync(path.join(root, 'index.html'))) return next;
  const serve = sirv(root, {
    etag: true,
    dotfiles: false,
    setHeaders(res, pathname) {
      res.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('content-security-policy', CONSOLE_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
  return (req, res) => {
    const pathname = req.url?.split('?', 1)[0] ?? '';
    const ours = pathname === '/' || pathname === '/index.html' || pathname.startsWith('/assets/');
    if (!ours || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next(req, res);
      return;
    }
    // sirv speaks node:http's request/response; HTTP/2's compatibility objects have the same members it uses.
    serve(req as IncomingMessage, res as ServerResponse, () => next(req, res));
  };
}
