import { createConnectRouter, type ConnectRouter, type ConnectRouterOptions } from '@connectrpc/connect';
import type { UniversalHandler } from '@connectrpc/connect/protocol';

/**
 * The service's one connect router. Its handlers serve every protocol on both paths (the bare HTTP/2
 * stream for gRPC, Node's request/response for Connect, gRPC-Web and HTTP/1.1), so each call runs
 * the same interceptor chain whichever way it arrives.
 */
export function createRouter(options: ConnectRouterOptions, routes: (router: ConnectRouter) => void): readonly UniversalHandler[] {
  const router = createConnectRouter(options);
  routes(router);
  return router.handlers;
}
