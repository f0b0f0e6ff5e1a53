import { cors } from '@connectrpc/connect';
import type { NodeHandler as Handler } from './node-handler.js';

/**
 * CORS for browser apps calling with Connect-web or gRPC-Web: answers preflights and exposes the
 * headers those protocols put errors in. `origins` is the allow-list; ["*"] allows any origin.
 */
export function withCors(handler: Handler, origins: string[]): Handler {
  const any = origins.includes('*');
  return (req, res) => {
    const origin = req.headers.origin;
    if (typeof origin === 'string' && (any || origins.includes(origin))) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin);
      if (!any) res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', cors.exposedHeaders.join(', '));
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', cors.allowedMethods.join(', '));
        res.setHeader('access-control-allow-headers', [...cors.allowedHeaders, 'Authorization'].join(', '));
        res.setHeader('access-control-max-age', '7200');
        res.writeHead(204);
        res.end();
        return;
      }
    }
    handler(req, res);
  };
}
